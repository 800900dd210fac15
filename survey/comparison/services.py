"""Running the comparison engine over a round, and the discrepancies researchers review.

Outcomes are stored per (round, pair, question); each `disagree` has a
Discrepancy with a review state. Re-running keeps a decision while the values
it saw stay the same, reopens it when a value changed and it still disagrees,
and removes it (with an audit row holding its last state) when the two sides no
longer disagree. Decisions use an optimistic lock: a stale second decision is a
conflict, never an overwrite (AUDIT-03).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.comparison.models import REVIEW_STATES, Comparison, Discrepancy
from survey.core.compare import Outcome, compare_pair
from survey.core.questionnaire import Questionnaire
from survey.db import utcnow
from survey.errors import ServiceError
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding.models import Answer
from survey.rounds.models import Invitation, Round, RoundPair
from survey.studies.models import Study, StudySide

NOTE_REQUIRED = frozenset({"explained", "dismissed"})


@dataclass
class CompareReport:
    """What a run did, for the command line and the audit row."""

    pairs: int = 0
    outcomes: dict[str, int] | None = None
    opened: int = 0
    reopened: int = 0
    kept: int = 0
    removed: int = 0


def questionnaire_of(session: Session, round_: Round) -> Questionnaire:
    """The frozen questionnaire pinned by the round."""
    return model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))


def side_order(session: Session, round_: Round) -> list[StudySide]:
    """The study's sides in order (A, B)."""
    study = session.get(Study, round_.study_id)
    assert study is not None
    return sorted(study.sides, key=lambda s: s.position)


def _answers_by_pair(
    session: Session, round_: Round, pair_ids: Iterable[int] | None, include_partial: bool
) -> dict[int, dict[int, dict[str, Any] | None]]:
    """pair id -> side id -> answers (None when the side is not counted: not submitted)."""
    invitations = select(Invitation).where(Invitation.round_id == round_.id)
    if pair_ids is not None:
        invitations = invitations.where(Invitation.pair_id.in_(list(pair_ids)))
    counted = {
        i.id: (i.pair_id, i.side_id)
        for i in session.scalars(invitations)
        if i.state == "submitted" or (include_partial and i.state == "in_progress")
    }
    result: dict[int, dict[int, dict[str, Any] | None]] = {}
    for pair_id, side_id in counted.values():
        result.setdefault(pair_id, {})[side_id] = {}
    if counted:
        rows = session.execute(
            select(Answer.invitation_id, Answer.question_key, Answer.value).where(
                Answer.invitation_id.in_(list(counted))
            )
        )
        for invitation_id, key, value in rows:
            pair_id, side_id = counted[invitation_id]
            if value is not None:
                result[pair_id][side_id][key] = value  # type: ignore[index]
    return result


def compare_round(
    session: Session,
    round_: Round,
    *,
    pair_ids: Iterable[int] | None = None,
    include_partial: bool = False,
    user: User | None = None,
    today: dt.date | None = None,
) -> CompareReport:
    """Compare every pair of the round (or the given pairs) and reconcile discrepancies."""
    q = questionnaire_of(session, round_)
    sides = side_order(session, round_)
    today = today or dt.date.today()  # one date for the whole run, even across midnight
    pairs = (
        list(pair_ids)
        if pair_ids is not None
        else list(session.scalars(select(RoundPair.pair_id).where(RoundPair.round_id == round_.id)))
    )
    answers = _answers_by_pair(session, round_, pairs, include_partial)
    report = CompareReport(outcomes={})
    existing = _existing(session, round_, pairs)
    for pair_id in pairs:
        by_side = answers.get(pair_id, {})
        outcomes = compare_pair(q, by_side.get(sides[0].id), by_side.get(sides[1].id), today=today)
        _store_pair(session, round_, pair_id, outcomes, sides, existing, report, include_partial)
        report.pairs += 1
    if user is not None or pair_ids is None:
        audit.record(
            session,
            "comparison.run",
            study_id=round_.study_id,
            object_type="round",
            object_id=str(round_.id),
            actor_user_id=user.id if user else None,
            details={
                "pairs": report.pairs,
                "outcomes": report.outcomes,
                "opened": report.opened,
                "reopened": report.reopened,
                "removed": report.removed,
                "partial": include_partial,
            },
        )
    return report


