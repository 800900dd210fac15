"""Exporting a study's pairs in the pairs-file format."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.studies.models import Study, StudySide
from survey.studies.pairs.columns import PLACE_COLUMNS, RESPONDENT_COLUMNS
from survey.studies.pairs.stored import StoredPair, stored_pairs


def export_pairs(session: Session, study: Study, *, user: User | None = None) -> list[dict]:
    """One row per side in the pairs-file format (primary respondents), plus attribute columns."""
    stored = list(stored_pairs(session, study).values())
    extra = sorted({key for pair in stored for key in pair.values["attributes"]})
    rows = [
        _export_row(pair, side, extra)
        for pair in stored
        for side in study.sides
        if side.id in pair.sides
    ]
    audit.record_for(
        study,
        "pairs.export",
        user,
        details={"pairs": len(stored), "rows": len(rows)},
        session=session,
    )
    return rows


def _export_row(pair: StoredPair, side: StudySide, extra: list[str]) -> dict[str, Any]:
    person = pair.people.get(side.id, {})
    return {
        "pair": pair.code,
        "kind": pair.values["kind"],
        "established": pair.values["established"],
        "side": side.code,
        **{column: pair.sides[side.id][column] for column in PLACE_COLUMNS},
        **{column: person.get(name) or "" for column, name in RESPONDENT_COLUMNS.items()},
        "years_involved": person.get("years_involved"),
        **{key: pair.values["attributes"].get(key, "") for key in extra},
    }
