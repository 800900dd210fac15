"""The pairs and respondents pages' reads and edits, checked as the pairs file's cells are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey import audit
from survey.errors import NotFoundError
from survey.studies.models import Pair, PairSide, Respondent, Study
from survey.studies.pairs.changes import FieldChange, _audited, _set
from survey.studies.pairs.checking import clean
from survey.studies.pairs.columns import CONTACT_ROLE, FIELD_COLUMN, PAGE_SIZE, PLACE_COLUMNS, RANK
from survey.studies.pairs.files import _CellError
from survey.studies.pairs.problems import PairError


def may_see_contacts(role: str) -> bool:
    """Whether a member with `role` sees respondents' e-mails and phones (and downloads them)."""
    return RANK[role] >= RANK[CONTACT_ROLE]


def list_pairs(
    session: Session,
    study: Study,
    *,
    kind: str | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[Pair], int]:
    """One page of the study's pairs by code (filtered by kind, searched in code and places)."""
    from survey.studies.listing import pairs_statement

    query = pairs_statement(study, kind=kind, search=search)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    found = session.scalars(
        query.order_by(Pair.code).limit(per_page).offset((max(page, 1) - 1) * per_page)
    )
    return list(found), total


def pair_kinds(session: Session, study: Study) -> list[str]:
    """The kinds of pair the study has, for the filter."""
    query = select(Pair.kind).where(Pair.study_id == study.id, Pair.kind != "").distinct()
    return sorted(session.scalars(query))


def get_pair(session: Session, study: Study, code: str) -> Pair:
    """The study's pair with this code; NotFoundError otherwise."""
    pair = session.scalar(
        select(Pair)
        .where(Pair.study_id == study.id, Pair.code == code)
        .options(selectinload(Pair.sides).selectinload(PairSide.respondents))
    )
    if pair is None:
        raise NotFoundError("pair", pair=code)
    return pair


def get_pair_side(pair: Pair, study: Study, side_code: str) -> PairSide:
    """The pair's side with this code; NotFoundError otherwise."""
    side_id = next((s.id for s in study.sides if s.code == side_code), None)
    found = next((ps for ps in pair.sides if ps.side_id == side_id), None)
    if found is None:
        raise NotFoundError("side", side=side_code)
    return found


def get_respondent(pair: Pair, respondent_id: int) -> Respondent:
    """A respondent of this pair (never one of another pair or study); NotFoundError otherwise."""
    for pair_side in pair.sides:
        for respondent in pair_side.respondents:
            if respondent.id == respondent_id:
                return respondent
    raise NotFoundError("respondent", id=respondent_id)


# ---------------------------------------------------------------- pairs and respondents


@dataclass(frozen=True)
class PlaceData:
    """One side's place and organisation, as a form gives them."""

    place_en: str = ""
    place_zh: str = ""
    region: str = ""
    organization: str = ""


@dataclass(frozen=True)
class PairData:
    """A pair as a form gives it; `places` by side code."""

    code: str
    kind: str = ""
    established: int | None = None
    places: dict[str, PlaceData] = field(default_factory=dict)


@dataclass(frozen=True)
class RespondentData:
    """A respondent as a form gives it."""

    name: str
    email: str = ""
    phone: str = ""
    organization: str = ""
    position: str = ""
    years_involved: int | None = None
    language: str | None = None
    timezone: str | None = None
    is_primary: bool = False


_BLANK_PLACE = dict.fromkeys(PLACE_COLUMNS, "")


def _checked(field_name: str, value: Any, column: str | None = None) -> Any:
    """A form value through the pairs-file check of its column; PairError on the field."""
    column = column or FIELD_COLUMN.get(field_name, field_name)
    try:
        return clean(column, "" if value is None else str(value))
    except _CellError as bad:
        raise PairError(field_name, bad.code, **bad.params) from bad


def create_pair(session: Session, study: Study, data: PairData) -> Pair:
    """Create a pair with both its sides' places."""
    pair = Pair(study_id=study.id, code="", kind="", attributes={})
    for side in study.sides:
        PairSide(pair=pair, side_id=side.id)
    _apply_pair(session, study, pair, data)
    session.add(pair)
    session.flush()
    details = {"code": pair.code, "kind": pair.kind, "established": pair.established}
    audit.record_for(pair, "pair.create", details=details, session=session)
    return pair


