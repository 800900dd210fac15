"""What a follow-up's answers do to the original round's discrepancies.

Original answers are never changed. When a side submits a follow-up, the original
round's pair is compared again on the newest answer of each side: the follow-up answer
where that side gave one (the newest follow-up's, when there are several), else its
original answer. A discrepancy whose two sides now agree becomes `resolved`, decided by
the follow-up (no user) and audited as `discrepancy.resolve`; a researcher can still
decide otherwise. One that still disagrees keeps its state.

`blocks` gives, per (pair, question), what `survey discrepancies --format json` and the
pair page show of the follow-up: its round, the newest values by side, the explanations
by side and the outcome (agree, disagree, or missing while a side has not answered).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.comparison import sealed
from survey.comparison.models import Discrepancy
from survey.comparison.services import questionnaire_of, side_order
from survey.core.compare import compare_round as engine_compare_round
from survey.db import utcnow
from survey.responding.models import Answer, Explanation
from survey.rounds.models import FollowupPair, FollowupRound, Invitation, Round
from survey.studies.models import Pair

OUTCOMES = ("agree", "disagree", "missing")


@dataclass
class Newest:
    """One pair's newest answers by side id, and where the follow-up answers came from."""

    values: dict[int, dict[str, Any]] = field(default_factory=dict)
    original: dict[int, dict[str, Any]] = field(default_factory=dict)
    followup: dict[int, dict[str, Any]] = field(default_factory=dict)  # side -> key -> value
    explanations: dict[int, dict[str, str]] = field(default_factory=dict)
    asked: dict[str, str] = field(default_factory=dict)  # key -> the newest follow-up's slug


def newest(session: Session, parent: Round, pair_ids: Iterable[int]) -> dict[int, Newest]:
    """Pair id -> its newest answers: original overlaid by submitted follow-up answers."""
    pair_ids = list(pair_ids)
    result = {pair_id: Newest() for pair_id in pair_ids}
    originals = session.execute(
        select(Invitation.id, Invitation.pair_id, Invitation.side_id, Invitation.state).where(
            Invitation.round_id == parent.id, Invitation.pair_id.in_(pair_ids)
        )
    ).all()
    counted = {i: side for i, _p, side, state in originals if state == "submitted"}
    by_pair = {i: pair for i, pair, _s, _st in originals}
    stored = _answers_by_invitation(session, counted)
    for invitation_id, answers in stored.items():
        into = result[by_pair[invitation_id]]
        into.original[counted[invitation_id]] = dict(answers)
        into.values[counted[invitation_id]] = dict(answers)
    asked = session.execute(
        select(FollowupPair.pair_id, FollowupPair.questions, Round.slug, Round.id)
        .join(FollowupRound, FollowupRound.round_id == FollowupPair.round_id)
        .join(Round, Round.id == FollowupPair.round_id)
        .where(FollowupRound.parent_id == parent.id, FollowupPair.pair_id.in_(pair_ids))
        .order_by(Round.created_at, Round.id)
    ).all()
    if not asked:
        return result
    rounds = [round_id for *_rest, round_id in asked]
    later = session.execute(
        select(Invitation.id, Invitation.round_id, Invitation.pair_id, Invitation.side_id).where(
            Invitation.round_id.in_(rounds),
            Invitation.pair_id.in_(pair_ids),
            Invitation.state == "submitted",
        )
    ).all()
    submitted = {(r, p, s): i for i, r, p, s in later}
    answers = _answers_by_invitation(session, {i: s for i, _r, _p, s in later})
    why = _explanations(session, [i for i, *_rest in later])
    for pair_id, keys, slug, round_id in asked:  # oldest first: the newest overlays
        into = result[pair_id]
        for key in keys:
            into.asked[key] = slug
        for (in_round, in_pair, side), invitation_id in submitted.items():
            if (in_round, in_pair) != (round_id, pair_id):
                continue
            given = {k: v for k, v in answers.get(invitation_id, {}).items() if k in keys}
            into.values.setdefault(side, {}).update(given)
            into.followup.setdefault(side, {}).update(given)
            told = {k: v for k, v in why.get(invitation_id, {}).items() if k in keys}
            into.explanations.setdefault(side, {}).update(told)
    return result


def _answers_by_invitation(
    session: Session, invitations: dict[int, int]
) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {i: {} for i in invitations}
    if invitations:
        rows = session.execute(
            select(Answer.invitation_id, Answer.question_key, Answer.value).where(
                Answer.invitation_id.in_(list(invitations))
            )
        )
        for invitation_id, key, value in rows:
            if value is not None:
                found[invitation_id][key] = value
    return found


