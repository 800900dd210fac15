"""Erasing a respondent: identity and identifying answers go, the audit chain stays intact.

`plan` says what an erasure of this person would remove (the confirmation page and
`--dry-run` show it); `erase` does it in the caller's transaction:

- the name becomes a stable pseudonym (`erased-` and 8 random hex digits), the e-mail,
  telephone and position are emptied;
- answers to questions marked identifying are deleted, and so are explanations and the
  notes of contact attempts; the other
  answers stay or go by the study's setting (`StudyPrivacy.erase_answers`); the values
  copied into comparisons and discrepancies are blanked likewise and the pair compared again;
- the personal link stops working (a new random hash);
- mails to them: sent ones are blanked (address, subject, body, error); queued ones make the
  erasure refuse unless `cancel_mail`, which deletes them (each cancellation audited);
- the API's kept answers for retries that hold their erased values are dropped (a retry
  gets 410);
- their key in `subject_keys` is deleted, so what the append-only audit rows sealed about
  them can never be read again (`sealing`); one `respondent.erase` row records the reason.

The caller commits, then calls `compact.after_erasure` so that the old values also leave
the database file (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from survey import audit, sealing
from survey.accounts.models import User
from survey.api.models import ApiToken, IdempotentRequest
from survey.comparison.models import Comparison, Discrepancy
from survey.comparison.services import rerun_for_invitation
from survey.errors import ServiceError
from survey.fieldwork.models import ContactAttempt
from survey.privacy.models import StudyPrivacy
from survey.privacy.subjects import study_of
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding.models import Answer, Explanation
from survey.rounds.models import Invitation, OutboxMessage, Round
from survey.studies.models import Respondent, StudySide

IDENTITY = ("name", "email", "phone", "position")
PENDING = ("queued",)
IN_FLIGHT = ("claimed", "sending")
PSEUDONYM = "erased-"
REASON_MAX = 2000


@dataclass
class Plan:
    """What an erasure of one respondent removes (counts; no personal values)."""

    respondent_id: int
    study_id: int
    already: bool
    identity: list[str] = field(default_factory=list)  # the identity fields with a value
    identifying_answers: int = 0
    other_answers: int = 0
    erase_answers: bool = False
    explanations: int = 0
    mails_sent: int = 0
    mails_queued: int = 0
    mails_in_flight: int = 0
    sealed_rows: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "identifying_answers": self.identifying_answers,
            "answers_removed": self.other_answers if self.erase_answers else 0,
            "answers_kept": 0 if self.erase_answers else self.other_answers,
            "explanations": self.explanations,
            "mails_blanked": self.mails_sent,
            "mails_queued": self.mails_queued,
            "audit_key_destroyed": self.sealed_rows,
        }


def erases_answers(session: Session, study_id: int) -> bool:
    found = session.get(StudyPrivacy, study_id)
    return bool(found and found.erase_answers)


def is_erased(respondent: Respondent) -> bool:
    return respondent.name.startswith(PSEUDONYM) and not respondent.email


def _invitations(session: Session, respondent: Respondent) -> list[Invitation]:
    return list(
        session.scalars(select(Invitation).where(Invitation.respondent_id == respondent.id))
    )


def _identifying(session: Session, invitation: Invitation) -> frozenset[str]:
    round_ = session.get(Round, invitation.round_id)
    version = session.get(QuestionnaireVersion, round_.questionnaire_version_id) if round_ else None
    if version is None:
        return frozenset()
    return frozenset(q.key for q in model_of(version).questions() if q.identifying)


def plan(session: Session, respondent: Respondent) -> Plan:
    """What `erase` would remove now."""
    study = study_of(session, respondent)
    found = Plan(respondent.id, study.id, already=is_erased(respondent))
    found.identity = [name for name in IDENTITY if getattr(respondent, name)]
    found.erase_answers = erases_answers(session, study.id)
    for invitation in _invitations(session, respondent):
        keys = _identifying(session, invitation)
        for key in session.scalars(
            select(Answer.question_key).where(Answer.invitation_id == invitation.id)
        ):
            if key in keys:
                found.identifying_answers += 1
            else:
                found.other_answers += 1
        found.explanations += len(
            list(
                session.scalars(
                    select(Explanation.id).where(Explanation.invitation_id == invitation.id)
                )
            )
        )
        for state in session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.invitation_id == invitation.id)
        ):
            if state in PENDING:
                found.mails_queued += 1
            elif state in IN_FLIGHT:
                found.mails_in_flight += 1
            else:
                found.mails_sent += 1
    keys = sealing.keys_for(session, [respondent.id])
    found.sealed_rows = respondent.id in keys
    return found


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "erase_reason_needed")
    if len(reason) > REASON_MAX:
        raise ServiceError("reason", "too_long", max=REASON_MAX)
    return reason


def erase(
    session: Session,
    respondent: Respondent,
    *,
    reason: str | None,
    user: User | None,
    cancel_mail: bool = False,
    why: str = "respondent.erase",
) -> tuple[Plan, str]:
    """Erase the person (see the module's doc); returns what went and the pseudonym."""
    reason = check_reason(reason)
    found = plan(session, respondent)
    if found.mails_in_flight:
        raise ServiceError(None, "erase_mail_in_flight", count=found.mails_in_flight)
    if found.mails_queued and not cancel_mail:
        raise ServiceError("cancel_mail", "erase_mail_queued", count=found.mails_queued)
    pseudonym = respondent.name if found.already else PSEUDONYM + secrets.token_hex(4)
    erased_values: list[Any] = []
    for invitation in _invitations(session, respondent):
        erased_values += _erase_invitation(session, invitation, found, user)
    _drop_kept_api_answers(session, found.study_id, erased_values)
    respondent.name = pseudonym
    for name in IDENTITY[1:]:
        setattr(respondent, name, "")
    sealing.forget(session, respondent.id)
    audit.record_for(
        respondent,
        why,
        user,
        details={"pseudonym": pseudonym, **found.summary()},
        study_id=found.study_id,
        reason=reason,
        session=session,
    )
    return found, pseudonym


def _erase_invitation(
    session: Session, invitation: Invitation, found: Plan, user: User | None
) -> list[Any]:
    keys = _identifying(session, invitation)
    rows = list(session.scalars(select(Answer).where(Answer.invitation_id == invitation.id)))
    going = [a for a in rows if found.erase_answers or a.question_key in keys]
    erased = [a.value for a in going]
    gone_keys = {a.question_key for a in going}
    for answer in going:
        session.delete(answer)
    session.execute(delete(Explanation).where(Explanation.invitation_id == invitation.id))
    session.execute(  # an interviewer's notes on reaching them are free text about them
        update(ContactAttempt).where(ContactAttempt.invitation_id == invitation.id).values(note="")
    )
    _blank_comparisons(session, invitation, gone_keys)
    for message in session.scalars(
        select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id)
    ):
        if message.state in PENDING:
            audit.record_for(
                message, "mail.cancelled", user, details={"kind": message.kind, "why": "erasure"},
                study_id=found.study_id, session=session,
            )  # fmt: skip
            session.delete(message)
        else:
            message.recipient, message.subject = "", sealing.ERASED
            message.body_text, message.last_error = sealing.ERASED, None
    invitation.token_nonce = secrets.token_hex(16)  # the old link opens nothing any more
    invitation.token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    session.flush()
    if gone_keys:
        rerun_for_invitation(session, invitation)
    return erased


