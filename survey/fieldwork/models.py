"""One contact attempt: an interviewer's try to reach one side of a round's invitation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, UTCDateTime, utcnow


class ContactAttempt(Base):
    """When, how and with what outcome a respondent was tried; a callback's agreed time."""

    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_invitation_id_at", "invitation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, comment="when the attempt happened")
    mode: Mapped[str] = mapped_column(String(12), comment="phone | email | in_person | other")
    outcome: Mapped[str] = mapped_column(String(24), comment="a code of fieldwork.dispositions")
    note: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, comment="the agreed time of a callback or appointment"
    )
    callback_zone: Mapped[str | None] = mapped_column(
        String(64), comment="the respondent's zone the time was agreed in"
    )
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
