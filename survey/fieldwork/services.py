"""Logging and listing contact attempts, with who may log them (the entry rules, ACL-05).

`log_attempt` checks the outcome, mode, times and note, stores one `ContactAttempt` and
its audit row in the caller's transaction. `cases` reads a round's sides with their
attempts in two statements and orders them by the next callback due; interviewers see
only the pairs assigned to them (`rounds.entry`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.db import utcnow
from survey.fieldwork import dispositions, times
from survey.fieldwork.labels import FieldworkError
from survey.fieldwork.models import ContactAttempt
from survey.rounds import entry
from survey.rounds.models import Invitation, Round
from survey.studies.models import Pair, Respondent, StudySide

NOTE_MAX = 2000
SKEW = dt.timedelta(minutes=5)  # a clock a little ahead of the server's is not "the future"


@dataclass
class Case:
    """One side of one pair in a round: its respondent, attempts and disposition."""

    invitation: Invitation
    pair: Pair
    side: StudySide
    respondent: Respondent
    attempts: list[ContactAttempt] = field(default_factory=list)

    @property
    def disposition(self) -> dispositions.Disposition:
        return dispositions.disposition(self.invitation.state, (a.outcome for a in self.attempts))

    @property
    def last(self) -> ContactAttempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def next_callback(self) -> dt.datetime | None:
        """The time agreed at the last attempt, while the case is still open."""
        last = self.last
        if last is None or self.invitation.state == "submitted":
            return None
        return last.callback_at

    @property
    def mode(self) -> str:
        """The interview's mode: the invitation's once answers were entered, else the mode
        of the last attempt (a refusal by telephone is a telephone case), else the
        invitation's."""
        if self.invitation.state in ("in_progress", "submitted") or not self.attempts:
            return self.invitation.mode
        return self.attempts[-1].mode

    @property
    def zone(self) -> str | None:
        """The respondent's zone as far as we know: their own (`respondents.timezone`), else
        the zone the newest agreed time was agreed in, else their side's default zone; None
        when none is known (the caller then takes the round's)."""
        agreed = next((a.callback_zone for a in reversed(self.attempts) if a.callback_zone), None)
        return self.respondent.timezone or agreed or self.side.timezone or None


def may_log(session: Session, study_id: int, user: User, role: str, pair_id: int) -> bool:
    """Researchers and owners log for any pair; interviewers for their assigned pairs."""
    return entry.may_enter(session, study_id, user, role, pair_id)


def find_case(session: Session, round_: Round, pair_code: str, side_code: str) -> Case:
    """The round's case of one pair's side, or a FieldworkError naming them."""
    found = [c for c in cases(session, round_, pair_codes={pair_code}) if c.side.code == side_code]
    if not found:
        raise FieldworkError("side", "not_in_round", pair=pair_code, side=side_code)
    return found[0]


def cases(
    session: Session,
    round_: Round,
    *,
    user: User | None = None,
    role: str = "owner",
    pair_codes: set[str] | None = None,
) -> list[Case]:
    """The round's sides (those `user` may log for, when an interviewer), next callback first."""
    query = (
        select(Invitation, Pair, StudySide, Respondent)
        .join(Pair, Pair.id == Invitation.pair_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.round_id == round_.id)
    )
    if pair_codes is not None:
        query = query.where(Pair.code.in_(pair_codes))
    if user is not None and role == "interviewer":  # researchers and owners see every pair
        query = query.where(Pair.id.in_(entry.assigned_pair_ids(session, round_.study_id, user)))
    found = [Case(*row) for row in session.execute(query)]
    by_invitation = {c.invitation.id: c for c in found}
    for attempt in attempts_of(session, list(by_invitation)):
        by_invitation[attempt.invitation_id].attempts.append(attempt)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda c: (c.next_callback or far, c.pair.code, c.side.position))


def attempts_of(session: Session, invitation_ids: list[int]) -> list[ContactAttempt]:
    """The attempts on these invitations, oldest first."""
    if not invitation_ids:
        return []
    return list(
        session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.invitation_id.in_(invitation_ids))
            .order_by(ContactAttempt.invitation_id, ContactAttempt.at, ContactAttempt.id)
        )
    )


def log_attempt(
    session: Session,
    case: Case,
    *,
    outcome: str,
    mode: str = "phone",
    at: dt.datetime | None = None,
    note: str = "",
    callback_at: dt.datetime | None = None,
    zone: str | None = None,
    user: User | None = None,
) -> ContactAttempt:
    """Store one attempt on `case` and its audit row; FieldworkError names a bad field."""
    _check(outcome, mode, note, callback_at)
    at = at or utcnow()
    if at > utcnow() + SKEW:
        raise FieldworkError("at", "in_future")
    zone = zone or case.zone or "UTC"
    try:
        times.zone_of(zone)
    except times.TimeError as problem:
        raise FieldworkError("zone", problem.code, **problem.params) from None
    attempt = ContactAttempt(
        invitation_id=case.invitation.id,
        at=at,
        mode=mode,
        outcome=outcome,
        note=note.strip(),
        callback_at=callback_at,
        callback_zone=zone if callback_at else None,
        by_user_id=user.id if user else None,
    )
    session.add(attempt)
    session.flush()
    case.attempts.append(attempt)
    audit.record_for(
        attempt,
        "contact.log",
        user,
        study_id=case.pair.study_id,
        details=_details(case, attempt),
        session=session,
    )
    return attempt


def _check(outcome: str, mode: str, note: str, callback_at: dt.datetime | None) -> None:
    if outcome not in dispositions.OUTCOMES:
        raise FieldworkError(
            "outcome", "unknown_outcome", outcome=outcome, outcomes=", ".join(dispositions.OUTCOMES)
        )
    if mode not in dispositions.ATTEMPT_MODES:
        raise FieldworkError(
            "mode", "unknown_mode", mode=mode, modes=", ".join(dispositions.ATTEMPT_MODES)
        )
    if outcome == "appointment" and callback_at is None:
        raise FieldworkError("callback", "callback_needed")
    if callback_at is not None and outcome not in dispositions.CALLBACK_OUTCOMES:
        raise FieldworkError("callback", "callback_not_wanted")
    if len(note) > NOTE_MAX:
        raise FieldworkError("note", "note_too_long", max=str(NOTE_MAX))


def _details(case: Case, attempt: ContactAttempt) -> dict[str, Any]:
    details: dict[str, Any] = {
        "round_id": case.invitation.round_id,
        "pair": case.pair.code,
        "side": case.side.code,
        "outcome": attempt.outcome,
        "mode": attempt.mode,
        "at": attempt.at.isoformat(),
    }
    if attempt.callback_at:
        details["callback_at"] = attempt.callback_at.isoformat()
        details["callback_zone"] = attempt.callback_zone
    return details


def due(found: list[Case], now: dt.datetime | None = None) -> list[Case]:
    """The cases whose agreed callback time has come."""
    now = now or utcnow()
    return [c for c in found if c.next_callback is not None and c.next_callback <= now]


def local(moment: dt.datetime | None, zone: str, field: str) -> dt.datetime | None:
    """A wall time typed in `zone` (or with its own offset) as UTC; None stays None."""
    if moment is None:
        return None
    try:
        return times.in_zone(moment, zone)
    except times.TimeError as problem:
        raise FieldworkError(field, problem.code, **problem.params) from None


def grouped(found: list[Case], key: Any) -> dict[str, list[Case]]:
    """Cases by `key(case)`, in first-seen order."""
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in found:
        groups[key(case)].append(case)
    return dict(groups)
