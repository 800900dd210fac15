"""API tokens: made with `secrets`, shown once, stored only as their SHA-256 (TOK rules).

A token belongs to one user and one study and carries one scope: `read` (every list and
record the user's role lets them read), `write` (also the writes the role allows) or
`links` (read, and the respondents' personal links). It can never do more than its
user's role, read from the database on every request. Creating and revoking are audited;
so is every change made with a token, with the token's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.authz import ROLE_RANK
from survey.accounts.models import User
from survey.api.models import SCOPES, ApiToken
from survey.db import utcnow
from survey.errors import NotFoundError, ServiceError
from survey.studies.access import role_in
from survey.studies.models import Study

PREFIX = "svy_"
TOUCH_SECONDS = 300  # how often a token's last use moves on, at most
_touched: dict[str, float] = {}  # this process: token hash -> when it last moved last_used_at
MAX_LENGTH = 100  # checked before any lookup
MAX_DAYS = 3650
# What each scope may do besides reading.
GRANTS = {"read": frozenset({"read"}), "write": frozenset({"read", "write"})}
GRANTS["links"] = frozenset({"read", "links"})
# The scopes worth offering a role: what the role can use (a viewer writes nothing, and only
# researchers and owners read links), so that nobody is handed a token that looks stronger
# than it is. A token of another scope still never does more than the role.
USEFUL = {
    "viewer": ("read",),
    "interviewer": ("read", "write"),
    "researcher": SCOPES,
    "owner": SCOPES,
}


def token_hash(token: str) -> str:
    """What the database keeps: SHA-256 of the token, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Made:
    """A new token: the row, and the secret shown this once."""

    row: ApiToken
    secret: str


def create(
    session: Session,
    study: Study,
    user: User,
    *,
    scope: str,
    name: str = "",
    days: int | None = None,
) -> Made:
    """A new token of `user` for `study` (a member only; `days`: until it expires)."""
    if scope not in SCOPES:
        raise ServiceError("scope", "token_scope", scopes=", ".join(SCOPES))
    if role_in(study.id, user) is None:
        raise NotFoundError("study", slug=study.slug)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ServiceError("expires", "token_days", most=MAX_DAYS)
    name = " ".join((name or "").split())[:100] or f"{scope} token"
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        study_id=study.id,
        name=name,
        scope=scope,
        token_hash=token_hash(secret),
        hint=secret[:10],
        created_at=utcnow(),
        expires_at=utcnow() + dt.timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    details = {"name": name, "scope": scope, "expires_at": _iso(row.expires_at)}
    audit.record_for(row, "api_token.create", user, details=details, session=session)
    return Made(row, secret)


def listed(session: Session, *, user: User | None = None, study: Study | None = None) -> list:
    """Tokens, newest first: a user's, a study's, or both (revoked ones too)."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    if study is not None:
        query = query.where(ApiToken.study_id == study.id)
    return list(session.scalars(query))


def revoke(session: Session, token_id: int, *, user: User, study: Study | None = None) -> ApiToken:
    """Stop a token at once. Its own user may, and the study's owners (audited)."""
    row = session.get(ApiToken, token_id)
    if row is None or (study is not None and row.study_id != study.id):
        raise NotFoundError("token", id=token_id)
    if row.user_id != user.id and role_in(row.study_id, user) != "owner":
        raise NotFoundError("token", id=token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        details = {"name": row.name, "scope": row.scope}
        audit.record_for(row, "api_token.revoke", user, details=details, session=session)
    return row


def state(row: ApiToken, now: dt.datetime | None = None) -> str:
    """active | expired | revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def find(session: Session, secret: str) -> ApiToken | None:
    """The active token with this secret, or None (shape checked before any query)."""
    if not secret.startswith(PREFIX) or len(secret) > MAX_LENGTH or not secret.isascii():
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if row is None or state(row) != "active":
        return None
    return row


def due_touch(secret: str, now: dt.datetime) -> bool:
    """Whether this process has not moved the token's last use on lately: the request
    then begins as a writer (before its first statement) to move it."""
    return now.timestamp() - _touched.get(token_hash(secret), 0.0) > TOUCH_SECONDS


def touch(row: ApiToken, now: dt.datetime) -> None:
    """Move the token's last use on, if the stored one is older than `TOUCH_SECONDS`."""
    if len(_touched) > 10_000:
        _touched.clear()
    _touched[row.token_hash] = now.timestamp()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOUCH_SECONDS:
        row.last_used_at = now


def allows(scope: str, need: str) -> bool:
    """Whether a token of `scope` may do `need` (read | write | links)."""
    return need in GRANTS.get(scope, frozenset())


def role_allows(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
