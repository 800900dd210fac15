"""An owner's privacy pages: a respondent's data held (download), erasure with a
confirmation naming what goes, and the study's privacy settings (docs/privacy.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, flash, g, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.db import db
from survey.errors import ServiceError
from survey.privacy import access, bp, compact, erasure, settings
from survey.privacy.forms import EraseForm, PrivacyForm
from survey.studies.access import study_role
from survey.studies.models import Pair, PairSide, Respondent
from survey.transaction import writes

blueprints = (bp,)


def _respondent(respondent_id: int) -> tuple[Respondent, Pair]:
    """The study's respondent (404 for another study's, as for any missing one)."""
    found = db.session.execute(
        select(Respondent, Pair)
        .join(PairSide, PairSide.id == Respondent.pair_side_id)
        .join(Pair, Pair.id == PairSide.pair_id)
        .where(Respondent.id == respondent_id, Pair.study_id == g.study.id)
    ).first()
    if found is None:
        abort(404)
    return found[0], found[1]


@bp.route("/studies/<slug>/respondents/<int:respondent_id>/")
@study_role("owner")
def respondent(slug: str, respondent_id: int) -> str:
    """What is held about the person, their data to download, and the way to erase them."""
    person, pair = _respondent(respondent_id)
    return render_template(
        "privacy/respondent.html",
        study=g.study,
        person=person,
        pair=pair,
        plan=erasure.plan(db.session, person),
        erased=erasure.is_erased(person),
    )


@bp.route("/studies/<slug>/respondents/<int:respondent_id>/held.json", defaults={"fmt": "json"})
@bp.route("/studies/<slug>/respondents/<int:respondent_id>/held.html", defaults={"fmt": "html"})
@writes  # audited
@study_role("owner")
def held(slug: str, respondent_id: int, fmt: str) -> Response:
    """Everything held about the person, as JSON or as a page in their language (audited)."""
    person, _pair = _respondent(respondent_id)
    folder = Path(tempfile.mkdtemp(prefix="survey-held-"))
    json_path, html_path = access.write(db.session, person, folder / f"respondent-{person.id}")
    access.record(db.session, person, g.study, g.user)
    path = json_path if fmt == "json" else html_path
    response = send_file(
        path,
        mimetype="application/json" if fmt == "json" else "text/html",
        as_attachment=True,
        download_name=f"respondent-{person.id}.{fmt}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"

    def tidy() -> None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)

    response.call_on_close(tidy)
    return response


@bp.route("/studies/<slug>/respondents/<int:respondent_id>/erase", methods=["GET", "POST"])
@study_role("owner")
def erase(slug: str, respondent_id: int) -> str | Response | tuple[str, int]:
    """The confirmation names what will go; the erasure needs a reason."""
    person, pair = _respondent(respondent_id)
    form = EraseForm()
    plan = erasure.plan(db.session, person)
    page = {"study": g.study, "person": person, "pair": pair, "plan": plan, "form": form}
    if not form.validate_on_submit():
        return render_template("privacy/erase.html", **page)
    try:
        _found, pseudonym = erasure.erase(
            db.session, person, reason=form.reason.data, user=g.user,
            cancel_mail=form.cancel_mail.data,
        )  # fmt: skip
    except ServiceError as error:
        target = form.cancel_mail if error.field == "cancel_mail" else form.reason
        target.errors = [error.message]
        return render_template("privacy/erase.html", **page), 422
    flash(_("The respondent was erased; they are now %(pseudonym)s.", pseudonym=pseudonym), "info")
    response = redirect(url_for("studies.pair_show", slug=slug, code=pair.code))
    response.call_on_close(lambda: compact.after_erasure(db.session))  # after the commit
    return response


@bp.route("/studies/<slug>/privacy", methods=["GET", "POST"])
@study_role("owner")
def study_settings(slug: str) -> str | Response:
    """What erasure keeps, and how long identities are kept after the last round closes."""
    row = settings.of(db.session, g.study)
    form = PrivacyForm(
        answers="erase" if row.erase_answers else "keep", retention_days=row.retention_days
    )
    if form.validate_on_submit():
        settings.change(
            db.session, g.study, form.answers.data == "erase", form.retention_days.data,
            user=g.user,
        )  # fmt: skip
        flash(_("Privacy settings saved."), "info")
        return redirect(url_for("privacy.study_settings", slug=slug))
    return render_template("privacy/settings.html", study=g.study, form=form)
