"""Which questions apply to a respondent, given their answers so far (`relevant`, show-if)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from survey.core.expressions import parse
from survey.core.questionnaire import Question, Questionnaire, Section
from survey.core.types import AnswerError, check_answer, is_blank


def section_relevant(
    section: Section, answers: Mapping[str, Any], today: dt.date | None = None
) -> bool:
    """Whether a section's own `relevant` holds."""
    return section.relevant is None or parse(section.relevant).test(answers, today=today)


def question_relevant(
    section: Section, question: Question, answers: Mapping[str, Any], today: dt.date | None = None
) -> bool:
    """Whether a question is shown: its section's and its own `relevant` both hold."""
    if not section_relevant(section, answers, today):
        return False
    return question.relevant is None or parse(question.relevant).test(answers, today=today)


def relevant_answers(
    q: Questionnaire, answers: Mapping[str, Any], today: dt.date | None = None
) -> dict[str, Any]:
    """The answers that count: those of questions relevant now (others are kept, not counted)."""
    return {
        question.key: answers[question.key]
        for section in q.sections
        for question in section.questions
        if question.key in answers and question_relevant(section, question, answers, today)
    }


def problems(
    q: Questionnaire,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    sections: set[str] | None = None,
) -> dict[str, AnswerError]:
    """What is wrong per question key, over the relevant questions (required, type, constraint)."""
    found: dict[str, AnswerError] = {}
    for section in q.sections:
        if sections is not None and section.key not in sections:
            continue
        for question in section.questions:
            if not question.is_answerable or not question_relevant(
                section, question, answers, today
            ):
                continue
            error = check_answer(question, answers.get(question.key), answers, today=today)
            if error is not None:
                found[question.key] = error
    return found


def answered(value: Any) -> bool:
    """Whether a stored value counts as an answer (a special answer does)."""
    return not is_blank(value)
