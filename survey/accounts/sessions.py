"""Signed-in browsers: started at sign-in, seen on requests, ended by the user or an admin.

The signed session cookie carries a random `sid`; its SHA-256 names the `UserSession`
row. `load_user` refuses a cookie whose row is ended, so ending a row ends that browser's
session at its next request. The row's `last_seen_at` moves on at most every
`TOUCH_SECONDS` (the request that moves it begins as a writer; see `authz.load_user`).
Ending every session of a user also moves `session_version` on (AUTH-04), which ends
cookies from before this table too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User, UserSession
from survey.db import utcnow
from survey.errors import ServiceError

TOUCH_SECONDS = 300


def sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def start(session: Session, user: User, device: str) -> str:
    """A new session row for a sign-in; returns the sid for the cookie (stored hashed)."""
    sid = secrets.token_urlsafe(24)
    now = utcnow()
    session.add(
        UserSession(
            user_id=user.id,
            sid_hash=sid_hash(sid),
            device=device[:200],
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return sid


def find(session: Session, user_id: int, sid: str) -> UserSession | None:
    """The live row of this cookie, or None (unknown, another user's, or ended)."""
    row = session.scalar(select(UserSession).where(UserSession.sid_hash == sid_hash(sid)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    return row


def active(session: Session, user: User, idle_minutes: int) -> list[UserSession]:
    """The user's sessions not ended and seen within the idle limit, newest first."""
    since = utcnow() - dt.timedelta(minutes=idle_minutes, seconds=TOUCH_SECONDS)
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > since,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end(session: Session, user: User, session_id: int) -> UserSession:
    """End one of the user's own sessions (audited)."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise ServiceError("session", "not_found", what=str(session_id))
    row.ended_at = utcnow()
    audit.record_for(row, "user.session_ended", user, details={"device": row.device})
    return row


def end_others(session: Session, user: User, keep_id: int | None) -> int:
    """End every session of the user but `keep_id` (audited)."""
    statement = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_id is not None:
        statement = statement.where(UserSession.id != keep_id)
    count = session.execute(statement.values(ended_at=utcnow())).rowcount
    audit.record(
        session,
        "user.sessions_ended",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"count": count, "kept": keep_id},
    )
    return count


def end_all(session: Session, user: User, *, actor: User | None = None, action: str) -> int:
    """End every session of the user, old cookies included (an admin's or a reset's)."""
    count = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    ).rowcount
    user.session_version += 1
    audit.record(
        session,
        action,
        actor_user_id=actor.id if actor is not None else None,
        object_type="user",
        object_id=str(user.id),
        details={"count": count},
    )
    return count
