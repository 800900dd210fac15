"""Password reset by e-mail: a single-use, 30-minute link whose token is stored hashed.

Asking never tells whether an account exists: the page says the same either way and the
work done differs only by a row and a queued message. The link is built on the configured
`BASE_URL`, never the request's Host (AUTH-07). Using it sets the new password, which
ends every session of the account (AUTH-04), and spends every other link of the account.
The message is queued through `two_factor.NOTIFIERS` (the outbox is a higher layer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts import services, two_factor
from survey.accounts.models import PasswordReset, User
from survey.db import utcnow

LIFETIME = dt.timedelta(minutes=30)
PATH = "/login/reset/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(session: Session, email: str, base_url: str) -> None:
    """Queue a reset link to the account's address, if there is such an active account."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()[:254]))
    if user is None or not user.is_active:
        audit.record(session, "user.password_reset_asked", details={"known": False})
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        PasswordReset(
            user_id=user.id, token_hash=_hash(token), created_at=now, expires_at=now + LIFETIME
        )
    )
    audit.record(
        session,
        "user.password_reset_asked",
        object_type="user",
        object_id=str(user.id),
        details={"known": True},
    )
    link = base_url.rstrip("/") + PATH + token
    for notifier in two_factor.NOTIFIERS:
        notifier(session, user, "password_reset", {"link": link, "minutes": 30})


def plausible(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


def valid(session: Session, token: str) -> PasswordReset | None:
    """The unused, unexpired reset this token belongs to, or None."""
    if not plausible(token):
        return None
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def complete(session: Session, token: str, password: str) -> User | None:
    """Set the new password (ServiceError when it fails the policy); None for a dead link."""
    row = valid(session, token)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    services.check_password_policy(password)  # before the link is spent
    spent = session.execute(  # one conditional statement: of two at once, one wins
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if not spent:
        return None
    session.execute(  # every other link of the account is spent with it
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    services.set_password(session, user, password)  # ends every session (AUTH-04)
    audit.record(
        session,
        "user.password_reset",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
    )
    return user
