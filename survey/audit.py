"""The append-only audit log every service writes to, in the same transaction as its change.

Each row carries the hash of the previous row, so an edited or deleted row breaks
the chain (`verify_chain`); database triggers reject UPDATE and DELETE outright
(see the initial migration). Secrets never enter `details`: callers pass only
what a reviewer may read, and `_scrub` drops known secret-bearing keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Connection, ForeignKey, String, Text, func, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from survey.db import Base, JSONType, UTCDateTime, utcnow

SECRET_KEYS = frozenset({"password", "password_hash", "token", "csrf_token", "secret"})


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(60), comment="e.g. user.login, answer.update")
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    on_behalf_of: Mapped[str | None] = mapped_column(String(100), comment="e.g. respondent:42")
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, comment="before/after")
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    """Drop secret-bearing keys at any depth."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if key in SECRET_KEYS:
            continue
        clean[key] = _scrub(value) if isinstance(value, dict) else value
    return clean


def _digest(entry: Any) -> str:
    """The row's hash over the previous row's hash and everything the row says."""
    payload = json.dumps(
        [
            entry.prev_hash,
            entry.at.isoformat(),
            entry.action,
            entry.study_id,
            entry.actor_user_id,
            entry.actor_invitation_id,
            entry.on_behalf_of,
            entry.object_type,
            entry.object_id,
            entry.details,
            entry.reason,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


CHAIN_LOCK = 7340001  # PostgreSQL advisory lock serialising appends to the chain
HEAD_SQL = "SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1"


def head(connection: Connection) -> str | None:
    """The newest row's hash, read once this transaction alone may append to the chain.

    On PostgreSQL the chain's advisory lock is taken first (SQLite's writers are
    serialised already).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_CLAIM)
    return connection.execute(_HEAD).scalar()


def claim_chain() -> Any:
    """PostgreSQL, SQL: lock the chain until the transaction ends (see `HEAD_SQL`).

    Take it, then read the newest hash with `HEAD_SQL` in a later statement: at READ
    COMMITTED a statement takes its snapshot when it starts, after the lock was
    granted, so it sees the row of whoever held the lock before. A caller may send
    both in one pipeline (one round trip), or take the lock only under a condition
    by putting this in the statement that checks it (`responding.store.move_invitation`).
    """
    return func.pg_advisory_xact_lock(CHAIN_LOCK)


_CLAIM = select(claim_chain())
_HEAD = text(HEAD_SQL)


_TABLE = AuditEntry.__table__
_COLUMNS = tuple(column.key for column in _TABLE.columns if column.key != "id")
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
# No RETURNING: for a save, which needs no id back.
INSERT_WITHOUT_ID = insert(_TABLE).inline()


def insert_chained(connection: Connection, chained: dict[str, Any]) -> None:
    """Insert a `chain`ed row (no id back)."""
    connection.execute(INSERT_WITHOUT_ID, chained)


class Recorded(NamedTuple):
    """An audit row as written by `record` (not an ORM object: it is never changed)."""

    id: int
    at: dt.datetime
    action: str
    study_id: int | None
    actor_user_id: int | None
    actor_invitation_id: int | None
    on_behalf_of: str | None
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]
    reason: str | None
    request_id: str | None
    ip: str | None
    prev_hash: str
    hash: str


def record(session: Session, action: str, *, reason: str | None = None, **fields: Any) -> Recorded:
    """Append one audit row; context (request id, IP, actor) comes from `fields` or the request.

    Written at once with plain statements, in the caller's transaction: a save writes
    one of these every time, and the unit of work would only add a flush.
    """
    return append(session.connection(), entry(session, action, reason=reason, **fields))


def record_for(
    obj: Any,
    action: str,
    user: Any = None,
    *,
    details: dict[str, Any] | None = None,
    study_id: int | None = None,
    reason: str | None = None,
    session: Session | None = None,
) -> Recorded:
    """Append one audit row about a stored object, in the session that holds it.

    The row names the object by its model in snake case (`OutboxMessage`: `outbox_message`)
    and its id; its study is `study_id` when given, else the object's own (a study's: its
    id); its actor is `user` when given, else the request's signed-in user.
    """
    session = session or object_session(obj)
    if session is None:
        raise ValueError(f"{obj!r} belongs to no session: pass the one it was written in")
    own_study = obj.id if obj.__tablename__ == "studies" else getattr(obj, "study_id", None)
    fields: dict[str, Any] = {
        "object_type": _SNAKE.sub("_", type(obj).__name__).lower(),
        "object_id": str(obj.id),
        "study_id": own_study if study_id is None else study_id,
    }
    if user is not None:
        fields["actor_user_id"] = user.id
    return record(session, action, reason=reason, details=details or {}, **fields)


_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def append(connection: Connection, values: dict[str, Any]) -> Recorded:
    """Chain an `entry` to the newest row and insert it."""
    chained = chain(values, head(connection))
    return Recorded(id=connection.execute(_INSERT, chained).scalar_one(), **chained)


def entry(session: Session, action: str, *, reason: str | None = None, **fields: Any) -> dict:
    """An audit row's values, all but its place in the chain (see `chain`)."""
    from survey.security import request_context, request_details  # local: without Flask too

    context = {**request_context(), **fields}
    details = _scrub({**(context.pop("details", {}) or {}), **request_details()})
    unknown = set(context) - set(_COLUMNS)
    if unknown:
        raise TypeError(f"not audit columns: {', '.join(sorted(unknown))}")
    session.flush()  # what the row refers to is written first, as an ORM query would autoflush
    values = dict.fromkeys(_COLUMNS) | context
    return values | {"action": action, "reason": reason, "details": details, "at": utcnow()}


def chain(values: dict[str, Any], last_hash: str | None) -> dict[str, Any]:
    """`values` linked to the newest row (`last_hash`), ready to insert."""
    values = {**values, "prev_hash": last_hash or "0" * 64}
    values["hash"] = _digest(SimpleNamespace(**values))
    return values


def verify_chain(session: Session) -> int | None:
    """Return the id of the first row whose hash or link is wrong, or None when intact."""
    previous = "0" * 64
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if entry.prev_hash != previous or _digest(entry) != entry.hash:
            return entry.id
        previous = entry.hash
    return None
