"""A discrepancy's compared values, as its audit rows keep them, sealed per person.

The two values of a discrepancy are two people's answers. Its audit rows
(`discrepancy.decide`, `.reopen`, `.remove`, `.resolve`) are append-only, so each side's value
is sealed under the key of that side's respondent (`sealing.seal_by_side`): erasing one of
them destroys their key, and their value in every such row can never be read again, while
the other side's stays readable and the chain's hashes stay right (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import sealing
from survey.rounds.models import Invitation
from survey.studies.models import StudySide


def respondents(session: Session, round_ids: Sequence[int], pair_id: int) -> dict[str, int]:
    """Side code -> the respondent the pair's side was invited as, in the first of
    `round_ids` that invited one (a follow-up's own respondent before its parent's)."""
    rows = session.execute(
        select(Invitation.round_id, StudySide.code, Invitation.respondent_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(Invitation.round_id.in_(list(round_ids)), Invitation.pair_id == pair_id)
    ).all()
    order = {round_id: n for n, round_id in enumerate(round_ids)}
    found: dict[str, int] = {}
    for _round, code, respondent_id in sorted(rows, key=lambda row: order[row[0]]):
        found.setdefault(code, respondent_id)
    return found


def values(session: Session, round_ids: Sequence[int], pair_id: int, compared: Any) -> Any:
    """`compared` (side code -> value) with each side's value sealed for its respondent."""
    if not isinstance(compared, dict) or not compared:
        return compared
    return sealing.seal_by_side(
        session.connection(), compared, respondents(session, round_ids, pair_id)
    )
