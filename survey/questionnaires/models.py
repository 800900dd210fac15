"""Stored questionnaire versions: immutable canonical content and its hash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, JSONType, UTCDateTime, utcnow


class QuestionnaireVersion(Base):
    """One imported version. Never updated: a change is a new version (SCHEMA-01)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("scope", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int | None] = mapped_column(
        ForeignKey("studies.id"), comment="owning study; NULL for the shared library"
    )
    scope: Mapped[str] = mapped_column(
        String(80), comment="study slug, or '*' for the shared library (NULL-free uniqueness)"
    )
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="canonical model dict")
    content_hash: Mapped[str] = mapped_column(String(64), comment="SHA-256 of canonical JSON")
    source_name: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
