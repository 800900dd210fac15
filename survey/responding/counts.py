"""Stored answers counted per question and option, for a new version's impact report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.questionnaires.models import QuestionnaireVersion
from survey.responding.models import Answer
from survey.rounds.models import Invitation, Round


def answer_counts(session: Session, scope: str, key: str) -> dict[tuple[str, str | None], int]:
    """Answers held for each question (and option code) in rounds pinned to versions of `key`."""
    rows = session.execute(
        select(Answer.question_key, Answer.value)
        .join(Invitation, Invitation.id == Answer.invitation_id)
        .join(Round, Round.id == Invitation.round_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
        .where(
            QuestionnaireVersion.scope == scope,
            QuestionnaireVersion.key == key,
            Answer.value.is_not(None),
        )
    )
    counts: dict[tuple[str, str | None], int] = {}
    for question_key, value in rows:
        counts[(question_key, None)] = counts.get((question_key, None), 0) + 1
        for code in value if isinstance(value, list) else [value]:
            if isinstance(code, str):
                counts[(question_key, code)] = counts.get((question_key, code), 0) + 1
    return counts
