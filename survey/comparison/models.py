"""Comparison outcomes and the discrepancies researchers review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, JSONType, UTCDateTime, utcnow

OUTCOMES = ("agree", "disagree", "missing", "skipped", "review")
REVIEW_STATES = ("open", "explained", "corrected", "confirmed", "dismissed")


class Comparison(Base):
    """Every outcome of one pair in one round, in one row (a round is stored in bulk)."""

    __tablename__ = "comparisons"
    __table_args__ = (UniqueConstraint("round_id", "pair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    outcomes: Mapped[dict[str, Any]] = mapped_column(
        JSONType, comment="question key -> [outcome, {side code: raw value}]"
    )
    is_partial: Mapped[bool] = mapped_column(default=False, comment="includes unsubmitted answers")
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Discrepancy(Base):
    """A `disagree` with its review state; survives recomputation while its values stay."""

    __tablename__ = "discrepancies"
    __table_args__ = (UniqueConstraint("round_id", "pair_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    question_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="open")
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="the values decided upon")
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, comment="optimistic lock (AUDIT-03)")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
