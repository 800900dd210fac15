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

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from survey import audit, sealing
from survey.accounts.models import User
from survey.comparison import sealed
from survey.comparison.models import REVIEW_STATES, Comparison, Discrepancy
from survey.core.compare import compare_round as engine_compare_round
from survey.core.questionnaire import Questionnaire
from survey.db import utcnow
from survey.errors import ServiceError
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding.models import Answer
from survey.rounds.models import FollowupRound, Invitation, Round, RoundPair
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
    invitations = select(
        Invitation.id, Invitation.pair_id, Invitation.side_id, Invitation.state
    ).where(Invitation.round_id == round_.id)
    if pair_ids is not None:
        invitations = invitations.where(Invitation.pair_id.in_(list(pair_ids)))
    counted = {
        i: (p, s)
        for i, p, s, state in session.execute(invitations)
        if state == "submitted" or (include_partial and state == "in_progress")
    }
    result: dict[int, dict[int, dict[str, Any] | None]] = {}
    for pair_id, side_id in counted.values():
        result.setdefault(pair_id, {})[side_id] = {}
    if counted:
        query = select(Answer.invitation_id, Answer.question_key, Answer.value)
        if pair_ids is None:  # the whole round: one join instead of a huge IN list
            query = query.join(Invitation, Invitation.id == Answer.invitation_id).where(
                Invitation.round_id == round_.id
            )
        else:
            query = query.where(Answer.invitation_id.in_(list(counted)))
        rows = session.execute(query)
        for invitation_id, key, value in rows:
            where = counted.get(invitation_id)
            if where is not None and value is not None:
                result[where[0]][where[1]][key] = value  # type: ignore[index]
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
    """Compare every pair of the round (or the given pairs) and reconcile discrepancies.

    Outcomes are replaced in bulk (one DELETE, batched INSERTs) so a whole round costs
    about as much as reading its answers; discrepancies, few by nature, row by row.
    """
    q = questionnaire_of(session, round_)
    sides = side_order(session, round_)
    today = today or dt.date.today()  # one date for the whole run, even across midnight
    whole = pair_ids is None
    pairs = (
        list(session.scalars(select(RoundPair.pair_id).where(RoundPair.round_id == round_.id)))
        if whole
        else list(pair_ids)
    )
    answers = _answers_by_pair(session, round_, None if whole else pairs, include_partial)
    report = CompareReport(outcomes={}, pairs=len(pairs))
    items = (
        (p, answers.get(p, {}).get(sides[0].id), answers.get(p, {}).get(sides[1].id)) for p in pairs
    )
    disagreements = _replace_outcomes(
        session, round_, q, items, sides, whole, pairs, include_partial, report, today
    )
    _reconcile(session, round_, disagreements, None if whole else pairs, report)
    if user is not None or whole:
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


BATCH = 5000


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _replace_outcomes(
    session: Session,
    round_: Round,
    q: Questionnaire,
    items: Iterable,
    sides: list[StudySide],
    whole: bool,
    pairs: list[int],
    partial: bool,
    report: CompareReport,
    today: dt.date,
) -> dict[tuple[int, str], dict[str, Any]]:
    """Delete the pairs' stored outcomes, insert the new ones; return the disagreements."""
    session.flush()
    if whole:
        session.execute(delete(Comparison).where(Comparison.round_id == round_.id))
    else:
        for chunk in _chunks(pairs):
            session.execute(
                delete(Comparison).where(
                    Comparison.round_id == round_.id, Comparison.pair_id.in_(chunk)
                )
            )
    a, b = sides[0].code, sides[1].code
    now, counts = utcnow(), report.outcomes if report.outcomes is not None else {}
    disagreements: dict[tuple[int, str], dict[str, Any]] = {}
    batch: list[dict[str, Any]] = []
    table = Comparison.__table__
    for pair_id, outcomes in engine_compare_round(q, items, today=today):
        stored: dict[str, list[Any]] = {}
        for o in outcomes:
            values = {a: o.value_a, b: o.value_b}
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
            stored[o.question] = [o.outcome, values]
            if o.outcome == "disagree":
                disagreements[(pair_id, o.question)] = values
        batch.append(
            {
                "round_id": round_.id,
                "pair_id": pair_id,
                "outcomes": stored,
                "is_partial": partial,
                "computed_at": now,
            }
        )
        if len(batch) >= BATCH:
            session.execute(table.insert(), batch)
            batch = []
    if batch:
        session.execute(table.insert(), batch)
    return disagreements


