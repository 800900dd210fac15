"""Who may see respondents' direct identifiers, and the check before an identified read.

Exports and API reads are de-identified by default (docs/privacy.md). Names, e-mail
addresses, telephone numbers, positions and the free-text answers a questionnaire marks
`identifying` come only to a study's owner (and an administrator) or a member granted the
`identifiers` permission, and only with a reason, which the caller audits.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.errors import ServiceError
from survey.studies.models import IdentifierGrant, Membership, Study

REASON_MAX = 2000


def role_of(session: Session, study: Study, user: User | None) -> str | None:
    """The user's role in the study (an administrator acts as owner); None for no member."""
    if user is None:
        return None
    if user.is_admin:
        return "owner"
    return session.scalar(
        select(Membership.role).where(
            Membership.study_id == study.id, Membership.user_id == user.id
        )
    )


def is_granted(session: Session, study: Study, user_id: int) -> bool:
    """Whether the member holds the `identifiers` permission (owners need none)."""
    statement = select(
        exists().where(IdentifierGrant.study_id == study.id, IdentifierGrant.user_id == user_id)
    )
    return bool(session.scalar(statement))


def granted_ids(session: Session, study: Study) -> set[int]:
    """The users of the study holding the permission."""
    return set(
        session.scalars(select(IdentifierGrant.user_id).where(IdentifierGrant.study_id == study.id))
    )


def may_identify(session: Session, study: Study, user: User | None) -> bool:
    """Owners, administrators and members granted `identifiers`; nobody else."""
    role = role_of(session, study, user)
    if role is None or user is None:
        return False
    return role == "owner" or is_granted(session, study, user.id)


def check(session: Session, study: Study, user: User | None, reason: str | None) -> str:
    """Refuse an identified read without the right or without a reason; the reason otherwise."""
    if not may_identify(session, study, user):
        raise ServiceError("identifiers", "identifiers_not_allowed")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "identifiers_reason_needed")
    if len(reason) > REASON_MAX:
        raise ServiceError("reason", "too_long", max=REASON_MAX)
    return reason


def set_granted(
    session: Session, study: Study, user_id: int, granted: bool, actor: User | None
) -> bool:
    """Grant or withdraw the permission of a member; True when it changed (audited)."""
    membership = session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise ServiceError("email", "not_member")
    if granted == is_granted(session, study, user_id):
        return False
    if granted:
        session.add(
            IdentifierGrant(study_id=study.id, user_id=user_id, granted_by_id=actor and actor.id)
        )
    else:
        withdraw(session, study, user_id)
    audit.record_for(
        membership,
        "member.identifiers_granted" if granted else "member.identifiers_withdrawn",
        actor,
        details={"user_id": user_id, "role": membership.role},
    )
    return True


def withdraw(session: Session, study: Study, user_id: int) -> None:
    """Drop the member's grant (on withdrawal and when the member leaves the study)."""
    session.execute(
        delete(IdentifierGrant).where(
            IdentifierGrant.study_id == study.id, IdentifierGrant.user_id == user_id
        )
    )
