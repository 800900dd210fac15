"""Paradata's tables and what the round page shows of them (recorded by responding/paradata.py).

The models live here, below the respondent's flow that writes them, so that the round
page can read them: the median completion time per side and its distribution.
Completion time is the sum of the capped seconds on every page of a submitted
invitation that answered on the web (docs/privacy.md, docs/fieldwork.md).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import Float, ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey import audit
from survey.charts import BarChart, bar_chart
from survey.db import Base, UTCDateTime, utcnow
from survey.rounds.models import Invitation, Round

IDLE_LIMIT = 30 * 60  # seconds: longer on one page counts as this much (the rest was idle)
DEVICES = ("desktop", "mobile", "tablet", "bot", "unknown")
EVENTS = ("page", "language", "autosave")
# Minutes: the distribution chart's bins, [low, high); the last is open.
BINS = (0, 5, 10, 15, 20, 30, 45, 60)


class ParadataVisit(Base):
    """One visit: a personal link opened in a browser (a new respondent session)."""

    __tablename__ = "paradata_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    device: Mapped[str] = mapped_column(String(10), comment="desktop|mobile|tablet|bot|unknown")
    language: Mapped[str] = mapped_column(String(20), comment="the form's language at the start")


class ParadataPage(Base):
    """One post of a section page: the time from its drawing to its saving."""

    __tablename__ = "paradata_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("paradata_visits.id"))
    section: Mapped[str] = mapped_column(String(100))
    # also "autosave" (counted, not timed): the comment is the migration's, kept as it was
    event: Mapped[str] = mapped_column(String(10), comment="page (saved) | language (switched)")
    shown_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, comment="server time, signed")
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(
        Float, comment="saved - shown, to 0.1 s, capped at 30 min"
    )
    language: Mapped[str] = mapped_column(String(20), comment="the page's language")
    switched_to: Mapped[str | None] = mapped_column(String(20))


@dataclass(frozen=True)
class Completion:
    """One side's completion times: how many, the median in minutes, the chart."""

    side: str
    count: int
    median_minutes: float | None
    chart: BarChart | None
    bins: list[tuple[str, int]]


def completion_seconds(session: Session, round_: Round) -> dict[int, list[float]]:
    """Per side id: the completion seconds of each submitted invitation with web paradata."""
    query = (
        select(Invitation.side_id, func.sum(ParadataPage.seconds))
        .join(ParadataPage, ParadataPage.invitation_id == Invitation.id)
        .where(Invitation.round_id == round_.id, Invitation.state == "submitted")
        .group_by(Invitation.id, Invitation.side_id)
    )
    found: dict[int, list[float]] = {}
    for side_id, seconds in session.execute(query):
        found.setdefault(side_id, []).append(float(seconds or 0))
    return found


def completion(session: Session, round_: Round, sides: list[tuple[int, str]]) -> list[Completion]:
    """Each side's (id, code) completion: median and the distribution in BINS (minutes)."""
    times = completion_seconds(session, round_)
    result = []
    for side_id, code in sides:
        seconds = times.get(side_id, [])
        counts = [0] * len(BINS)
        for value in seconds:
            minutes = value / 60
            counts[max(i for i, low in enumerate(BINS) if minutes >= low)] += 1
        bins = [(_bin_label(i), n) for i, n in enumerate(counts)]
        median = round(statistics.median(seconds) / 60, 1) if seconds else None
        chart = bar_chart(bins, width=560, height=240) if seconds else None
        result.append(Completion(code, len(seconds), median, chart, bins))
    return result


def _bin_label(index: int) -> str:
    low = BINS[index]
    return f"{low}–{BINS[index + 1]}" if index + 1 < len(BINS) else f"{low}+"


# -- purging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purge:
    """What a purge removes (or would): page rows and visits recorded before `cutoff`."""

    cutoff: dt.datetime
    pages: int
    visits: int


def purge(session: Session, older_than_days: int, *, dry_run: bool = False) -> Purge:
    """Delete the paradata recorded more than `older_than_days` days ago (docs/privacy.md):
    page rows saved before the cutoff, then visits started before it that no page row kept
    still names. One audit row, `paradata.purge`, with the cutoff and the counts."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    old_pages = ParadataPage.saved_at < cutoff
    still_named = (
        select(ParadataPage.visit_id)
        .where(ParadataPage.visit_id.is_not(None), ParadataPage.saved_at >= cutoff)
        .scalar_subquery()
    )
    old_visits = (ParadataVisit.started_at < cutoff) & ParadataVisit.id.not_in(still_named)
    count = select(func.count())
    pages = session.scalar(count.select_from(ParadataPage).where(old_pages)) or 0
    visits = session.scalar(count.select_from(ParadataVisit).where(old_visits)) or 0
    if not dry_run:
        session.execute(delete(ParadataPage).where(old_pages))
        session.execute(delete(ParadataVisit).where(old_visits))
        audit.record(
            session,
            "paradata.purge",
            object_type="paradata",
            details={
                "older_than_days": older_than_days,
                "cutoff": cutoff.isoformat(),
                "pages": pages,
                "visits": visits,
            },
        )
    return Purge(cutoff, pages, visits)
