"""Researcher pages for studies."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from flask import Response, g, render_template, request

from survey import paging, sealing
from survey.accounts.authz import login_required
from survey.db import db
from survey.studies import (  # noqa: F401  (pair_views, side_views, two_factor_views: routes)
    audit_words,
    bp,
    identifier_views,
    listing,
    pair_views,
    services,
    side_views,
    two_factor_views,
)
from survey.studies.access import study_role
from survey.templating import side_name, text_in


@bp.route("/")
@login_required
def index() -> str:
    """The studies the signed-in researcher belongs to."""
    from survey.studies.forms import ROLE_LABELS

    return render_template(
        "studies/index.html",
        studies=services.studies_for(db.session, g.user),
        role_names=ROLE_LABELS,
    )


AUDIT_PAGE_SIZE = 50


@bp.route("/studies/<slug>/audit/")
@study_role("researcher")
def audit_log(slug: str) -> str | Response:
    """Who did what and when, filterable, a page at a time; `?format=csv` downloads it all."""
    filters = audit_log_filters(request.args)
    if request.args.get("format") == "csv":
        return _audit_csv(services.audit_entries(db.session, g.study, **filters))
    wanted = paging.parse(
        request.args,
        tuple(listing.AUDIT_SORT),
        "at",
        default_direction="desc",
        per_page=AUDIT_PAGE_SIZE,
    )
    statement = listing.audit_statement(g.study, **filters)
    rows, total, wanted = paging.query_page(
        db.session, statement, wanted, listing.AUDIT_SORT, tiebreak=listing.AuditEntry.id
    )
    return render_template(
        "studies/audit.html",
        study=g.study,
        role=g.role,
        listing=paging.Listing(
            rows, total, wanted, paging.link_to("studies.audit_log", request.args, slug=slug)
        ),
        filters=filters,
        actions=services.audit_actions(db.session, g.study),
        describe=listing.describe,
        shown=listing.shown,
        field_words=audit_words.field_words,
        value_words=audit_words.value_words,
        side_names=_side_names(rows),
        opened=sealing.open_all(db.session, [entry for entry, _ in rows]),
        labels={
            key: (text_in(text), {code: text_in(label) for code, label in options.items()})
            for key, (text, options) in listing.question_labels(db.session, g.study).items()
        },
    )


def _side_names(rows: list[Any]) -> dict[int | None, dict[str, str]]:
    """Side code → label per audit row (None: the side's own), as the row's pair kind has it."""
    kinds = listing.row_pair_kinds(db.session, [entry for entry, _ in rows])
    named: dict[int | None, dict[str, str]] = {
        None: {side.code: side_name(side) for side in g.study.sides}
    }
    for row_id, kind in kinds.items():
        pair = SimpleNamespace(kind=kind)
        named[row_id] = {side.code: side_name(side, pair) for side in g.study.sides}
    return named


def audit_log_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """Only known filter names, with dates parsed; anything else is ignored (INJ-01)."""
    filters: dict[str, Any] = {
        "action": args.get("action", "")[:60],
        "actor": args.get("actor", "")[:254],
    }
    for name in ("since", "until"):
        try:
            filters[name] = dt.date.fromisoformat(args.get(name, ""))
        except ValueError:
            filters[name] = None
    return filters


def _audit_csv(entries: list) -> Response:  # noqa: ANN401
    from survey.exports_safety import csv_download

    header = ["time_utc", "action", "actor", "on_behalf_of", "object", "reason", "details"]
    opened = sealing.open_all(db.session, [entry for entry, _ in entries])
    rows = (
        (
            entry.at.isoformat(),
            entry.action,
            email or "",
            entry.on_behalf_of or "",
            f"{entry.object_type or ''}:{entry.object_id or ''}",
            entry.reason or "",
            json.dumps(opened[entry.id], ensure_ascii=False, sort_keys=True, default=str),
        )
        for entry, email in entries
    )
    return csv_download(header, rows, "audit.csv")
