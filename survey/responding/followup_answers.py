"""A follow-up round's answers, whatever path they come by (its page, a file, the demo).

A follow-up asks each pair a few questions (`rounds.models.FollowupPair`): its answers
are checked and submitted against `one_page(q, asked_part(q, keys))`, the questionnaire
narrowed to those questions, each required and shown unconditionally. What an answer is
based on is kept per answer in `Explanation` rows, every change audited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit, sealing
from survey.core.questionnaire import Questionnaire, Section
from survey.db import utcnow
from survey.responding.models import Answer, Explanation
from survey.rounds.models import FollowupPair, FollowupRound, Invitation, Round
from survey.studies.models import Pair, PairSide, StudySide
from survey.templating import text_in

PART = "followup"  # the one page's key, remembered as the respondent's place
WHY_MAX = 2000


def asked_part(q: Questionnaire, keys: list[str]) -> Section:
    """The follow-up's one section: the asked questions, required, without show-if; a
    disputed calculation as it is (nobody answers it: it is computed again from its
    inputs, which the follow-up asks too)."""
    questions = tuple(
        dataclasses.replace(question, relevant=None, required=True)
        if question.is_asked
        else question
        for key in keys
        if key in q.answerable_keys and (question := q.question(key))
    )
    return Section(key=PART, title={}, questions=questions)


def one_page(q: Questionnaire, part: Section) -> Questionnaire:
    """The questionnaire as a follow-up's submit checks it: the asked questions only."""
    return dataclasses.replace(q, sections=(part,))


def asked_keys(session: Session, round_id: int, pair_id: int) -> list[str] | None:
    """The keys a follow-up round asks a pair; None when the round is no follow-up."""
    if session.get(FollowupRound, round_id) is None:
        return None
    asked = session.get(FollowupPair, (round_id, pair_id))
    return list(asked.questions) if asked else []


def original_answers(session: Session, round_id: int, pair_id: int) -> dict[int, dict[str, Any]]:
    """Side id -> the answers given in the original round by that side of the pair."""
    found: dict[int, dict[str, Any]] = {}
    invitations = select(Invitation.id, Invitation.side_id).where(
        Invitation.round_id == round_id, Invitation.pair_id == pair_id
    )
    sides = dict(session.execute(invitations).all())
    for side_id in sides.values():
        found[side_id] = {}
    if sides:
        rows = session.execute(
            select(Answer.invitation_id, Answer.question_key, Answer.value).where(
                Answer.invitation_id.in_(list(sides))
            )
        )
        for invitation_id, key, value in rows:
            if value is not None:
                found[sides[invitation_id]][key] = value
    return found


def partner_label(session: Session, pair_id: int, side_id: int, language: str | None) -> str:
    """The other side's label for this pair's kind, in `language`."""
    kind = session.scalar(select(Pair.kind).where(Pair.id == pair_id))
    side = session.scalar(
        select(StudySide)
        .join(PairSide, PairSide.side_id == StudySide.id)
        .where(PairSide.pair_id == pair_id, StudySide.id != side_id)
    )
    return text_in(side.label_for(kind or ""), language) if side else ""


def explanations_of(session: Session, invitation_id: int) -> dict[str, str]:
    """Question key -> what the answer is based on, as stored."""
    rows = session.execute(
        select(Explanation.question_key, Explanation.text).where(
            Explanation.invitation_id == invitation_id
        )
    )
    return dict(rows.all())


def save_explanations(
    session: Session,
    invitation: Invitation,
    typed: Mapping[str, str],
    *,
    actor_user_id: int | None = None,
) -> dict[str, list[str]]:
    """Store what changed of the explanations, with one audit row listing old and new."""
    stored = {
        row.question_key: row
        for row in session.scalars(
            select(Explanation).where(Explanation.invitation_id == invitation.id)
        )
    }
    changes = {
        key: [stored[key].text if key in stored else "", text[:WHY_MAX]]
        for key, text in typed.items()
        if text[:WHY_MAX] != (stored[key].text if key in stored else "")
    }
    if not changes:
        return {}
    for key, (_old, text) in changes.items():
        row = stored.get(key)
        if row is None:
            session.add(Explanation(invitation_id=invitation.id, question_key=key, text=text))
        else:
            row.text, row.updated_at = text, utcnow()
    round_ = session.get(Round, invitation.round_id)
    audit.record(
        session,
        "answer.explain",
        study_id=round_.study_id if round_ else None,
        object_type="invitation",
        object_id=str(invitation.id),
        details=sealing.seal(
            session.connection(),
            invitation.respondent_id,
            {"questions": sorted(changes), "changes": changes},
            ["changes"],
        ),
        actor_user_id=actor_user_id,
        actor_invitation_id=None if actor_user_id else invitation.id,
        on_behalf_of=f"respondent:{invitation.respondent_id}",
    )
    session.flush()
    return changes
