"""The pair an audit row about a discrepancy belongs to, for the audit log's side names."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.comparison.models import Discrepancy


def discrepancy_pairs(session: Session, objects: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Object id → pair id, for the `discrepancy` objects among (object type, object id)."""
    ids = [int(oid) for kind, oid in objects if kind == "discrepancy" and oid.isdigit()]
    if not ids:
        return {}
    query = select(Discrepancy.id, Discrepancy.pair_id).where(Discrepancy.id.in_(ids))
    rows = session.execute(query)
    return {str(did): pair_id for did, pair_id in rows}
