"""The person a privacy command or page is about: a respondent by id or e-mail."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.errors import NotFoundError, ServiceError
from survey.studies.models import Pair, PairSide, Respondent, Study


def find(session: Session, wanted: str) -> Respondent:
    """The respondent whose id (digits) or e-mail address is `wanted`; one, or a clear error."""
    wanted = wanted.strip()
    if wanted.isdigit() and len(wanted) <= 18:
        found = session.get(Respondent, int(wanted))
        if found is None:
            raise NotFoundError("respondent", id=wanted)
        return found
    matches = list(
        session.scalars(
            select(Respondent)
            .where(func.lower(Respondent.email) == wanted.lower())
            .order_by(Respondent.id)
        )
    )
    if not matches:
        raise NotFoundError("respondent", email=wanted)
    if len(matches) > 1:
        ids = ", ".join(str(r.id) for r in matches)
        raise ServiceError(None, "respondent_ambiguous", email=wanted, ids=ids)
    return matches[0]


def study_of(session: Session, respondent: Respondent) -> Study:
    """The study the respondent answers in."""
    return session.scalars(
        select(Study)
        .join(Pair, Pair.study_id == Study.id)
        .join(PairSide, PairSide.pair_id == Pair.id)
        .where(PairSide.id == respondent.pair_side_id)
    ).one()
