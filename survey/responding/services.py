"""Answers: parse, validate and store them with an audit trail; submit exactly once.

Shared by the respondent's form, interviewer entry, the responses import and
discrepancy corrections. One audit row per save lists every changed answer with
its old and new value, who changed it and on whose behalf (ACL-05).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from survey import audit, sealing
from survey.accounts.models import User
from survey.core import calculations, relevance
from survey.core.questionnaire import Questionnaire
from survey.core.types import AnswerError, check_answer, type_of
from survey.core.types.roster import relevant_rows
from survey.db import utcnow
from survey.errors import ServiceError
from survey.responding import store
from survey.responding.store import Fresh, Stored
from survey.rounds.models import Invitation, Round

EDITABLE_STATES = frozenset({"pending", "sent", "opened", "in_progress"})


# Called with (session, invitation) after answers of an invitation changed or it was
# submitted; the comparison feature registers itself here to re-run the pair.
ANSWER_LISTENERS: list[Callable[[Session, Invitation], None]] = []


@dataclass(frozen=True)
class Actor:
    """Who writes: the respondent (user None) or a researcher/interviewer on their behalf."""

    source: str = "respondent"  # respondent | interviewer | import | correction
    user: User | None = None
    reason: str | None = None
    mode: str | None = None  # web | phone | email | paper, recorded on the invitation


@dataclass
class SaveResult:
    """What a save did: values stored, errors per question, conflicts with a newer save."""

    saved: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, AnswerError] = field(default_factory=dict)
    conflicts: dict[str, tuple[Any, int]] = field(default_factory=dict)  # key -> (theirs, version)


@dataclass
class Plan:
    """A save worked out on what was read, before anything is written (see `write`)."""

    result: SaveResult
    rows: dict[str, Stored]  # every answer of the invitation as it will be once written
    updates: list[Stored] = field(default_factory=list)  # stored rows with their new value
    inserts: list[Fresh] = field(default_factory=list)  # answers not stored before
    changes: dict[str, list[Any]] = field(default_factory=dict)  # key -> [old, new], audited
    invitation_id: int | None = None  # whose answers, from where, when, by whom: every row
    source: str = "respondent"
    at: dt.datetime | None = None
    by: int | None = None


def answer_rows(session: Session, invitation: Invitation) -> dict[str, Stored]:
    """The stored answers of an invitation by question key (plain rows, not ORM objects)."""
    return store.answer_rows(session, invitation.id)


def answers_of(session: Session, invitation: Invitation) -> dict[str, Any]:
    """The stored values of an invitation by question key (blank answers left out)."""
    return {k: r.value for k, r in answer_rows(session, invitation).items() if r.value is not None}


def record_answers(
    session: Session,
    invitation: Invitation,
    q: Questionnaire,
    raw: Mapping[str, Any],
    *,
    actor: Actor = Actor(),
    expected: Mapping[str, int] | None = None,
    today: dt.date | None = None,
) -> SaveResult:
    """Parse and store answers; bad values come back as errors, newer saves as conflicts."""
    rows = answer_rows(session, invitation)
    found = plan(session, invitation, q, rows, raw, actor=actor, expected=expected, today=today)
    write(session, invitation, found, actor)
    return found.result


def plan(
    session: Session,
    invitation: Invitation,
    q: Questionnaire,
    rows: Mapping[str, Stored],
    raw: Mapping[str, Any],
    *,
    actor: Actor = Actor(),
    expected: Mapping[str, int] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Work a save out on `rows` as read; nothing is written (`write` does that)."""
    _check_writable(session, invitation, actor)
    unknown = sorted(set(raw) - q.answerable_keys)
    if unknown:
        raise ServiceError("question", "unknown_question", keys=", ".join(unknown))
    result = SaveResult()
    now, by = utcnow(), actor.user.id if actor.user else None
    found = Plan(
        result, dict(rows), invitation_id=invitation.id, source=actor.source, at=now, by=by
    )
    # a calculation is computed here and a read-only question is only shown: never taken
    asked = {k: v for k, v in raw.items() if q.question(k).is_asked}
    parsed = _parse_all(q, asked, result)
    merged = {k: r.value for k, r in rows.items() if r.value is not None} | {
        k: v for k, v in parsed.items() if v is not None
    }
    for key, value in parsed.items():
        if q.question(key).columns:  # a roster: the cells of columns not relevant in their row go
            value = _row_values(q, key, value, merged, today)
            value = parsed[key] = relevant_rows(q.question(key), value, merged, today)
            if value is not None:
                merged[key] = value
        error = check_answer(q.question(key), value, merged, today=today)
        if error is not None and error.code != "required":  # required is checked on submit
            result.errors[key] = error
            continue
        row = rows.get(key)
        old = row.value if row is not None else None
        if old == value:
            continue
        seen = (expected or {}).get(key)
        if row is not None and seen is not None and row.version != seen:
            result.conflicts[key] = (row.value, row.version)  # someone saved in between (DATA-06)
            continue
        _put(found, key, row, value)
    _recalculate(q, found, today)
    return found


