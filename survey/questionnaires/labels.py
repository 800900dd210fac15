"""A study's questions and options in words, for pages that show answers by key and code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.studies.models import Study

Texts = dict[str, str]  # language tag -> text


def question_labels(session: Session, study: Study) -> dict[str, tuple[Texts, dict[str, Texts]]]:
    """Each question key of the study's questionnaires: its text and its options' labels.

    Versions are read oldest first, so the newest version's words win for a key
    that several share.
    """
    rows = session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.study_id == study.id)
        .order_by(QuestionnaireVersion.id)
    )
    labels: dict[str, tuple[Texts, dict[str, Texts]]] = {}
    for row in rows:
        for question in model_of(row).questions():
            options = {option.code: dict(option.label) for option in question.options}
            labels[question.key] = (dict(question.text), options)
    return labels
