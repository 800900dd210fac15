"""Interviewer entry: who may enter answers for which pair (ACL-05)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.authz import ROLE_RANK
from survey.accounts.models import User
from survey.studies.models import InterviewerAssignment, Membership

SPECIAL_SUFFIX = "__special"
VERSION_PREFIX = "v__"


def assigned_pair_ids(session: Session, study_id: int, user: User) -> set[int]:
    """The pairs an interviewer member is assigned to."""
    rows = session.scalars(
        select(InterviewerAssignment.pair_id)
        .join(Membership, Membership.id == InterviewerAssignment.membership_id)
        .where(Membership.study_id == study_id, Membership.user_id == user.id)
    )
    return set(rows)


def may_enter(session: Session, study_id: int, user: User, role: str, pair_id: int) -> bool:
    """Researchers and owners enter for any pair; interviewers only for assigned pairs (ACL-05)."""
    if ROLE_RANK[role] >= ROLE_RANK["researcher"]:
        return True
    return role == "interviewer" and pair_id in assigned_pair_ids(session, study_id, user)
