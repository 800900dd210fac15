"""Follow-up rounds: ask both sides of selected pairs again about what they disagreed on.

A follow-up round is an ordinary round (own links, invitations, reminders, texts, dates
and monitoring) pinned to its original round's questionnaire version, with a
`FollowupRound` row naming that round and a `FollowupPair` row per pair holding the
question keys asked: the questions of the selected discrepancies plus each one's mirror
partner, in questionnaire order. Its answers are its own: the original round's answers
are never changed (see `outcomes.py` for what the answers do to a discrepancy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.comparison import followup_texts
from survey.comparison.models import Discrepancy
from survey.comparison.services import questionnaire_of
from survey.core.expressions import ExpressionError, parse
from survey.core.questionnaire import Questionnaire
from survey.errors import ServiceError
from survey.rounds import services as rounds
from survey.rounds.models import REVEALS, FollowupPair, FollowupRound, Invitation, Round, RoundPair
from survey.studies.models import Membership, Pair, Study

SELECTABLE_STATES = ("open", "explained", "corrected", "confirmed", "dismissed", "resolved")


@dataclass
class Selection:
    """Which discrepancies a follow-up asks about: by state, pair, question and pair kind."""

    states: Sequence[str] = ("open",)
    pairs: Sequence[str] = ()
    questions: Sequence[str] = ()
    kinds: Sequence[str] = ()


@dataclass
class Plan:
    """The pairs a follow-up covers and the questions it asks each (pair code -> keys)."""

    asked: dict[str, list[str]] = field(default_factory=dict)

    @property
    def questions(self) -> int:
        """How many questions are asked in all (counted once per pair)."""
        return sum(len(keys) for keys in self.asked.values())

    def to_list(self) -> list[dict[str, Any]]:
        return [{"pair": code, "questions": keys} for code, keys in self.asked.items()]


def followup_of(session: Session, round_: Round) -> FollowupRound | None:
    """The follow-up row of a round, or None for an original round."""
    return session.get(FollowupRound, round_.id)


def plan(session: Session, parent: Round, selection: Selection) -> Plan:
    """The pairs and questions a follow-up of `parent` would ask, without creating it."""
    unknown = [s for s in selection.states if s not in SELECTABLE_STATES]
    if unknown:
        raise ServiceError("status", "unknown_status", status=", ".join(unknown))
    q = questionnaire_of(session, parent)
    bad = [key for key in selection.questions if key not in q.answerable_keys]
    if bad:
        raise ServiceError("questions", "unknown_question", keys=", ".join(bad))
    query = (
        select(Pair.code, Discrepancy.question_key)
        .join(Pair, Pair.id == Discrepancy.pair_id)
        .where(Discrepancy.round_id == parent.id, Discrepancy.status.in_(list(selection.states)))
    )
    if selection.pairs:
        known = set(session.scalars(select(Pair.code).where(Pair.study_id == parent.study_id)))
        missing = [code for code in selection.pairs if code not in known]
        if missing:
            raise ServiceError("pairs", "unknown_pairs", codes=", ".join(missing))
        query = query.where(Pair.code.in_(list(selection.pairs)))
    if selection.kinds:
        query = query.where(Pair.kind.in_(list(selection.kinds)))
    disputed: dict[str, set[str]] = {}
    for code, key in session.execute(query):
        partner = _mirror(q, key)
        if selection.questions and not {key, partner} & set(selection.questions):
            continue
        keys = {k for k in (key, partner) if k}
        disputed.setdefault(code, set()).update(keys, *(_inputs(q, k) for k in keys))
    order = {question.key: i for i, question in enumerate(q.questions())}
    found = Plan(
        {code: sorted(keys, key=order.__getitem__) for code, keys in sorted(disputed.items())}
    )
    if not found.asked:
        raise ServiceError(None, "nothing_to_follow_up")
    return found


def _inputs(q: Questionnaire, key: str) -> set[str]:
    """What a follow-up asks for a disputed calculation: nobody answers the calculation
    itself, so the questions it reads (through the calculations it reads) are asked, and
    it is computed again from their answers. Nothing for any other question."""
    found: set[str] = set()
    waiting, seen = [key], {key}
    while waiting:
        question = q.question(waiting.pop())
        if question.type != "calculate" or not question.calculation:
            continue
        try:
            read = parse(question.calculation).references
        except ExpressionError:
            continue  # validated at import: an older stored version asks nothing more
        for name in sorted(read - seen):
            seen.add(name)
            if name in q.answerable_keys:
                if q.question(name).is_asked:
                    found.add(name)
                waiting.append(name)
    return found


def _mirror(q: Questionnaire, key: str) -> str | None:
    try:
        return q.question(key).mirror
    except KeyError:
        return None


def create(  # noqa: PLR0913
    session: Session,
    parent: Round,
    name: str,
    selection: Selection,
    *,
    reveal: str = "none",
    user: User | None = None,
    slug: str | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    timezone: str | None = None,
) -> tuple[Round, Plan]:
    """Create a draft follow-up round of `parent` for the selected discrepancies (audited).

    Showing each side the partner's answers (`reveal="counterpart"`) is an owner's choice:
    `user` must be an owner of the study (or an administrator), named in the audit row.
    Dates are checked as for any round; the time zone is the original round's by default.
    """
    if reveal not in REVEALS:
        raise ServiceError("reveal", "unknown_reveal", reveal=reveal)
    if reveal == "counterpart" and not is_owner(session, parent.study_id, user):
        raise ServiceError("reveal", "reveal_owner")
    if followup_of(session, parent) is not None:
        raise ServiceError("round", "followup_of_followup", slug=parent.slug)
    found = plan(session, parent, selection)
    study = session.get(Study, parent.study_id)
    assert study is not None
    round_ = rounds.create_round(
        session,
        study,
        name,
        _spec(session, parent),
        pair_codes=list(found.asked),
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=timezone or parent.timezone,
        user=user,
        slug=slug,
    )
    round_.questionnaire_version_id = parent.questionnaire_version_id  # the very same version
    round_.invitation_texts = followup_texts.invitation_texts(reveal=reveal == "counterpart")
    round_.reminder_texts = followup_texts.reminder_texts()
    session.add(FollowupRound(round_id=round_.id, parent_id=parent.id, reveal=reveal))
    pair_ids = dict(
        session.execute(
            select(Pair.code, Pair.id).where(
                Pair.study_id == study.id, Pair.code.in_(list(found.asked))
            )
        ).all()
    )
    session.add_all(
        FollowupPair(round_id=round_.id, pair_id=pair_ids[code], questions=keys)
        for code, keys in found.asked.items()
    )
    session.flush()
    audit.record(
        session,
        "followup.create",
        study_id=study.id,
        object_type="round",
        object_id=str(round_.id),
        actor_user_id=user.id if user else None,
        details={
            "of": parent.slug,
            "slug": round_.slug,
            "pairs": len(found.asked),
            "questions": found.questions,
            "reveal": reveal,
            "states": list(selection.states),
        },
    )
    return round_, found


def is_owner(session: Session, study_id: int, user: User | None) -> bool:
    """Whether `user` is an owner of the study (administrators count as owners)."""
    if user is None:
        return False
    if user.is_admin:
        return True
    role = session.scalar(
        select(Membership.role).where(
            Membership.study_id == study_id, Membership.user_id == user.id
        )
    )
    return role == "owner"


def _spec(session: Session, parent: Round) -> str:
    from survey.questionnaires.models import QuestionnaireVersion

    version = session.get(QuestionnaireVersion, parent.questionnaire_version_id)
    assert version is not None
    return f"{version.key}@{version.version}"


def asked_of(session: Session, round_: Round) -> dict[int, list[str]]:
    """Pair id -> the question keys a follow-up round asks that pair."""
    query = select(FollowupPair.pair_id, FollowupPair.questions)
    return dict(session.execute(query.where(FollowupPair.round_id == round_.id)).all())


def followups_of(session: Session, parent: Round) -> list[Round]:
    """A round's follow-up rounds, oldest first."""
    return list(
        session.scalars(
            select(Round)
            .join(FollowupRound, FollowupRound.round_id == Round.id)
            .where(FollowupRound.parent_id == parent.id)
            .order_by(Round.created_at, Round.id)
        )
    )


def listing(session: Session, parent: Round) -> list[dict[str, Any]]:
    """A round's follow-ups as rows: slug, name, state, reveal, pairs, questions, submitted."""
    rows = []
    for round_ in followups_of(session, parent):
        reveal = session.get(FollowupRound, round_.id)
        asked = asked_of(session, round_)
        submitted = session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.round_id == round_.id, Invitation.state == "submitted")
        )
        rows.append(
            {
                "round": round_.slug,
                "of": parent.slug,
                "name": round_.name,
                "state": round_.state,
                "reveal": reveal.reveal if reveal else "none",
                "pairs": len(asked),
                "questions": sum(len(keys) for keys in asked.values()),
                "submitted": submitted or 0,
            }
        )
    return rows


def round_pair_ids(session: Session, round_: Round) -> list[int]:
    """The pair ids of a round."""
    return list(session.scalars(select(RoundPair.pair_id).where(RoundPair.round_id == round_.id)))
