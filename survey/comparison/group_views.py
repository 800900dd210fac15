"""The agreement report by group: what explains disagreement, on the web.

The same figures as `survey agreement ROUND --by followup|mode|language|kind [--values
original|final] --format json` (`agreement_groups.grouped`, the same bootstrap replicates
and seed): before and after follow-up, by mode pair, language pair and pair kind, each
cell with its n and 95 % interval, and a cell of fewer than 5 pairs refused in words. The
JSON download is exactly the command's output; the CSV adds the words in the page's
language as its last columns, as the report's other CSV files do.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.comparison import agreement_groups, bp, followups, pages, services
from survey.comparison.report_views import question_text
from survey.comparison.reports import STATISTIC_COLUMNS
from survey.db import db
from survey.exports_safety import csv_download
from survey.i18n import LANGUAGE_NAMES
from survey.rounds.forms import MODE_CHOICES
from survey.rounds.models import Round
from survey.rounds.views import study_round
from survey.studies.access import study_role

BASE = "/studies/<slug>/rounds/<round_slug>/comparison/report/groups"
GROUPING_NAMES = {
    "followup": _l("Before and after follow-up"),
    "mode": _l("Mode pair"),
    "language": _l("Language pair"),
    "kind": _l("Pair kind"),
}
VALUE_NAMES = {
    "original": _l("Original values: the answers first given"),
    "final": _l("Final values: a follow-up round's answer where a side gave one"),
}
FOLLOWUP_GROUPS = {
    "original": _l("Before follow-up (original values)"),
    "final": _l("After follow-up (final values)"),
}
MODE_NAMES = {choice.value: choice.label for choice in MODE_CHOICES}
TOO_FEW = _l("Fewer than 5 pairs compared: no statistic shown.")


def _asked(round_: Round) -> tuple[str, str]:
    """`by` and `values` from the query string (400 for anything else)."""
    default = "followup" if followups.followups_of(db.session, round_) else "mode"
    by = request.args.get("by") or default
    values = request.args.get("values") or "original"
    if by not in agreement_groups.GROUPINGS or values not in agreement_groups.VALUES:
        abort(400)
    return by, values


def _rows(round_: Round, by: str, values: str) -> list[dict[str, Any]]:
    return agreement_groups.grouped(db.session, round_, by, values=values)


def group_name(by: str, group: str) -> str:
    """A group in words: 'Telephone–Online', 'English–简体中文', the pair kind as it is."""
    if by == "followup":
        return str(FOLLOWUP_GROUPS.get(group, group))
    if by == "mode":
        return "–".join(str(MODE_NAMES.get(part, part)) for part in group.split("–"))
    if by == "language":
        return "–".join(
            LANGUAGE_NAMES.get(part.replace("-", "_"), part) for part in group.split("–")
        )
    return group


@bp.route(BASE)
@study_role("viewer")
def report_groups(slug: str, round_slug: str) -> str:
    """Agreement per group of pairs, each cell with n and its interval (small cells refused)."""
    round_ = study_round(round_slug)
    by, values = _asked(round_)
    rows = _rows(round_, by, values)
    q = services.questionnaire_of(db.session, round_)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    return render_template(
        "comparison/report_groups.html",
        **pages.page_context(round_),
        by=by,
        values=values,
        groups=groups,
        group_name=lambda group: group_name(by, group),
        question_label=lambda key: question_text(q, key),
        grouping_names=GROUPING_NAMES,
        value_names=VALUE_NAMES,
        statistics=STATISTIC_COLUMNS,
        too_few=TOO_FEW,
        asked_again=bool(followups.followups_of(db.session, round_)),
    )


@bp.route(BASE + ".csv", defaults={"fmt": "csv"})
@bp.route(BASE + ".json", defaults={"fmt": "json"})
@study_role("viewer")
def report_groups_file(slug: str, round_slug: str, fmt: str) -> Response:
    """The same figures as CSV (codes, then words) or JSON (as `survey agreement --by`)."""
    if fmt not in ("csv", "json"):
        abort(404)
    round_ = study_round(round_slug)
    by, values = _asked(round_)
    rows = _rows(round_, by, values)
    held = "" if by == "followup" else f"-{values}"
    name = f"{round_slug}-agreement-by-{by}{held}.{fmt}"
    if fmt == "json":
        return Response(
            json.dumps(rows, ensure_ascii=False, indent=2),
            mimetype="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
    q = services.questionnaire_of(db.session, round_)
    keys = [k for n in STATISTIC_COLUMNS for k in (n, f"{n}_low", f"{n}_high")]
    header = ["group", "question", "level", "pairs_compared", *keys, "note"]
    header += ["group_name", "question_text", "note_text"]
    out = []
    for row in rows:
        words = [
            group_name(by, row["group"]),
            _("All compared questions") if row["question"] == "overall" else "",
            "" if row["shown"] else str(TOO_FEW),
        ]
        if row["question"] != "overall":
            words[1] = question_text(q, row["question"])
        out.append([row[c] for c in header[: -len(words)]] + words)
    return csv_download(header, out, name, bom=False)