def update_pair(session: Session, study: Study, pair: Pair, data: PairData) -> list[FieldChange]:
    """Change a pair's code, kind, year and places; return what changed."""
    changes = _apply_pair(session, study, pair, data)
    session.flush()
    if changes:
        details = {"pair": pair.code, "changes": _audited(changes)}
        audit.record_for(pair, "pair.update", details=details, session=session)
    return changes


def _apply_pair(session: Session, study: Study, pair: Pair, data: PairData) -> list[FieldChange]:
    code = _checked("code", data.code)
    taken = select(Pair.id).where(Pair.study_id == study.id, Pair.code == code)
    if pair.id is not None:
        taken = taken.where(Pair.id != pair.id)
    if session.scalar(taken):
        raise PairError("code", "pair_taken", pair=code)
    values = {
        "code": code,
        "kind": _checked("kind", data.kind),
        "established": _checked("established", data.established),
    }
    places = {
        side.code: {
            c: _checked(f"{side.code}.{c}", getattr(data.places.get(side.code, PlaceData()), c), c)
            for c in PLACE_COLUMNS
        }
        for side in study.sides
    }
    changes: list[FieldChange] = []
    for name, value in values.items():
        _set(pair, name, value, name, changes)
    by_side = {ps.side_id: ps for ps in pair.sides}
    for side in study.sides:
        pair_side = by_side.get(side.id) or PairSide(pair=pair, side_id=side.id, **_BLANK_PLACE)
        for column, value in places[side.code].items():
            _set(pair_side, column, value, f"{side.code}.{column}", changes)
    return changes


def _respondent_fields(data: RespondentData) -> dict[str, Any]:
    fields = {
        name: _checked(name, getattr(data, name))
        for name in ("name", "email", "phone", "organization", "position")
    }
    if not fields["name"]:
        raise PairError("name", "required")
    fields["years_involved"] = _checked("years_involved", data.years_involved)
    fields["language"] = _checked("language", data.language)
    fields["timezone"] = _checked("timezone", data.timezone)
    return fields


def add_respondent(
    session: Session, study: Study, pair_side: PairSide, data: RespondentData
) -> Respondent:
    """Add a respondent to a side; the first one, or one marked primary, becomes the primary."""
    fields = _respondent_fields(data)
    is_primary = data.is_primary or primary_respondent(pair_side) is None
    if is_primary:
        for other in pair_side.respondents:
            other.is_primary = False
    respondent = Respondent(pair_side=pair_side, is_primary=is_primary, **fields)
    session.add(respondent)
    session.flush()
    details = {"pair": pair_side.pair.code, "side_id": pair_side.side_id, "primary": is_primary}
    audit.record_for(
        respondent, "respondent.create", details=details, study_id=study.id, session=session
    )
    return respondent


def update_respondent(
    session: Session, study: Study, respondent: Respondent, data: RespondentData
) -> list[FieldChange]:
    """Change a respondent; making one primary makes the side's other respondents secondary."""
    fields = _respondent_fields(data)
    if respondent.is_primary and not data.is_primary:
        raise PairError("is_primary", "keep_primary")
    changes: list[FieldChange] = []
    for name, value in fields.items():
        _set(respondent, name, value, FIELD_COLUMN.get(name, name), changes)
    if data.is_primary and not respondent.is_primary:
        for other in respondent.pair_side.respondents:
            other.is_primary = other is respondent
        changes.append(FieldChange("is_primary", False, True))
    session.flush()
    if changes:
        details = {"pair": respondent.pair_side.pair.code, "changes": _audited(changes)}
        audit.record_for(
            respondent, "respondent.update", details=details, study_id=study.id, session=session
        )
    return changes


def primary_respondent(pair_side: PairSide) -> Respondent | None:
    """The side's primary respondent (the earliest, should there be several)."""
    primaries = [r for r in pair_side.respondents if r.is_primary]
    return min(primaries, key=lambda r: r.id or 0) if primaries else None
