"""The study page: a study at a glance, from every feature that has something to say about it.

It sits above the features (its rounds, their progress per side, their open
discrepancies, the last activity), so it is drawn here and registered on the studies
blueprint as `studies.show`, which every page links to.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.comparison.models import Discrepancy
from survey.db import db
from survey.rounds.models import Round
from survey.rounds.monitoring import RoundStatus, round_status
from survey.rounds.services import side_codes
from survey.studies import bp, services
from survey.studies.access import study_role
from survey.studies.models import Study


@dataclass
class RoundSummary:
    """A round as the study page shows it: its counts and its open discrepancies."""

    round: Round
    status: RoundStatus
    open_discrepancies: int

    @property
    def totals(self) -> dict[str, int]:
        """Invitations per side (every state)."""
        return {side: sum(self.status.by_side[side].values()) for side in self.status.sides}


def open_discrepancies(session: Session, round_ids: list[int]) -> dict[int, int]:
    """Discrepancies still open, per round."""
    rows = session.execute(
        select(Discrepancy.round_id, func.count())
        .where(Discrepancy.round_id.in_(round_ids), Discrepancy.status == "open")
        .group_by(Discrepancy.round_id)
    )
    return {round_id: count for round_id, count in rows}


def study_rounds(session: Session, study: Study) -> list[RoundSummary]:
    """The study's rounds, newest first, with their status and open discrepancies."""
    rounds = list(
        session.scalars(select(Round).where(Round.study_id == study.id).order_by(Round.id.desc()))
    )
    opened = open_discrepancies(session, [r.id for r in rounds])
    sides = side_codes(study)
    return [RoundSummary(r, round_status(session, r, sides), opened.get(r.id, 0)) for r in rounds]


@bp.route("/studies/<slug>/")
@study_role("viewer")
def show(slug: str) -> str:
    """A study at a glance: its rounds with progress per side, open discrepancies, last activity."""
    return render_template(
        "studies/show.html",
        study=g.study,
        role=g.role,
        rounds=study_rounds(db.session, g.study),
        last=services.last_activity(db.session, g.study),
        pair_count=services.pair_count(db.session, g.study),
        member_count=len(services.members(db.session, g.study)),
    )
