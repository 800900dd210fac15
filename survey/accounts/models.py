"""Researcher accounts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, UTCDateTime, utcnow

GLOBAL_ROLES = ("admin", "researcher")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, comment="stored lower-case")
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255), comment="argon2id")
    role: Mapped[str] = mapped_column(String(20), default="researcher", comment="admin|researcher")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(
        Integer, default=1, comment="bumped on logout/password change to revoke sessions"
    )
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class TwoFactor(Base):
    """A user's TOTP secret (RFC 6238): pending until a code confirms it, then enabled."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64), comment="base32 TOTP secret")
    enabled_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, comment="null while the enrolment waits for its confirmation code"
    )
    last_step: Mapped[int | None] = mapped_column(
        BigInteger, comment="the newest 30-second step a code was accepted for (no replay)"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """One single-use recovery code, stored as its SHA-256 only."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RememberedDevice(Base):
    """A browser that may skip the code for a while: its cookie's token, stored hashed."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(200), default="", comment="from the User-Agent")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TwoFactorRequirement(Base):
    """Two-factor sign-in required: for every account (no study) or a study's members."""

    __tablename__ = "two_factor_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int | None] = mapped_column(
        ForeignKey("studies.id"), unique=True, comment="null: every account"
    )
    required_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """A signed-in browser: the cookie names it (`sid`, stored hashed), a user can end it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256 of the sid")
    device: Mapped[str] = mapped_column(String(200), default="", comment="from the User-Agent")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, comment="updated at most every few minutes"
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(Base):
    """A password reset link: its token stored as SHA-256, good once for 30 minutes."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
