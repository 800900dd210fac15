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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.core import relevance
from survey.core.questionnaire import Questionnaire
from survey.core.types import AnswerError, check_answer, type_of
from survey.db import utcnow
from survey.errors import ServiceError
from survey.responding.models import Answer
from survey.rounds.models import Invitation, Round

# Called with (session, invitation) after answers of an invitation changed or it was
# submitted; the comparison feature registers itself here to re-run the pair.
ANSWER_LISTENERS: list[Callable[[Session, Invitation], None]] = []
EDITABLE_STATES = frozenset({"pending", "sent", "opened", "in_progress"})


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


def answer_rows(session: Session, invitation: Invitation) -> dict[str, Answer]:
    """The stored answers of an invitation by question key."""
    rows = session.scalars(select(Answer).where(Answer.invitation_id == invitation.id))
    return {row.question_key: row for row in rows}


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
    _check_writable(session, invitation, actor)
    keys = {question.key for question in q.questions() if question.is_answerable}
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise ServiceError("question", "unknown_question", keys=", ".join(unknown))
    rows = answer_rows(session, invitation)
    result = SaveResult()
    parsed = _parse_all(q, raw, result)
    merged = {k: r.value for k, r in rows.items() if r.value is not None} | {
        k: v for k, v in parsed.items() if v is not None
    }
    changes: dict[str, list[Any]] = {}
    for key, value in parsed.items():
        error = check_answer(q.question(key), value, merged, today=today)
        if error is not None and error.code != "required":  # required is checked on submit
            result.errors[key] = error
            continue
        _store(session, invitation, rows, key, value, actor, expected, result, changes)
    if changes:
        _after_change(session, invitation, actor, changes)
    return result


def _check_writable(session: Session, invitation: Invitation, actor: Actor) -> None:
    round_ = session.get(Round, invitation.round_id)
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
    for key, text in raw.items():
        question = q.question(key)
        try:
            parsed[key] = type_of(question).parse(question, text)
        except AnswerError as error:
            result.errors[key] = error
    return parsed


def _store(
    session: Session,
    invitation: Invitation,
    rows: dict[str, Answer],
    key: str,
    value: Any,
    actor: Actor,
    expected: Mapping[str, int] | None,
    result: SaveResult,
    changes: dict[str, list[Any]],
) -> None:
    row = rows.get(key)
    old = row.value if row is not None else None
    if old == value:
        return
    seen = (expected or {}).get(key)
    if row is not None and seen is not None and row.version != seen:
        result.conflicts[key] = (row.value, row.version)  # someone saved in between (DATA-06)
        return
    if row is None:
        row = rows[key] = Answer(invitation_id=invitation.id, question_key=key, version=0)
        session.add(row)
    row.value, row.version, row.source = value, row.version + 1, actor.source
    row.updated_at, row.updated_by_id = utcnow(), actor.user.id if actor.user else None
    result.saved[key] = value
    changes[key] = [old, value]


def _after_change(
    session: Session, invitation: Invitation, actor: Actor, changes: dict[str, list[Any]]
) -> None:
    now = utcnow()
    if invitation.state in EDITABLE_STATES:
        invitation.state = "in_progress"
        invitation.started_at = invitation.started_at or now
    if actor.mode:
        invitation.mode = actor.mode
    invitation.version += 1
    session.flush()
    _audit(session, invitation, "answer.save", actor, {"changes": changes})
    for listener in ANSWER_LISTENERS:
        listener(session, invitation)


def _audit(
    session: Session, invitation: Invitation, action: str, actor: Actor, details: dict[str, Any]
) -> None:
    round_ = session.get(Round, invitation.round_id)
    audit.record(
        session,
        action,
        study_id=round_.study_id if round_ else None,
        object_type="invitation",
        object_id=str(invitation.id),
        details=details,
        reason=actor.reason,
        actor_user_id=actor.user.id if actor.user else None,
        actor_invitation_id=invitation.id if actor.user is None else None,
        on_behalf_of=f"respondent:{invitation.respondent_id}",
    )


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
