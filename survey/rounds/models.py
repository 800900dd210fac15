"""Interview rounds, their pairs, invitations and the mail outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, JSONType, UTCDateTime, utcnow

ROUND_STATES = ("draft", "open", "closed")
MODES = ("web", "phone", "email", "paper")
INVITATION_STATES = (
    "pending",
    "sent",
    "opened",
    "in_progress",
    "submitted",
    "declined",
    "bounced",
)
OUTBOX_STATES = ("queued", "claimed", "sending", "sent", "failed", "unknown", "cancelled")
REVEALS = ("none", "counterpart")


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("study_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), comment="pinned; never changed once open"
    )
    state: Mapped[str] = mapped_column(String(10), default="draft")
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", comment="shown to researchers")
    invitation_texts: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, comment="language -> {subject, body}"
    )
    reminder_texts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reminder_days: Mapped[list[int] | None] = mapped_column(
        JSONType, comment="reminder schedule: days after the invitation was sent, ascending"
    )
    reminder_max: Mapped[int | None] = mapped_column(
        Integer, comment="at most this many scheduled reminders (None: one per day listed)"
    )
    reminder_at: Mapped[str | None] = mapped_column(
        String(5), comment="HH:MM, the local hour in the respondent's time zone"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RoundPair(Base):
    __tablename__ = "round_pairs"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), primary_key=True)


class FollowupRound(Base):
    """A round that asks both sides of selected pairs again about what they disagreed on."""

    __tablename__ = "followup_rounds"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    parent_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id"), index=True, comment="the original round"
    )
    reveal: Mapped[str] = mapped_column(
        String(12), default="none", comment="none | counterpart: the partner's answer shown"
    )


class FollowupPair(Base):
    """The questions a follow-up round asks both sides of one pair."""

    __tablename__ = "followup_pairs"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), primary_key=True)
    questions: Mapped[list[str]] = mapped_column(JSONType, comment="question keys, in order")


class Invitation(Base):
    """One respondent in one round; answers hang off it."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("round_id", "respondent_id"),
        UniqueConstraint("round_id", "pair_id", "side_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    side_id: Mapped[int] = mapped_column(ForeignKey("study_sides.id"))
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="SHA-256 of the link token; the token is never stored"
    )
    token_nonce: Mapped[str] = mapped_column(
        String(64),
        comment="random nonce; token = HMAC(link key, nonce), so a DB copy yields no link",
    )
    mode: Mapped[str] = mapped_column(String(10), default="web")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    version: Mapped[int] = mapped_column(Integer, default=1, comment="optimistic lock")
    current_section: Mapped[str | None] = mapped_column(String(100))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One e-mail to send, claimed by a worker; `sending` is set before the SMTP call."""

    __tablename__ = "outbox_messages"
    __table_args__ = (UniqueConstraint("invitation_id", "kind", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    kind: Mapped[str] = mapped_column(String(20), comment="invitation|reminder|…")
    seq: Mapped[int] = mapped_column(Integer, default=1)
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
