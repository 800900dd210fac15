"""Answers: one row per invitation and question; history lives in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, JSONType, UTCDateTime, utcnow

SOURCES = ("respondent", "interviewer", "import", "correction")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("invitation_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    question_key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(
        JSONType, nullable=True, comment="raw value as entered; dk/rf as the strings 'dk'/'rf'"
    )
    version: Mapped[int] = mapped_column(Integer, default=1, comment="optimistic lock")
    source: Mapped[str] = mapped_column(String(12), default="respondent")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="interviewer or researcher; NULL for the respondent"
    )


class Explanation(Base):
    """What an answer is based on, in the respondent's words (follow-up rounds, imports)."""

    __tablename__ = "answer_explanations"
    __table_args__ = (UniqueConstraint("invitation_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    question_key: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