def _reconcile(
    session: Session,
    round_: Round,
    disagreements: dict[tuple[int, str], dict[str, Any]],
    pairs: list[int] | None,
    report: CompareReport,
) -> None:
    """Open new discrepancies, keep or reopen existing ones, remove those that agree now."""
    query = select(Discrepancy).where(Discrepancy.round_id == round_.id)
    chunks = (
        [query]
        if pairs is None
        else [query.where(Discrepancy.pair_id.in_(c)) for c in _chunks(pairs)]
    )
    existing = {(d.pair_id, d.question_key): d for q in chunks for d in session.scalars(q)}
    for key, row in existing.items():
        values = disagreements.get(key)
        if values is None:
            _remove(session, round_, row, report)
        elif row.values == values:
            report.kept += 1
        else:
            _reopen(session, round_, row, values, report)
    now = utcnow()
    new = [
        {
            "round_id": round_.id,
            "pair_id": pair_id,
            "question_key": question,
            "status": "open",
            "values": values,
            "note": "",
            "version": 1,
            "created_at": now,
        }
        for (pair_id, question), values in disagreements.items()
        if (pair_id, question) not in existing
    ]
    for chunk in _chunks(new, BATCH):
        session.execute(insert(Discrepancy), chunk)
    report.opened += len(new)
    session.flush()


def _reopen(
    session: Session, round_: Round, row: Discrepancy, values: dict[str, Any], report: CompareReport
) -> None:
    before = {"status": row.status, "values": row.values, "note": row.note}
    row.values, row.status, row.version = values, "open", row.version + 1
    row.decided_by_id = row.decided_at = None
    report.reopened += 1
    if before["status"] != "open":
        who, connection = (
            sealed.respondents(session, [round_.id], row.pair_id),
            session.connection(),
        )
        before["values"] = sealing.seal_by_side(connection, before["values"], who)
        after = {"status": "open", "values": sealing.seal_by_side(connection, values, who)}
        audit.record(
            session,
            "discrepancy.reopen",
            study_id=round_.study_id,
            object_type="discrepancy",
            object_id=str(row.id),
            details={"before": before, "after": after},
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
            "last": {
                "status": row.status,
                "values": sealed.values(session, [round_.id], row.pair_id, row.values),
                "note": row.note,
            },
        },
    )
    session.delete(row)
    report.removed += 1


def rerun_for_invitation(session: Session, invitation: Invitation) -> None:
    """Answer listener: re-compare the pair when a submitted side's answers change.

    Unsubmitted answers do not count by default, so autosaves cost nothing here.
    """
    if invitation.state != "submitted":
        return
    round_ = session.get(Round, invitation.round_id)
    if round_ is not None:
        session.flush()
        if session.get(FollowupRound, round_.id) is not None:
            return  # a follow-up's answers are weighed by `followup_outcomes.listen`
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
        if _made_already(discrepancy, status, note.strip(), user, version):
            return discrepancy  # the same form sent again: its answer was lost (DATA-04)
        raise ServiceError(None, "decision_conflict")
    round_ = session.get(Round, discrepancy.round_id)
    audit.record(
        session,
        "discrepancy.decide",
        study_id=round_.study_id if round_ else None,
        object_type="discrepancy",
        object_id=str(discrepancy.id),
        reason=note.strip() or None,
        actor_user_id=user.id,
        details={
            "status": status,
            "values_seen": sealed.values(
                session, [discrepancy.round_id], discrepancy.pair_id, discrepancy.values
            ),
            "version": discrepancy.version,
        },
    )
    return discrepancy


