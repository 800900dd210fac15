"""A study's owner requires two-factor sign-in of its members (they enrol at next sign-in)."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import TwoFactorRequirement, User
from survey.studies.models import Membership, Study


def required_by_a_study(session: Session, user_id: int) -> bool:
    """True when a study the user is a member of requires two-factor sign-in."""
    statement = select(
        exists().where(
            TwoFactorRequirement.study_id == Membership.study_id, Membership.user_id == user_id
        )
    )
    return bool(session.scalar(statement))


def is_required(session: Session, study: Study) -> bool:
    statement = select(exists().where(TwoFactorRequirement.study_id == study.id))
    return bool(session.scalar(statement))


def set_required(session: Session, study: Study, required: bool, user: User | None) -> bool:
    """Require (or stop requiring) it of the study's members; True when it changed (audited)."""
    if required == is_required(session, study):
        return False
    if required:
        session.add(TwoFactorRequirement(study_id=study.id, required_by_id=user and user.id))
    else:
        session.execute(
            delete(TwoFactorRequirement).where(TwoFactorRequirement.study_id == study.id)
        )
    audit.record_for(
        study, "study.two_factor_required" if required else "study.two_factor_not_required", user
    )
    return True