def _blank_comparisons(session: Session, invitation: Invitation, keys: set[str]) -> None:
    """The side's erased values, as comparisons and discrepancies copied them, blanked."""
    if not keys:
        return
    side = session.get(StudySide, invitation.side_id)
    code = side.code if side else None
    for comparison in session.scalars(
        select(Comparison).where(
            Comparison.round_id == invitation.round_id, Comparison.pair_id == invitation.pair_id
        )
    ):
        outcomes = {k: list(v) for k, v in comparison.outcomes.items()}
        for key in keys & set(outcomes):
            values = outcomes[key][1] if len(outcomes[key]) > 1 else None
            if isinstance(values, dict) and code in values:
                outcomes[key][1] = {**values, code: None}
        comparison.outcomes = outcomes
    for row in session.scalars(
        select(Discrepancy).where(
            Discrepancy.round_id == invitation.round_id,
            Discrepancy.pair_id == invitation.pair_id,
            Discrepancy.question_key.in_(keys),
        )
    ):
        if isinstance(row.values, dict) and code in row.values:
            row.values = {**row.values, code: None}


def _drop_kept_api_answers(session: Session, study_id: int, values: list[Any]) -> None:
    """Answers the API keeps for retries that hold an erased value: dropped (410 on retry)."""
    wanted = [v for v in values if v not in (None, "", [])]
    if not wanted:
        return
    tokens = select(ApiToken.id).where(ApiToken.study_id == study_id)
    for kept in session.scalars(
        select(IdempotentRequest).where(IdempotentRequest.token_id.in_(tokens))
    ):
        saved = kept.body.get("saved") if isinstance(kept.body, dict) else None
        if isinstance(saved, dict) and any(value in wanted for value in saved.values()):
            kept.status, kept.body = 410, {"erased": True}