def _made_already(
    discrepancy: Discrepancy, status: str, note: str, user: User, version: int
) -> bool:
    """Whether the decision on `version` that won is this very one, by the same person."""
    return (
        discrepancy.version == version + 1
        and discrepancy.status == status
        and discrepancy.note == note
        and discrepancy.decided_by_id == user.id
    )


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
    note: str = ""
    decided_by_id: int | None = None
    decided_at: dt.datetime | None = None

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
    pair: str | None = None,
    pairs_from: str | None = None,
    pair_limit: int | None = None,
) -> list[Item]:
    """Comparisons of a round with their review state, by pair then questionnaire order.

    `pairs_from` and `pair_limit`: only the pairs from that code on, so many (a page of the
    API reads a few pairs, not the round; codes in code point order, as Python sorts them).
    """
    from survey.studies.models import Pair

    q = questionnaire_of(session, round_)
    order = {question.key: i for i, question in enumerate(q.questions())}
    query = (
        select(Comparison.outcomes, Pair.id, Pair.code, Pair.kind)
        .join(Pair, Pair.id == Comparison.pair_id)
        .where(Comparison.round_id == round_.id)
    )
    decisions = select(Discrepancy).where(Discrepancy.round_id == round_.id)
    if kind:
        query = query.where(Pair.kind == kind)
    if pairs_from is not None or pair_limit is not None:
        ids = _pairs_from(session, round_, kind, pairs_from, pair_limit)
        query = query.where(Pair.id.in_(ids))
        decisions = decisions.where(Discrepancy.pair_id.in_(ids))
    if pair:  # one pair's page: read only its row and its discrepancies
        query = query.where(Pair.code == pair)
        decisions = decisions.join(Pair, Pair.id == Discrepancy.pair_id).where(Pair.code == pair)
    decided = {(d.pair_id, d.question_key): d for d in session.scalars(decisions)}
    found = []
    for stored, pair_id, code, pair_kind in session.execute(query):
        for key, (result, values) in stored.items():
            d = decided.get((pair_id, key))
            if (
                (outcome != "all" and result != outcome)
                or (question and key != question)
                or (status and (d is None or d.status != status))
            ):
                continue
            found.append(
                Item(
                    code,
                    pair_kind,
                    key,
                    result,
                    d.status if d else None,
                    values,
                    _rule(q, key),
                    d.id if d else None,
                    d.version if d else None,
                    d.note if d else "",
                    d.decided_by_id if d else None,
                    d.decided_at if d else None,
                )
            )
    return sorted(found, key=lambda i: (i.pair, order.get(i.question, 1 << 30)))


def _pairs_from(
    session: Session, round_: Round, kind: str | None, first: str | None, limit: int | None
) -> list[int]:
    """The ids of the round's compared pairs from code `first` on, `limit` of them."""
    from survey.studies.models import Pair

    code = Pair.code.collate("C") if session.get_bind().dialect.name == "postgresql" else Pair.code
    chosen = (
        select(Pair.id)
        .join(Comparison, Comparison.pair_id == Pair.id)
        .where(Comparison.round_id == round_.id)
    )
    if kind:
        chosen = chosen.where(Pair.kind == kind)
    if first is not None:
        chosen = chosen.where(code >= first)
    return list(session.scalars(chosen.order_by(code).limit(limit)))


def _rule(q: Questionnaire, key: str) -> Any:
    try:
        question = q.question(key)
    except KeyError:
        return None
    rule = question.compare.to_dict() if question.compare else None
    return {"compare": rule, "mirror": question.mirror} if question.mirror else rule
