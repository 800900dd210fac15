"""The demo's paradata: for each web interview, a visit and the time on each page.

A web respondent's session lasts from starting to submitting (demo.fieldwork); that time is
shared out over the questionnaire's pages by weights drawn from a generator seeded by the
pair and side, so the round page's completion-time chart has something to show and the
demo stays reproducible. Desktop browsers: it is 2009.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from sqlalchemy.orm import Session

from survey.core.questionnaire import Questionnaire
from survey.rounds.paradata import IDLE_LIMIT, ParadataPage, ParadataVisit


def add(  # noqa: PLR0913
    session: Session,
    invitation_id: int,
    q: Questionnaire,
    language: str,
    started: dt.datetime,
    finished: dt.datetime,
    seed: str,
) -> None:
    """One visit from `started` and a row per page, their times summing to the session."""
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))  # noqa: S311
    visit = ParadataVisit(
        invitation_id=invitation_id, started_at=started, device="desktop", language=language
    )
    session.add(visit)
    session.flush()
    pages = ["welcome", *(section.key for section in q.sections)]
    weights = [0.3] + [rng.uniform(0.5, 2.0) for _ in pages[1:]]
    total = (finished - started).total_seconds()
    moment = started
    for page, weight in zip(pages, weights, strict=True):
        seconds = round(min(IDLE_LIMIT, total * weight / sum(weights)), 1)
        saved = moment + dt.timedelta(seconds=seconds)
        session.add(
            ParadataPage(
                invitation_id=invitation_id,
                visit_id=visit.id,
                section=page,
                event="page",
                shown_at=moment,
                saved_at=saved,
                seconds=seconds,
                language=language,
            )
        )
        moment = saved
