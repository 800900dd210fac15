"""A follow-up round's answers, whatever path they come by (its page, a file, the demo).

A follow-up asks each pair a few questions (`rounds.models.FollowupPair`): its answers
are checked and submitted against `one_page(q, asked_part(q, keys))`, the questionnaire
narrowed to those questions, each required and shown unconditionally. What an answer is
based on is kept per answer in `Explanation` rows, every change audited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.core.questionnaire import Questionnaire, Section
from survey.db import utcnow
from survey.responding.models import Explanation
from survey.rounds.models import FollowupPair, FollowupRound, Invitation, Round

PART = "followup"  # the one page's key, remembered as the respondent's place
WHY_MAX = 2000


def asked_part(q: Questionnaire, keys: list[str]) -> Section:
    """The follow-up's one section: the asked questions, required, without show-if."""
    questions = tuple(
        dataclasses.replace(q.question(key), relevant=None, required=True)
        for key in keys
        if key in q.answerable_keys
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
        details={"changes": changes},
        actor_user_id=actor_user_id,
        actor_invitation_id=None if actor_user_id else invitation.id,
        on_behalf_of=f"respondent:{invitation.respondent_id}",
    )
    session.flush()
    return changes
