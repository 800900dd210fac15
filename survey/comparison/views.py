"""Researcher pages: the comparison dashboard, the pair side by side, decisions, the report."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.accounts.authz import ROLE_RANK
from survey.comparison import bp, services
from survey.comparison.forms import STATUS_LABELS, DecisionForm
from survey.comparison.models import Discrepancy
from survey.core.types import as_special, type_of
from survey.db import db
from survey.errors import ServiceError
from survey.rounds import services as rounds
from survey.rounds.views import study_round
from survey.studies.access import study_role
from survey.studies.models import Pair
from survey.templating import SPECIAL_LABELS

BASE = "/studies/<slug>/rounds/<round_slug>/comparison"


@bp.route(BASE + "/")
@study_role("viewer")
def dashboard(slug: str, round_slug: str) -> str:
    """Pairs flagged, questions ranked by disagreement, and the filtered list of items."""
    round_ = study_round(round_slug)
    filters = {name: request.args.get(name) or None for name in ("kind", "status", "question")}
    everything = services.items(db.session, round_, outcome="all")
    disagreements = [i for i in everything if i.outcome == "disagree"]
    listed = [
        i
        for i in disagreements  # the filters, applied to what is already loaded
        if all(v is None or getattr(i, k) == v for k, v in filters.items())
    ]
    return render_template(
        "comparison/dashboard.html",
        study=g.study,
        round=round_,
        items=listed,
        outcomes=Counter(i.outcome for i in everything),
        by_pair=Counter(i.pair for i in disagreements).most_common(),
        open_by_pair=Counter(i.pair for i in disagreements if i.status == "open"),
        by_question=Counter(i.question for i in disagreements).most_common(),
        kinds=sorted({i.kind for i in everything if i.kind}),
        filters=filters,
        statuses=STATUS_LABELS,
        sides=services.side_order(db.session, round_),
        questions=[
            q.key
            for q in services.questionnaire_of(db.session, round_).questions()
            if q.is_compared
        ],
    )


@bp.route(BASE + "/next")
@study_role("viewer")
def next_open(slug: str, round_slug: str) -> Response:
    """Jump to the first open discrepancy after the given pair (keyboard-friendly review)."""
    round_ = study_round(round_slug)
    after = request.args.get("after", "")
    waiting = [i for i in services.items(db.session, round_, status="open")]
    target = next((i for i in waiting if i.pair > after), waiting[0] if waiting else None)
    if target is None:
        flash(_("No open discrepancies are left in this round."), "info")
        return redirect(url_for("comparison.dashboard", slug=slug, round_slug=round_slug))
    return redirect(
        url_for(
            "comparison.pair",
            slug=slug,
            round_slug=round_slug,
            pair_code=target.pair,
            _anchor=f"q-{target.question}",
        )
    )


@bp.route(BASE + "/<pair_code>")
@study_role("viewer")
def pair(slug: str, round_slug: str, pair_code: str) -> str:
    """Both sides side by side: the question and answers in both languages, rule, outcome."""
    round_ = study_round(round_slug)
    found = db.session.scalar(
        select(Pair).where(Pair.study_id == g.study.id, Pair.code == pair_code)
    )
    if found is None:
        abort(404)
    q = services.questionnaire_of(db.session, round_)
    sides = services.side_order(db.session, round_)
    rows = services.items(db.session, round_, outcome="all", pair=pair_code)
    return render_template(
        "comparison/pair.html",
        study=g.study,
        round=round_,
        pair=found,
        q=q,
        sides=sides,
        rows=rows,
        languages=_languages(q, sides),
        show=_shower(q),
        can_decide=ROLE_RANK[g.role] >= ROLE_RANK["researcher"],
        statuses=STATUS_LABELS,
        forms={
            i.question: DecisionForm(status=i.status, version=i.version)
            for i in rows
            if i.discrepancy_id
        },
    )


def _languages(q: Any, sides: list) -> list[str]:
    """The two sides' languages (as the questionnaire has them), the first side's first."""
    wanted = [side.default_language for side in sides]
    chosen = [lang for lang in dict.fromkeys(wanted) if lang in q.languages]
    return chosen or [q.base_language]


def _shower(q: Any):  # noqa: ANN202
    def show(key: str, value: Any, language: str) -> str:
        special = as_special(value)
        if special is not None:
            return str(SPECIAL_LABELS[special.value])
        if value is None:
            return ""
        question = q.question(key)
        return type_of(question).display(question, value, language)

    return show


@bp.route(BASE + "/<pair_code>/<question>/decide", methods=["POST"])
@study_role("researcher")
def decide(slug: str, round_slug: str, pair_code: str, question: str) -> Response:
    """Record a decision; a decision made meanwhile by someone else is reported, not replaced."""
    round_ = study_round(round_slug)
    found = db.session.scalar(
        select(Discrepancy)
        .join(Pair, Pair.id == Discrepancy.pair_id)
        .where(
            Discrepancy.round_id == round_.id,
            Pair.code == pair_code,
            Discrepancy.question_key == question,
        )
    )
    if found is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit() and form.version.data.isdigit():
        try:
            services.decide(
                db.session,
                found,
                form.status.data,
                user=g.user,
                note=form.note.data or "",
                version=int(form.version.data),
            )
            flash(_("Decision saved."), "info")
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(
                url_for(
                    "comparison.pair",
                    slug=slug,
                    round_slug=round_slug,
                    pair_code=pair_code,
                    _anchor=f"q-{question}",
                )
            ), 409
    else:
        flash(_("Choose a decision."), "error")
    return redirect(
        url_for("comparison.next_open", slug=slug, round_slug=round_slug, after=pair_code)
        if request.form.get("then") == "next"
        else url_for(
            "comparison.pair",
            slug=slug,
            round_slug=round_slug,
            pair_code=pair_code,
            _anchor=f"q-{question}",
        )
    )


@bp.route(BASE + "/report")
@study_role("viewer")
def report(slug: str, round_slug: str) -> str:
    """Agreement per question, pair-level tabulation and charts, printable, no JavaScript."""
    from survey.comparison import reports
    from survey.rounds.monitoring import round_status

    round_ = study_round(round_slug)
    disagreements = Counter(i.pair for i in services.items(db.session, round_))
    return render_template(
        "comparison/report.html",
        study=g.study,
        round=round_,
        agreement=reports.agreement(db.session, round_),
        tabulation=reports.tabulate(db.session, round_),
        by_pair=disagreements.most_common(),
        status=round_status(db.session, round_, rounds.side_codes(g.study)),
        q=services.questionnaire_of(db.session, round_),
        sides=services.side_order(db.session, round_),
    )


@bp.route(BASE + "/report.csv")
@study_role("viewer")
def report_csv(slug: str, round_slug: str) -> Response:
    """The report's figures as CSV: `?table=agreement` (default) or `?table=tabulation`."""
    from survey.comparison import reports
    from survey.exports_safety import csv_download

    round_ = study_round(round_slug)
    table = request.args.get("table", "agreement")
    if table not in ("agreement", "tabulation"):
        abort(404)
    rows = (
        reports.agreement_rows(reports.agreement(db.session, round_))
        if table == "agreement"
        else reports.tabulation_rows(reports.tabulate(db.session, round_))
    )
    header = list(rows[0]) if rows else []
    rows_out = ([row[c] for c in header] for row in rows)
    return csv_download(header, rows_out, f"{round_slug}-{table}.csv", bom=False)
