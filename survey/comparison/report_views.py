"""The agreement report: progress, agreement per question, disagreements per pair, tabulations."""

from __future__ import annotations

from collections import Counter

from flask import abort, g, render_template, request
from werkzeug.wrappers import Response

from survey.comparison import bp, services
from survey.db import db
from survey.rounds import services as rounds
from survey.rounds.views import study_round
from survey.studies.access import study_role

BASE = "/studies/<slug>/rounds/<round_slug>/comparison"


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