def _existing(session: Session, round_: Round, pairs: list[int]) -> dict[tuple[int, str], Any]:
    found: dict[tuple[int, str], Any] = {}
    for model in (Comparison, Discrepancy):
        rows = session.scalars(
            select(model).where(model.round_id == round_.id, model.pair_id.in_(pairs))
        )
        for row in rows:
            found[(row.pair_id, row.question_key, model.__name__)] = row  # type: ignore[index]
    return found


def _store_pair(
    session: Session,
    round_: Round,
    pair_id: int,
    outcomes: list[Outcome],
    sides: list[StudySide],
    existing: dict,
    report: CompareReport,
    partial: bool,
) -> None:
    seen: set[str] = set()
    for outcome in outcomes:
        values = {sides[0].code: outcome.value_a, sides[1].code: outcome.value_b}
        seen.add(outcome.question)
        report.outcomes[outcome.outcome] = report.outcomes.get(outcome.outcome, 0) + 1
        _upsert_comparison(session, round_, pair_id, outcome, values, existing, partial)
        _reconcile(session, round_, pair_id, outcome, values, existing, report)
    for (pid, key, kind), row in list(existing.items()):
        if pid == pair_id and key not in seen:  # a question no longer compared
            if kind == "Discrepancy":
                _remove(session, round_, row, report)
            else:
                session.delete(row)


def _upsert_comparison(
    session: Session,
    round_: Round,
    pair_id: int,
    outcome: Outcome,
    values: dict[str, Any],
    existing: dict,
    partial: bool,
) -> None:
    row = existing.get((pair_id, outcome.question, "Comparison"))
    if row is None:
        row = Comparison(round_id=round_.id, pair_id=pair_id, question_key=outcome.question)
        session.add(row)
        existing[(pair_id, outcome.question, "Comparison")] = row
    row.outcome, row.values, row.is_partial, row.computed_at = (
        outcome.outcome,
        values,
        partial,
        utcnow(),
    )


def _reconcile(
    session: Session,
    round_: Round,
    pair_id: int,
    outcome: Outcome,
    values: dict[str, Any],
    existing: dict,
    report: CompareReport,
) -> None:
    row: Discrepancy | None = existing.get((pair_id, outcome.question, "Discrepancy"))
    if outcome.outcome != "disagree":
        if row is not None:
            _remove(session, round_, row, report)
            existing.pop((pair_id, outcome.question, "Discrepancy"))
        return
    if row is None:
        row = Discrepancy(
            round_id=round_.id,
            pair_id=pair_id,
            question_key=outcome.question,
            status="open",
            values=values,
            note="",
            version=1,
        )
        session.add(row)
        existing[(pair_id, outcome.question, "Discrepancy")] = row
        report.opened += 1
    elif row.values == values:
        report.kept += 1
    else:
        _reopen(session, round_, row, values, report)


def _reopen(
    session: Session, round_: Round, row: Discrepancy, values: dict[str, Any], report: CompareReport
) -> None:
    before = {"status": row.status, "values": row.values, "note": row.note}
    row.values, row.status, row.version = values, "open", row.version + 1
    row.decided_by_id = row.decided_at = None
    report.reopened += 1
    if before["status"] != "open":
        audit.record(
            session,
            "discrepancy.reopen",
            study_id=round_.study_id,
            object_type="discrepancy",
            object_id=str(row.id),
            details={"before": before, "after": {"status": "open", "values": values}},
        )


def _remove(session: Session, round_: Round, row: Discrepancy, report: CompareReport) -> None:
    session.flush()
    audit.record(
        session,
        "discrepancy.remove",
        study_id=round_.study_id,
        object_type="discrepancy",
        object_id=str(row.id),
        details={
            "pair_id": row.pair_id,
            "question": row.question_key,
            "last": {"status": row.status, "values": row.values, "note": row.note},
        },
    )
    session.delete(row)
    report.removed += 1


