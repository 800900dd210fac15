"""API tokens (only their SHA-256 is stored) and the answers kept for `Idempotency-Key`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, JSONType, UTCDateTime, utcnow

SCOPES = ("read", "write", "links")


class ApiToken(Base):
    """A bearer token of one user for one study; never more than the user's role there."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10), comment="read | write | links")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256, hex")
    hint: Mapped[str] = mapped_column(String(12), comment="the token's first characters")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, comment="moved on at most every few minutes"
    )


class IdempotentRequest(Base):
    """A write sent with an `Idempotency-Key`: claimed first, its answer kept for retries."""

    __tablename__ = "api_idempotent_requests"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64), comment="SHA-256 of method, path, body")
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