def _explanations(session: Session, invitations: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    if invitations:
        rows = session.execute(
            select(Explanation.invitation_id, Explanation.question_key, Explanation.text).where(
                Explanation.invitation_id.in_(invitations)
            )
        )
        for invitation_id, key, text in rows:
            if text:
                found.setdefault(invitation_id, {})[key] = text
    return found


def blocks(
    session: Session, parent: Round, pair_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], dict[str, Any]]:
    """(pair id, question key) -> {round, values, explanations, outcome, answered} for
    every question a follow-up of `parent` asked (keyed as its discrepancy is)."""
    if pair_ids is None:
        pair_ids = session.scalars(
            select(FollowupPair.pair_id)
            .join(FollowupRound, FollowupRound.round_id == FollowupPair.round_id)
            .where(FollowupRound.parent_id == parent.id)
        ).all()
    pair_ids = sorted(set(pair_ids))
    if not pair_ids:
        return {}
    q = questionnaire_of(session, parent)
    sides = side_order(session, parent)
    a, b = sides[0], sides[1]
    found = newest(session, parent, pair_ids)
    items = [(p, n.values.get(a.id), n.values.get(b.id)) for p, n in found.items() if n.asked]
    result: dict[tuple[int, str], dict[str, Any]] = {}
    for pair_id, outcomes in engine_compare_round(q, items, today=dt.date.today()):
        got = found[pair_id]
        for o in outcomes:
            if o.question not in got.asked:
                continue
            keys = {o.question, q.question(o.question).mirror} - {None}
            answered = [side.code for side in sides if keys & set(got.followup.get(side.id, {}))]
            outcome = o.outcome if o.outcome in ("agree", "disagree") else "missing"
            result[(pair_id, o.question)] = {
                "round": got.asked[o.question],
                "values": {a.code: o.value_a, b.code: o.value_b},
                "explanations": {
                    side.code: text
                    for side in sides
                    for key in sorted(keys)
                    if (text := got.explanations.get(side.id, {}).get(key))
                },
                "outcome": outcome if answered else "missing",
                "answered": answered,
            }
    return result


def listen(session: Session, invitation: Invitation) -> None:
    """Answer listener: a submitted follow-up re-evaluates its original round's pair."""
    if invitation.state != "submitted":
        return
    round_ = session.get(Round, invitation.round_id)
    if round_ is not None and session.get(FollowupRound, round_.id) is not None:
        reevaluate(session, round_, invitation.pair_id)


def reevaluate(session: Session, followup: Round, pair_id: int) -> None:
    """Answer listener for follow-up rounds: resolve the original round's discrepancies of
    the pair whose sides now agree (audited); those that still disagree keep their state."""
    link = session.get(FollowupRound, followup.id)
    parent = session.get(Round, link.parent_id) if link else None
    if parent is None:
        return
    session.flush()
    found = blocks(session, parent, [pair_id])
    rows = session.scalars(
        select(Discrepancy).where(Discrepancy.round_id == parent.id, Discrepancy.pair_id == pair_id)
    )
    for row in rows:
        block = found.get((pair_id, row.question_key))
        if block is None or block["outcome"] != "agree" or row.status == "resolved":
            continue
        before = row.status
        row.status, row.version = "resolved", row.version + 1
        row.decided_by_id, row.decided_at = None, utcnow()
        audit.record(
            session,
            "discrepancy.resolve",
            study_id=parent.study_id,
            object_type="discrepancy",
            object_id=str(row.id),
            details={
                "status": "resolved",
                "before": before,
                "by": "followup",
                "round": block["round"],
                "values_seen": sealed.values(
                    session,
                    asking_first(session, parent, block["round"]),
                    pair_id,
                    block["values"],
                ),
                "version": row.version,
            },
        )


def pair_code_blocks(session: Session, parent: Round) -> dict[tuple[str, str], dict[str, Any]]:
    """`blocks` keyed by pair code instead of id (for the command line)."""
    found = blocks(session, parent)
    codes = dict(
        session.execute(select(Pair.id, Pair.code).where(Pair.id.in_({p for p, _ in found}))).all()
    )
    return {(codes[p], key): block for (p, key), block in found.items()}


def asking_first(session: Session, parent: Round, slug: str) -> list[int]:
    """The rounds whose respondents gave a follow-up's values: the follow-up, then its parent."""
    asking = session.scalar(
        select(Round.id).where(Round.study_id == parent.study_id, Round.slug == slug)
    )
    return [asking, parent.id] if asking is not None else [parent.id]