def rerun_for_invitation(session: Session, invitation: Invitation) -> None:
    """Answer listener: re-compare the pair when a submitted side's answers change.

    Unsubmitted answers do not count by default, so autosaves cost nothing here.
    """
    round_ = session.get(Round, invitation.round_id)
    if round_ is not None and invitation.state == "submitted":
        session.flush()
        compare_round(session, round_, pair_ids=[invitation.pair_id])


def decide(
    session: Session,
    discrepancy: Discrepancy,
    status: str,
    *,
    user: User,
    note: str = "",
    version: int,
) -> Discrepancy:
    """Record a decision on a discrepancy; a stale `version` is a conflict (AUDIT-03)."""
    if status not in REVIEW_STATES:
        raise ServiceError("status", "unknown_status", status=status)
    if status in NOTE_REQUIRED and not note.strip():
        raise ServiceError("note", "note_required")
    changed = session.execute(
        Discrepancy.__table__.update()
        .where(Discrepancy.id == discrepancy.id, Discrepancy.version == version)
        .values(
            status=status,
            note=note.strip(),
            version=version + 1,
            decided_by_id=user.id,
            decided_at=utcnow(),
        )
    ).rowcount
    session.refresh(discrepancy)
    if changed != 1:
        raise ServiceError(None, "decision_conflict")
    round_ = session.get(Round, discrepancy.round_id)
    audit.record(
        session,
        "discrepancy.decide",
        study_id=round_.study_id if round_ else None,
        object_type="discrepancy",
        object_id=str(discrepancy.id),
        reason=note or None,
        actor_user_id=user.id,
        details={
            "status": status,
            "values_seen": discrepancy.values,
            "version": discrepancy.version,
        },
    )
    return discrepancy


def clear_round(session: Session, round_: Round) -> None:
    """Drop stored outcomes (not discrepancies) of a round, e.g. before a full re-run."""
    session.execute(delete(Comparison).where(Comparison.round_id == round_.id))


def values_by_side(values: Mapping[str, Any], sides: list[StudySide]) -> list[Any]:
    """The stored values in side order."""
    return [values.get(side.code) for side in sides]


@dataclass(frozen=True)
class Item:
    """One comparison as the CLI and pages list it."""

    pair: str
    kind: str
    question: str
    outcome: str
    status: str | None
    values: dict[str, Any]
    rule: Any
    discrepancy_id: int | None
    version: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pair": self.pair,
            "kind": self.kind,
            "question": self.question,
            "outcome": self.outcome,
            "status": self.status,
            "values": self.values,
            "rule": self.rule,
        }


def items(
    session: Session,
    round_: Round,
    *,
    outcome: str = "disagree",
    status: str | None = None,
    kind: str | None = None,
    question: str | None = None,
) -> list[Item]:
    """Comparisons of a round with their review state, by pair then questionnaire order."""
    from survey.studies.models import Pair

    q = questionnaire_of(session, round_)
    order = {question.key: i for i, question in enumerate(q.questions())}
    query = (
        select(Comparison, Pair, Discrepancy)
        .join(Pair, Pair.id == Comparison.pair_id)
        .outerjoin(
            Discrepancy,
            (Discrepancy.round_id == Comparison.round_id)
            & (Discrepancy.pair_id == Comparison.pair_id)
            & (Discrepancy.question_key == Comparison.question_key),
        )
        .where(Comparison.round_id == round_.id)
    )
    if outcome != "all":
        query = query.where(Comparison.outcome == outcome)
    if status:
        query = query.where(Discrepancy.status == status)
    if kind:
        query = query.where(Pair.kind == kind)
    if question:
        query = query.where(Comparison.question_key == question)
    found = [
        Item(
            pair.code,
            pair.kind,
            c.question_key,
            c.outcome,
            d.status if d else None,
            c.values,
            _rule(q, c.question_key),
            d.id if d else None,
            d.version if d else None,
        )
        for c, pair, d in session.execute(query)
    ]
    return sorted(found, key=lambda i: (i.pair, order.get(i.question, 1 << 30)))


def _rule(q: Questionnaire, key: str) -> Any:
    try:
        question = q.question(key)
    except KeyError:
        return None
    rule = question.compare.to_dict() if question.compare else None
    return {"compare": rule, "mirror": question.mirror} if question.mirror else rule
