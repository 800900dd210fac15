"""Members and interviewer assignments: roles granted up to one's own, an owner always kept."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.errors import NotFoundError
from survey.studies import identifiers, services
from survey.studies.models import InterviewerAssignment, Membership, Pair, Study
from survey.studies.pairs.columns import MANAGER_ROLE, RANK
from survey.studies.pairs.problems import ForbiddenError, PairError

# ---------------------------------------------------------------- members


def _may_grant(actor_role: str, role: str) -> None:
    if role not in RANK:
        raise PairError("role", "unknown_role", role=role)
    if RANK[actor_role] < RANK[MANAGER_ROLE] or RANK[role] > RANK[actor_role]:
        raise ForbiddenError("role", "grant_ceiling")


def _may_manage(actor_role: str, membership: Membership) -> None:
    if RANK[actor_role] < RANK[MANAGER_ROLE] or RANK[membership.role] > RANK[actor_role]:
        raise ForbiddenError("role", "above_you")


def _membership(session: Session, study: Study, user_id: int) -> Membership:
    found = session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user_id)
    )
    if found is None:
        raise NotFoundError("member", id=user_id)
    return found


def _keep_an_owner(session: Session, study: Study, membership: Membership) -> None:
    if membership.role != "owner":
        return
    # Lock the owners (PostgreSQL) so two owners demoting each other cannot both succeed.
    owners = session.scalars(
        select(Membership.id)
        .where(Membership.study_id == study.id, Membership.role == "owner")
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise PairError("role", "last_owner")


def add_member(
    session: Session, study: Study, email: str, role: str, *, actor_role: str
) -> Membership:
    """Give an existing user a role, no higher than the actor's own (ACL-04)."""
    _may_grant(actor_role, role)
    try:
        return services.add_member(session, study, email, role)
    except NotFoundError as missing:
        raise PairError("email", "no_such_user", email=email.strip()) from missing


def change_member_role(
    session: Session, study: Study, user_id: int, role: str, *, actor_role: str
) -> Membership:
    """Change a member's role within the actor's ceiling; the last owner stays owner."""
    membership = _membership(session, study, user_id)
    _may_grant(actor_role, role)
    _may_manage(actor_role, membership)
    if role == membership.role:
        return membership
    if role != "owner":
        _keep_an_owner(session, study, membership)
    old = membership.role
    membership.role = role
    dropped = _drop_assignments(session, membership) if old == "interviewer" else 0
    details = {"user_id": user_id, "role": [old, role], "assignments_removed": dropped}
    audit.record_for(membership, "member.role", details=details, session=session)
    return membership


def remove_member(session: Session, study: Study, user_id: int, *, actor_role: str) -> None:
    """Remove a member (and their interviewer assignments); never the last owner."""
    membership = _membership(session, study, user_id)
    _may_manage(actor_role, membership)
    _keep_an_owner(session, study, membership)
    dropped = _drop_assignments(session, membership)
    identifiers.withdraw(session, study, user_id)  # a member who comes back starts without it
    details = {"user_id": user_id, "role": membership.role, "assignments_removed": dropped}
    session.delete(membership)
    session.flush()
    audit.record_for(membership, "member.remove", details=details, session=session)


def _drop_assignments(session: Session, membership: Membership) -> int:
    result = session.execute(
        delete(InterviewerAssignment).where(InterviewerAssignment.membership_id == membership.id)
    )
    return result.rowcount or 0


# ---------------------------------------------------------------- interviewer assignments


def study_interviewers(session: Session, study: Study) -> list[User]:
    """The study's members with the interviewer role."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.study_id == study.id, Membership.role == "interviewer")
            .order_by(User.email)
        )
    )


def pair_interviewers(session: Session, pair: Pair) -> list[User]:
    """The interviewers assigned to a pair."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(InterviewerAssignment, InterviewerAssignment.membership_id == Membership.id)
            .where(InterviewerAssignment.pair_id == pair.id)
            .order_by(User.email)
        )
    )


def assign_interviewer(
    session: Session, study: Study, pair: Pair, user_id: int
) -> InterviewerAssignment:
    """Let an interviewer member of this study enter answers for the pair (idempotent)."""
    membership = session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user_id)
    )
    if membership is None or membership.role != "interviewer" or pair.study_id != study.id:
        raise PairError("user_id", "not_interviewer")
    found = session.scalar(
        select(InterviewerAssignment).where(
            InterviewerAssignment.membership_id == membership.id,
            InterviewerAssignment.pair_id == pair.id,
        )
    )
    if found is not None:
        return found
    assignment = InterviewerAssignment(membership_id=membership.id, pair_id=pair.id)
    session.add(assignment)
    session.flush()
    details = {"pair": pair.code, "user_id": user_id}
    audit.record_for(pair, "interviewer.assign", details=details, session=session)
    return assignment


def unassign_interviewer(session: Session, study: Study, pair: Pair, user_id: int) -> None:
    """Withdraw an interviewer's assignment to the pair; NotFoundError when there is none."""
    membership = _membership(session, study, user_id)
    result = session.execute(
        delete(InterviewerAssignment).where(
            InterviewerAssignment.membership_id == membership.id,
            InterviewerAssignment.pair_id == pair.id,
        )
    )
    if not result.rowcount:
        raise NotFoundError("assignment", id=user_id)
    details = {"pair": pair.code, "user_id": user_id}
    audit.record_for(pair, "interviewer.unassign", details=details, session=session)
