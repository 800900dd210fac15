"""Study operations: create a study with its two sides, manage members."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.audit import AuditEntry
from survey.errors import NotFoundError, ServiceError
from survey.studies.models import ROLES, Membership, Study, StudySide

SLUG = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
SIDE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def parse_side(spec: str) -> tuple[str, str]:
    """`us:en` → ('us', 'en'); ServiceError when malformed."""
    code, _, language = spec.partition(":")
    if not SIDE_CODE.match(code) or not LANGUAGE_TAG.match(language):
        raise ServiceError("side", "bad_side")
    return code, language


def create_study(
    session: Session,
    slug: str,
    sides: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    owner: User | None = None,
) -> Study:
    """Create a study with exactly two sides; the creator becomes its owner."""
    if not SLUG.match(slug):
        raise ServiceError("slug", "bad_slug")
    if len(sides) != 2 or sides[0][0] == sides[1][0]:
        raise ServiceError("side", "two_sides")
    if session.scalar(select(Study.id).where(Study.slug == slug)):
        raise ServiceError("slug", "slug_taken", slug=slug)
    study = Study(slug=slug, title={"en": title or slug}, created_by_id=owner.id if owner else None)
    for position, (code, language) in enumerate(sides):
        study.sides.append(
            StudySide(
                code=code, position=position, default_language=language, label={"en": code.upper()}
            )
        )
    session.add(study)
    session.flush()
    if owner is not None:
        session.add(Membership(study_id=study.id, user_id=owner.id, role="owner"))
    audit.record(
        session,
        "study.create",
        study_id=study.id,
        object_type="study",
        object_id=str(study.id),
        details={"slug": slug, "sides": [list(s) for s in sides]},
    )
    return study


def add_member(session: Session, study: Study, email: str, role: str) -> Membership:
    """Give an existing user a role in the study."""
    if role not in ROLES:
        raise ServiceError("role", "unknown_role", role=role)
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError("user", email=email)
    if session.scalar(
        select(Membership.id).where(Membership.study_id == study.id, Membership.user_id == user.id)
    ):
        raise ServiceError("email", "already_member", email=user.email)
    membership = Membership(study_id=study.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    audit.record(
        session,
        "member.add",
        study_id=study.id,
        object_type="membership",
        object_id=str(membership.id),
        details={"email": user.email, "role": role},
    )
    return membership


def studies_for(session: Session, user: User) -> list[tuple[Study, str]]:
    """The studies a user may open, with their role (admins see all, as owners)."""
    if user.is_admin:
        return [(s, "owner") for s in session.scalars(select(Study).order_by(Study.slug))]
    rows = session.execute(
        select(Study, Membership.role)
        .join(Membership, Membership.study_id == Study.id)
        .where(Membership.user_id == user.id)
        .order_by(Study.slug)
    )
    return [(study, role) for study, role in rows]


def get_study(session: Session, slug: str) -> Study:
    """The study with this slug; NotFoundError otherwise."""
    study = session.scalar(select(Study).where(Study.slug == slug))
    if study is None:
        raise NotFoundError("study", slug=slug)
    return study


def members(session: Session, study: Study) -> list[tuple[User, str]]:
    """The study's members and their roles."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.study_id == study.id)
        .order_by(User.email)
    )
    return [(user, role) for user, role in rows]


def audit_entries(
    session: Session,
    study: Study,
    *,
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[tuple[AuditEntry, str | None]]:
    """The study's audit rows, newest first, with the acting user's e-mail."""
    from survey.studies.listing import audit_statement

    query = audit_statement(study, action=action, actor=actor, since=since, until=until)
    rows = session.execute(query.order_by(AuditEntry.id.desc()))
    return [(entry, email) for entry, email in rows]


def last_activity(session: Session, study: Study) -> tuple[AuditEntry, str | None] | None:
    """The study's newest audit row and the acting user's e-mail, or None."""
    from survey.studies.listing import audit_statement

    row = session.execute(audit_statement(study).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def pair_count(session: Session, study: Study) -> int:
    """How many pairs the study has."""
    from sqlalchemy import func

    from survey.studies.models import Pair

    return session.scalar(select(func.count()).where(Pair.study_id == study.id)) or 0


def audit_actions(session: Session, study: Study) -> list[str]:
    """The distinct actions recorded for the study, for the filter."""
    return sorted(
        session.scalars(select(AuditEntry.action).where(AuditEntry.study_id == study.id).distinct())
    )