def _row_values(
    q: Questionnaire, key: str, rows: Any, answers: Mapping[str, Any], today: dt.date | None
) -> Any:
    """A roster's rows with their calculate columns computed in each row, in column order,
    without the cells of columns that do not apply in their row (posted values of those
    columns were never read: the roster's parse leaves them out)."""
    if not isinstance(rows, list) or key not in q.calculation_keys:
        return rows
    scope = {**answers, **calculations.calculated(q, answers, today)}  # the calculations before
    labels = calculations.base_labels(q)
    roster = q.question(key)
    return calculations.row_values(
        roster, rows, scope, today, labels, relevant=True, language=q.base_language
    )


def _put(found: Plan, key: str, row: Stored | None, value: Any) -> None:
    if key in found.changes:  # put again by this save: a roster whose row values followed
        _put_again(found, key, value)
        return
    version = row.version + 1 if row is not None else 1
    found.rows[key] = Stored(row.id if row is not None else None, value, version)
    if row is not None and row.id is not None:
        found.updates.append(Stored(row.id, value, version))
    else:
        found.inserts.append(Fresh(key, value, version))
    found.result.saved[key] = value
    found.changes[key] = [row.value if row is not None else None, value]


def _put_again(found: Plan, key: str, value: Any) -> None:
    """The value of an answer this save already changed, changed again: one write, one
    audited change from the stored value to this one."""
    stored = found.rows[key]
    found.rows[key] = Stored(stored.id, value, stored.version)
    found.updates = [
        Stored(u.id, value, u.version) if stored.id is not None and u.id == stored.id else u
        for u in found.updates
    ]
    found.inserts = [Fresh(f.key, value, f.version) if f.key == key else f for f in found.inserts]
    found.result.saved[key] = value
    found.changes[key][1] = value


def _recalculate(q: Questionnaire, found: Plan, today: dt.date | None) -> None:
    """Store with the save every calculation whose inputs changed it (and only those)."""
    if not q.calculation_keys:
        return
    stored = {k: r.value for k, r in found.rows.items() if r.value is not None}
    for key, value in calculations.changed(q, stored, stored, today).items():
        _put(found, key, found.rows.get(key), value)


def write(
    session: Session,
    invitation: Invitation,
    found: Plan,
    actor: Actor = Actor(),
    *,
    seen: int | None = None,
    section: str | None = None,
) -> bool:
    """Write a planned save, and move the invitation to `section` when given.

    With `seen` (the invitation's version when the answers were read), nothing is
    written and False comes back if any other save or submit came in since: every
    writer of answers moves that version on, so the plan may be stale. The check and
    the writes are one UPDATE's row lock (PostgreSQL) or one writer transaction (SQLite);
    on PostgreSQL the same UPDATE claims the audit chain (`store.move_invitation`).
    """
    values: dict[str, Any] = {}
    if section is not None:
        values["current_section"] = section
    if found.changes:
        if invitation.state in EDITABLE_STATES:
            values["state"] = "in_progress"
            values["started_at"] = invitation.started_at or utcnow()
        if actor.mode:
            values["mode"] = actor.mode
    if not (values or found.changes or seen is not None):
        return True  # nothing to write, nothing to check
    session.flush()  # nothing pending of the invitation may be written over it later
    audited = bool(found.changes)
    version = store.move_invitation(
        session, invitation.id, values, seen=seen, bump=audited, audited=audited
    )
    if version is None:
        return False
    for name, value in {**values, "version": version}.items():
        set_committed_value(invitation, name, value)
    if found.changes:
        entry = _audit_entry(session, invitation, actor, found.changes)
        store.write_rows(
            session, invitation.id, found.updates, found.inserts,
            source=found.source, at=found.at or utcnow(), by=found.by,
        )  # fmt: skip
        chained = audit.chain(entry, store.chain_head(session))
        audit.insert_chained(session.connection(), chained)
        for listener in ANSWER_LISTENERS:
            listener(session, invitation)
    return True


