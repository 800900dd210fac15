"""A discrepancy's decision as a record: who decided, when and why, and what came before.

The current decision lives on the `Discrepancy` row (state, note, who, when); every
earlier one lives only in the audit log (`discrepancy.decide` and `discrepancy.reopen`
rows). The pair page and the review queue show both (UX.md 4: every decision is a record,
like REDCap's data resolution thread), and "save and review the next" walks the open items
in the order the queue lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.audit import AuditEntry
from survey.studies.models import Study
from survey.wording import N_, in_every_language

DECISION_ACTIONS = ("discrepancy.decide", "discrepancy.reopen", "discrepancy.resolve")


@dataclass(frozen=True)
class Event:
    """One decision (or a reopening by the comparison) in a discrepancy's history."""

    action: str
    status: str
    note: str
    by: str  # the person's name or e-mail; "" for the comparison itself
    at: dt.datetime


def people(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> the name people know them by (the e-mail when no name was given)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(wanted)))
    return {uid: name or email for uid, name, email in rows}


def histories(session: Session, discrepancy_ids: Sequence[int]) -> dict[int, list[Event]]:
    """Discrepancy id -> its decisions and reopenings, newest first, from the audit rows."""
    if not discrepancy_ids:
        return {}
    rows = list(
        session.execute(
            select(
                AuditEntry.object_id,
                AuditEntry.action,
                AuditEntry.details,
                AuditEntry.reason,
                AuditEntry.actor_user_id,
                AuditEntry.at,
            )
            .where(
                AuditEntry.object_type == "discrepancy",
                AuditEntry.action.in_(DECISION_ACTIONS),
                AuditEntry.object_id.in_([str(i) for i in discrepancy_ids]),
            )
            .order_by(AuditEntry.id.desc())
        )
    )
    names = people(session, (row.actor_user_id for row in rows))
    found: dict[int, list[Event]] = {}
    for object_id, action, details, reason, actor, at in rows:
        if action == "discrepancy.decide":
            status, note = details.get("status", ""), reason or ""
        elif action == "discrepancy.resolve":  # both sides agreed in a follow-up round
            status, note = "resolved", ""
        else:  # reopened because an answer changed: the note written before stays readable
            status, note = "open", (details.get("before") or {}).get("note") or ""
        found.setdefault(int(object_id), []).append(
            Event(action, status, note, names.get(actor, "") if actor else "", at)
        )
    return found


def next_open(
    queue: Sequence[tuple[tuple[str, str], bool]], after: tuple[str, str] | None
) -> tuple[str, str] | None:
    """The first open item listed after `after`, wrapping round; None when none is open.

    `queue` is every discrepancy as ((pair, question), is open), in the queue's order (by
    pair, then questionnaire order). The item just decided is never its own next, so
    "save and review the next" always moves on; an `after` no longer listed starts over.
    """
    keys = [key for key, _ in queue]
    start = keys.index(after) + 1 if after in keys else 0
    for key, is_open in [*queue[start:], *queue[:start]]:
        if is_open and key != after:
            return key
    return None


# The fields of `discrepancy.decide` audit rows and the review states, in words (the audit
# log shows "Decision: confirmed", not "status: confirmed").
DECISION_FIELDS = {
    "status": N_("Decision"),
    "values_seen": N_("Answers decided upon"),
    "version": N_("Decision number"),
}
STATE_WORDS = {
    "open": N_("still open"),
    "explained": N_("explained"),
    "corrected": N_("corrected"),
    "confirmed": N_("confirmed"),
    "dismissed": N_("dismissed"),
}


def audit_words(_session: Session, _study: Study) -> dict[str, tuple[dict, dict]]:
    """The audit log's words for decision rows: field -> (name, {state: name}), per language.

    Registered before the questionnaires' words, so a question keyed like a field wins.
    """
    states = {code: in_every_language(word) for code, word in STATE_WORDS.items()}
    return {
        field: (in_every_language(word), states if field == "status" else {})
        for field, word in DECISION_FIELDS.items()
    }
