"""Researcher pages for questionnaires: versions, preview per language and side, completeness."""

from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import force_locale

from survey.accounts.authz import login_required
from survey.core.completeness import completeness
from survey.core.impact import data_impact, impact
from survey.db import db
from survey.i18n import normalize
from survey.questionnaires import bp, services
from survey.questionnaires.models import QuestionnaireVersion
from survey.studies.models import Study, StudySide


@bp.route("/questionnaires/")
@login_required
def index() -> str:
    """Every questionnaire version the researcher can see, newest first."""
    versions = services.visible_versions(db.session, g.user)
    return render_template("questionnaires/index.html", versions=versions)


def _visible(version_id: int) -> QuestionnaireVersion:
    row = db.session.get(QuestionnaireVersion, version_id)
    if row is None or not services.can_see(db.session, g.user, row):
        abort(404)
    return row


@bp.route("/questionnaires/<int:version_id>/")
@login_required
def show(version_id: int) -> str:
    """A version: its hash, sections, translation completeness and changes since the last one."""
    row = _visible(version_id)
    q = services.model_of(row)
    previous = services.previous_version(db.session, row)
    report = impact(services.model_of(previous), q) if previous else None
    warnings = (
        data_impact(report, services.answer_counts(db.session, row.scope, row.key))
        if (report)
        else []
    )
    return render_template(
        "questionnaires/show.html",
        row=row,
        q=q,
        previous=previous,
        report=report,
        warnings=warnings,
        completeness=completeness(q),
        sides=_sides(row),
    )


def _sides(row: QuestionnaireVersion) -> list[StudySide]:
    if row.study_id is None:
        return []
    study = db.session.get(Study, row.study_id)
    return list(study.sides) if study else []


@bp.route("/questionnaires/<int:version_id>/preview")
@login_required
def preview(version_id: int) -> str:
    """The whole questionnaire as a respondent sees it, in one language, for one side."""
    row = _visible(version_id)
    q = services.model_of(row)
    language = request.args.get("language", q.base_language)
    if language not in q.languages:
        language = q.base_language
    side = next((s for s in _sides(row) if s.code == request.args.get("side")), None)
    with force_locale(normalize(language) or "en"):  # the page speaks the respondent's language
        return render_template(
            "questionnaires/preview.html",
            row=row,
            q=q,
            language=language,
            side=side,
            sides=_sides(row),
            # piping shows where an answer goes: `${city}` as [city]
            piped={key: f"[{key}]" for key in q.answerable_keys},
        )
