"""A study's privacy settings: what erasure keeps, and how long identities are kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, UTCDateTime, utcnow


class StudyPrivacy(Base):
    """One row per study that changed a default (no row: keep answers, keep identities)."""

    __tablename__ = "study_privacy"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    erase_answers: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="erasure also removes the structured answers"
    )
    retention_days: Mapped[int | None] = mapped_column(
        Integer, comment="identities kept this many days after the last round closes"
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
