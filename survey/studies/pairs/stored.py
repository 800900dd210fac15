"""A study's stored pairs as plain values, read in three queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.studies.models import Pair, PairSide, Respondent, Study
from survey.studies.pairs.columns import PERSON, PLACE_COLUMNS


@dataclass
class StoredPair:
    """A stored pair as plain values, read with three queries (no ORM objects: thousands fly)."""

    id: int
    code: str
    values: dict[str, Any]  # kind, established, attributes
    sides: dict[int, dict[str, Any]] = field(default_factory=dict)  # side id → id, places
    people: dict[int, dict[str, Any]] = field(default_factory=dict)  # side id → primary's id, …


def stored_pairs(session: Session, study: Study) -> dict[str, StoredPair]:
    """The study's pairs by code, oldest first, with their sides and primary respondents."""
    found: dict[str, StoredPair] = {}
    by_id: dict[int, StoredPair] = {}
    query = select(Pair.id, Pair.code, Pair.kind, Pair.established, Pair.attributes)
    for row in session.execute(query.where(Pair.study_id == study.id).order_by(Pair.id)):
        values = {"kind": row.kind, "established": row.established}
        pair = StoredPair(row.id, row.code, {**values, "attributes": dict(row.attributes or {})})
        found[row.code] = by_id[row.id] = pair
    in_study = PairSide.pair_id.in_(select(Pair.id).where(Pair.study_id == study.id))
    side_of: dict[int, tuple[StoredPair, int]] = {}
    places = [getattr(PairSide, c) for c in PLACE_COLUMNS]
    query = select(PairSide.id, PairSide.pair_id, PairSide.side_id, *places).where(in_study)
    for row in session.execute(query):
        pair = by_id[row.pair_id]
        pair.sides[row.side_id] = {"id": row.id, **{c: getattr(row, c) for c in PLACE_COLUMNS}}
        side_of[row.id] = (pair, row.side_id)
    query = (
        select(Respondent.id, Respondent.pair_side_id, *(getattr(Respondent, f) for f in PERSON))
        .join(PairSide, PairSide.id == Respondent.pair_side_id)
        .where(in_study, Respondent.is_primary.is_(True))
        .order_by(Respondent.id)
    )
    for row in session.execute(query):
        pair, side_id = side_of[row.pair_side_id]
        pair.people.setdefault(side_id, {"id": row.id, **{f: getattr(row, f) for f in PERSON}})
    return found
