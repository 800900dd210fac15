"""The study's long tables as queries: pairs, members and audit rows, with their sort columns.

Each table's filters build one `select()`; `survey.paging.query_page` counts it,
orders it by a whitelisted column and fetches one page. Sorting by a place uses
the place's name in the page's language (Chinese names in Chinese).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from survey.accounts.models import User
from survey.audit import AuditEntry
from survey.studies.models import Membership, Pair, PairSide, Study


def pairs_statement(
    study: Study, *, kind: str | None = None, search: str | None = None
) -> Select[Any]:
    """The study's pairs, filtered by kind and searched in code and both places' names."""
    query = select(Pair).where(Pair.study_id == study.id)
    if kind:
        query = query.where(Pair.kind == kind)
    if search and search.strip():
        term = search.strip().lower()
        places = select(PairSide.pair_id).where(
            or_(
                func.lower(PairSide.place_en).contains(term, autoescape=True),
                PairSide.place_zh.contains(search.strip(), autoescape=True),
            )
        )
        query = query.where(or_(Pair.code.contains(term, autoescape=True), Pair.id.in_(places)))
    return query.options(selectinload(Pair.sides).selectinload(PairSide.respondents))


def pair_sort_columns(study: Study, chinese: bool) -> dict[str, Any]:
    """Sortable columns of the pairs table: code, kind, year and each side's place."""
    columns: dict[str, Any] = {
        "code": Pair.code,
        "kind": Pair.kind,
        "established": Pair.established,
    }
    for side in study.sides:
        name = PairSide.place_zh if chinese else PairSide.place_en
        columns[f"place-{side.code}"] = (
            select(name)
            .where(PairSide.pair_id == Pair.id, PairSide.side_id == side.id)
            .correlate(Pair)
            .scalar_subquery()
        )
    return columns


def members_statement(study: Study) -> Select[Any]:
    """The study's members with their roles."""
    return (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.study_id == study.id)
    )


MEMBER_SORT = {"email": User.email, "name": User.name, "role": Membership.role}


def audit_statement(
    study: Study,
    *,
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Select[Any]:
    """The study's audit rows with the acting user's e-mail, filtered."""
    query = (
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_user_id)
        .where(AuditEntry.study_id == study.id)
    )
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(User.email == actor.strip().lower())
    if since:
        query = query.where(AuditEntry.at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(
            AuditEntry.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return query


# The words of the study's questions and options, for audit rows about answers: filled by
# the app factory from the questionnaires (a later layer), read through `question_labels`.
Labels = dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]
AUDIT_LABELS: list[Callable[[Session, Study], Labels]] = []


# The pair an audit row's object belongs to (a discrepancy's), so that a value keyed by side
# names the side as that pair's kind does: filled by the app factory (a later layer's tables).
AUDIT_PAIRS: list[Callable[[Session, list[tuple[str, str]]], dict[str, int]]] = []


def row_pair_kinds(session: Session, entries: list[Any]) -> dict[int, str]:
    """Audit row id → the kind of the pair its object belongs to, where it belongs to one."""
    objects = [(e.object_type or "", e.object_id or "") for e in entries]
    pair_ids: dict[str, int] = {}
    for reader in AUDIT_PAIRS:
        pair_ids.update(reader(session, objects))
    if not pair_ids:
        return {}
    query = select(Pair.id, Pair.kind).where(Pair.id.in_(pair_ids.values()))
    kinds = {pair_id: kind for pair_id, kind in session.execute(query)}
    return {
        e.id: kinds[pair_ids[e.object_id]]
        for e in entries
        if e.object_type == "discrepancy" and pair_ids.get(e.object_id or "") in kinds
    }


def question_labels(session: Session, study: Study) -> Labels:
    """Each question key's text and option labels by language, from every registered reader."""
    labels: Labels = {}
    for reader in AUDIT_LABELS:
        labels.update(reader(session, study))
    return labels


AUDIT_SORT = {"at": AuditEntry.id, "action": AuditEntry.action, "actor": User.email}


@dataclass(frozen=True)
class Change:
    """One line of an audit row's details: a field and its old and new value, or a fact."""

    field: str
    old: Any
    new: Any
    changed: bool


def describe(details: Any) -> list[Change]:
    """An audit row's details as readable lines: `field: old → new` for changes, else facts."""
    if not isinstance(details, dict):
        return [] if details in (None, "", {}) else [Change("", None, details, False)]
    lines: list[Change] = []
    if "before" in details and "after" in details:
        lines.append(Change("", details["before"], details["after"], True))
    for key, value in details.items():
        if key in ("before", "after"):
            continue
        if key == "changes" and isinstance(value, dict):
            lines.extend(_changes(value))
        else:
            lines.append(Change(key, None, value, False))
    return lines


def _changes(changes: dict[str, Any]) -> list[Change]:
    return [
        Change(field, value[0], value[1], True)
        if isinstance(value, list | tuple) and len(value) == 2
        else Change(field, None, value, False)
        for field, value in changes.items()
    ]


def shown(value: Any, options: Mapping[str, str] | None = None) -> str:
    """A value from an audit row as short text: option codes as their labels, lists joined."""
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v, options) for v in value) if value else "—"
    if options and isinstance(value, str) and value in options:
        return options[value]
    if isinstance(value, dict):
        return "; ".join(f"{k} {shown(v)}" for k, v in value.items()) or "—"
    return str(value)
