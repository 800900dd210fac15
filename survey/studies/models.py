"""Studies, their two sides, members, pairs and respondents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, JSONType, UTCDateTime, utcnow

ROLES = ("owner", "researcher", "interviewer", "viewer")


class Study(Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSONType, comment="language tag -> title")
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    sides: Mapped[list[StudySide]] = relationship(
        back_populates="study", order_by="StudySide.position", cascade="all, delete-orphan"
    )


class StudySide(Base):
    __tablename__ = "study_sides"
    __table_args__ = (
        UniqueConstraint("study_id", "code"),
        UniqueConstraint("study_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[str] = mapped_column(String(20), comment="short code such as us / cn")
    position: Mapped[int] = mapped_column(Integer, comment="0 = first side (A), 1 = second (B)")
    label: Mapped[dict[str, str]] = mapped_column(JSONType, comment="language tag -> label")
    default_language: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(
        String(64), comment="IANA zone of its respondents unless theirs is stored (reminders)"
    )

    study: Mapped[Study] = relationship(back_populates="sides")
    kind_labels: Mapped[list[SideKindLabel]] = relationship(
        back_populates="side", order_by="SideKindLabel.kind", cascade="all, delete-orphan"
    )

    def label_for(self, kind: str | None) -> dict[str, str]:
        """The side's label for a pair of `kind`: the kind's own where given, else the side's."""
        if kind:
            for own in self.kind_labels:
                if own.kind == kind:
                    return own.label
        return self.label


class SideKindLabel(Base):
    """A side's label for the pairs of one kind, in every language it is given in.

    A study with cross-strait pairs names their Chinese side "Taiwan" / "台湾" / "臺灣"
    rather than the side's own "China / Taiwan"; every page, message and export that
    names a side for a pair takes this one when the pair is of that kind.
    """

    __tablename__ = "side_kind_labels"
    __table_args__ = (UniqueConstraint("side_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    side_id: Mapped[int] = mapped_column(ForeignKey("study_sides.id"))
    kind: Mapped[str] = mapped_column(String(50), comment="a pair kind, e.g. cross-strait")
    label: Mapped[dict[str, str]] = mapped_column(JSONType, comment="language tag -> label")

    side: Mapped[StudySide] = relationship(back_populates="kind_labels")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20), comment="owner|researcher|interviewer|viewer")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pair(Base):
    __tablename__ = "pairs"
    __table_args__ = (UniqueConstraint("study_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50), default="", comment="city, state, … any string")
    established: Mapped[int | None] = mapped_column(Integer, comment="year established")
    attributes: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, comment="extra columns of the pairs file, kept verbatim"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    sides: Mapped[list[PairSide]] = relationship(back_populates="pair")


class InterviewerAssignment(Base):
    """An interviewer member may enter answers for this pair (ACL-05)."""

    __tablename__ = "interviewer_assignments"
    __table_args__ = (UniqueConstraint("membership_id", "pair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))


class PairSide(Base):
    """One side of one pair: its place and organisation."""

    __tablename__ = "pair_sides"
    __table_args__ = (UniqueConstraint("pair_id", "side_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"))
    side_id: Mapped[int] = mapped_column(ForeignKey("study_sides.id"))
    place_en: Mapped[str] = mapped_column(String(200), default="")
    place_zh: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")

    pair: Mapped[Pair] = relationship(back_populates="sides")
    side: Mapped[StudySide] = relationship()
    respondents: Mapped[list[Respondent]] = relationship(back_populates="pair_side")


class Respondent(Base):
    """A person answering for one side of one pair."""

    __tablename__ = "respondents"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_side_id: Mapped[int] = mapped_column(ForeignKey("pair_sides.id"))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    years_involved: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(20), comment="preferred language tag")
    timezone: Mapped[str | None] = mapped_column(String(64), comment="IANA zone, if known")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair_side: Mapped[PairSide] = relationship(back_populates="respondents")


class IdentifierGrant(Base):
    """A member who may see respondents' identifiers (owners always may): see docs/privacy.md."""

    __tablename__ = "identifier_grants"
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
