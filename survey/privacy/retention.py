"""Retention: identities kept a set number of days after a study's last round closes.

A study sets `retention_days` (settings page or `survey study privacy SLUG
--retention-days N`). Once every round of the study is closed and the newest closing is
more than that many days ago, `survey retention apply` erases each respondent not yet
erased, as `survey respondent erase` does (reason "retention", queued mail cancelled).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from survey.audit import AuditEntry
from survey.db import utcnow
from survey.privacy import erasure
from survey.privacy.models import StudyPrivacy
from survey.rounds.models import Round
from survey.studies.models import Pair, PairSide, Respondent, Study


@dataclass(frozen=True)
class Due:
    respondent_id: int
    study: str
    until: dt.datetime


def last_closed(session: Session, study_id: int) -> dt.datetime | None:
    """When the study's last round closed; None while a round is not closed (or none is)."""
    states = list(session.scalars(select(Round.state).where(Round.study_id == study_id)))
    if not states or any(state != "closed" for state in states):
        return None
    rounds = select(cast(Round.id, String)).where(Round.study_id == study_id)
    closed = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == "round.closed",
            AuditEntry.object_type == "round",
            AuditEntry.object_id.in_(rounds),
        )
    )
    planned = session.scalar(select(func.max(Round.closes_at)).where(Round.study_id == study_id))
    found = [moment for moment in (closed, planned) if moment is not None]
    return max(found) if found else None


def due(session: Session, now: dt.datetime | None = None) -> list[Due]:
    """The respondents whose study's retention period has passed, not erased yet."""
    now = now or utcnow()
    found: list[Due] = []
    for row, slug in session.execute(
        select(StudyPrivacy, Study.slug)
        .join(Study, Study.id == StudyPrivacy.study_id)
        .where(StudyPrivacy.retention_days.is_not(None))
        .order_by(Study.slug)
    ):
        closed = last_closed(session, row.study_id)
        if closed is None:
            continue
        until = closed + dt.timedelta(days=row.retention_days)
        if now <= until:
            continue
        for respondent in session.scalars(
            select(Respondent)
            .join(PairSide, PairSide.id == Respondent.pair_side_id)
            .join(Pair, Pair.id == PairSide.pair_id)
            .where(Pair.study_id == row.study_id)
            .order_by(Respondent.id)
        ):
            if not erasure.is_erased(respondent):
                found.append(Due(respondent.id, slug, until))
    return found


def apply(session: Session, items: list[Due]) -> int:
    """Erase each due respondent (audited as `respondent.retention_erase`)."""
    for item in items:
        respondent = session.get(Respondent, item.respondent_id)
        erasure.erase(
            session,
            respondent,
            reason=f"retention period of {item.study} passed on {item.until:%Y-%m-%d}",
            user=None,
            cancel_mail=True,
            why="respondent.retention_erase",
        )
    return len(items)