def _round_of(session: Session, invitation: Invitation) -> Round | None:
    return session.get(Round, invitation.round_id)  # read with the invitation, as a rule


def _check_writable(session: Session, invitation: Invitation, actor: Actor) -> None:
    round_ = _round_of(session, invitation)
    if actor.source == "correction":
        if not actor.reason:
            raise ServiceError("reason", "reason_required")
        return
    if invitation.state == "submitted":
        raise ServiceError(None, "already_submitted")
    if invitation.state == "declined" and actor.source == "respondent":
        raise ServiceError(None, "declined")
    if round_ is None or round_.state != "open":
        raise ServiceError(None, "round_not_open")


def _parse_all(q: Questionnaire, raw: Mapping[str, Any], result: SaveResult) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for key, typed in raw.items():
        question = q.question(key)
        try:
            parsed[key] = type_of(question).parse(question, typed)
        except AnswerError as error:
            result.errors[key] = error
    return parsed


def _audit(
    session: Session, invitation: Invitation, action: str, actor: Actor, details: dict[str, Any]
) -> None:
    audit.record(session, action, details=details, **_audit_fields(session, invitation, actor))


def _audit_entry(
    session: Session, invitation: Invitation, actor: Actor, changes: dict[str, list[Any]]
) -> dict[str, Any]:
    """The audit row of a save: every changed answer, old and new (ACL-05), the values sealed
    with the respondent's key (erasure destroys it; docs/privacy.md), the keys in clear."""
    fields = _audit_fields(session, invitation, actor)
    details = sealing.seal(
        session.connection(),
        invitation.respondent_id,
        {"questions": sorted(changes), "changes": changes},
        ["changes"],
    )
    return audit.entry(session, "answer.save", details=details, **fields)


def _audit_fields(session: Session, invitation: Invitation, actor: Actor) -> dict[str, Any]:
    """Who did what to which invitation, on whose behalf."""
    round_ = _round_of(session, invitation)
    return {
        "study_id": round_.study_id if round_ else None,
        "object_type": "invitation",
        "object_id": str(invitation.id),
        "reason": actor.reason,
        "actor_user_id": actor.user.id if actor.user else None,
        "actor_invitation_id": invitation.id if actor.user is None else None,
        "on_behalf_of": f"respondent:{invitation.respondent_id}",
    }


def submit(
    session: Session,
    invitation: Invitation,
    q: Questionnaire,
    *,
    actor: Actor = Actor(),
    today: dt.date | None = None,
) -> bool:
    """Submit once: True when this call submitted, False when it was already submitted.

    Parallel submits race on one conditional UPDATE; only the winner writes the audit
    row (DATA-03/04/05). Missing or invalid answers refuse the submit with their keys.
    """
    if invitation.state == "submitted":
        return False
    answers = answers_of(session, invitation)
    wrong = relevance.problems(q, answers, today)
    if wrong:
        raise ServiceError(None, "incomplete", keys=", ".join(sorted(wrong)))
    changed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.state != "submitted")
        .values(
            state="submitted",
            submitted_at=utcnow(),
            version=Invitation.version + 1,
            mode=actor.mode or Invitation.mode,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(invitation)
    if changed != 1:
        return False
    _audit(session, invitation, "invitation.submit", actor, {"answers": len(answers)})
    for listener in ANSWER_LISTENERS:
        listener(session, invitation)
    return True


def reopen(session: Session, invitation: Invitation, *, user: User, reason: str) -> None:
    """Let a submitted form be edited again (a researcher's decision, with a reason)."""
    if invitation.state != "submitted":
        raise ServiceError(None, "not_submitted")
    if not reason.strip():
        raise ServiceError("reason", "reason_required")
    invitation.state, invitation.submitted_at = "in_progress", None
    invitation.version += 1
    _audit(session, invitation, "invitation.reopen", Actor("interviewer", user, reason), {})


def decline(session: Session, invitation: Invitation) -> None:
    """The respondent declines to take part; reminders stop."""
    if invitation.state == "submitted":
        raise ServiceError(None, "already_submitted")
    invitation.state, invitation.declined_at = "declined", utcnow()
    _audit(session, invitation, "invitation.decline", Actor(), {})
