"""The agreement report: progress, agreement per question, disagreements per pair, tabulations.

Every chart is drawn on the server (`survey.charts`) with its numbers in a table and a
CSV link; questions, options, pairs and sides are named in words in the page's language.
The CSV files keep the stable codes and add the words as the last columns.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, g, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey import charts, paging
from survey.comparison import bp, pages, reports, services
from survey.core.questionnaire import Questionnaire
from survey.db import db
from survey.exports_safety import csv_download
from survey.rounds import services as rounds
from survey.rounds.monitoring import round_status
from survey.rounds.views import study_round
from survey.studies.access import study_role
from survey.templating import pair_places, text_in

BASE = "/studies/<slug>/rounds/<round_slug>/comparison"
STATISTICS = reports.STATISTIC_COLUMNS
AGREEMENT_SORTS = ("question", "pairs", *STATISTICS)


@bp.route(BASE + "/report")
@study_role("viewer")
def report(slug: str, round_slug: str) -> str:
    """Agreement per question, pair-level tabulation and charts, printable, no JavaScript."""
    round_ = study_round(round_slug)
    q = services.questionnaire_of(db.session, round_)
    context = pages.page_context(round_)
    agreement = reports.agreement(db.session, round_)
    order = {question.key: n for n, question in enumerate(q.questions())}
    keys: dict[str, Any] = {
        "question": lambda r: order.get(r.question, 0),
        "pairs": lambda r: r.pairs_compared,
        **{name: (lambda r, name=name: getattr(r, name)) for name in STATISTICS},
    }
    wanted = paging.parse(request.args, AGREEMENT_SORTS, "question")
    rows, total, wanted = paging.list_page(agreement, wanted, keys)
    listing = paging.Listing(
        rows,
        total,
        wanted,
        paging.link_to("comparison.report", request.args, slug=slug, round_slug=round_slug),
    )
    pairs = pages.study_pairs()
    by_pair = Counter(i.pair for i in services.items(db.session, round_)).most_common()
    return render_template(
        "comparison/report.html",
        **context,
        q=q,
        listing=listing,
        agreement_chart=_agreement_chart(q, agreement),
        pairs_chart=_pairs_chart(by_pair, pairs, context["sides"]),
        tabulation=reports.tabulate(db.session, round_),
        status=round_status(db.session, round_, rounds.side_codes(g.study)),
        option_label=lambda key, code: pages.option_label(q, key, code),
    )


def question_text(q: Questionnaire, key: str, language: str | None = None) -> str:
    """A question's text in `language` (the page's by default), or its key if it has none."""
    try:
        return text_in(q.question(key).text, language) or key
    except KeyError:
        return key


def percent_text(value: float | None, pairs: int | None = None) -> str:
    """ "97 %" in the page's language, with "(n=34)" when `pairs` is given; "—" for none."""
    if value is None:
        shown = "—"
    else:
        shown = _("%(percent)s %%", percent=format_decimal(round(100 * value)))
    return shown if pairs is None else _("%(value)s (n=%(pairs)s)", value=shown, pairs=pairs)


def _agreement_chart(q: Questionnaire, agreement: list) -> charts.HBarChart:
    points = [
        (
            question_text(q, r.question),
            r.percent_agreement,
            percent_text(r.percent_agreement, r.pairs_compared),
        )
        for r in agreement
    ]
    ticks = [(share / 100, percent_text(share / 100)) for share in (0, 25, 50, 75, 100)]
    return charts.hbar_chart(points, maximum=1, ticks=ticks, width=1040, label_room=480)


def _pairs_chart(by_pair: list, pairs: dict, sides: list) -> charts.HBarChart | None:
    if not by_pair:
        return None
    peak = by_pair[0][1]
    step = charts.nice_step(peak)
    top = step * max(1, -(-peak // step))
    points = [
        (pair_places(pairs[code], sides) if code in pairs else code, count, str(count))
        for code, count in by_pair
    ]
    ticks = [(step * n, str(int(step * n))) for n in range(int(top // step) + 1)]
    return charts.hbar_chart(points, maximum=top, ticks=ticks, width=1040, label_room=400)


@bp.route(BASE + "/report.csv")
@study_role("viewer")
def report_csv(slug: str, round_slug: str) -> Response:
    """The report's figures as CSV: `?table=agreement` (default) or `?table=tabulation`.

    The codes come first (stable column keys for scripts); the question's text and the
    option's label, in the page's language, are the last columns.
    """
    round_ = study_round(round_slug)
    table = request.args.get("table", "agreement")
    if table not in ("agreement", "tabulation"):
        abort(404)
    q = services.questionnaire_of(db.session, round_)
    if table == "agreement":
        rows = reports.agreement_rows(reports.agreement(db.session, round_))
        for row in rows:
            row["question_text"] = question_text(q, row["question"])
    else:
        rows = reports.tabulation_rows(reports.tabulate(db.session, round_))
        for row in rows:
            row["question_text"] = question_text(q, row["question"])
            row["option_label"] = pages.option_label(q, row["question"], row["option"])
    header = list(rows[0]) if rows else []
    rows_out = ([row[c] for c in header] for row in rows)
    return csv_download(header, rows_out, f"{round_slug}-{table}.csv", bom=False)
