"""single: one option code out of the question's options."""

from __future__ import annotations

from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, label, normal
from survey.core.types.comparing import exact_code


class SingleType(QuestionType):
    """One option code out of the question's options."""

    name = "single"
    has_options = True
    comparators = {"exact": exact_code}
    export_kind = "code"
    widget = "radio"

    def parse_text(self, q: Question, text: str) -> str:
        return code_of(q, text)

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str) or value not in q.option_codes:
            raise AnswerError("unknown_option", code=str(value))

    def show(self, q: Question, value: Any, language: str) -> str:
        return label(q, value, language)


def code_of(q: Question, text: str) -> str:
    """The option code typed; full-width or padded input is matched after folding."""
    for candidate in (text, normal(text)):
        if candidate in q.option_codes:
            return candidate
    raise AnswerError("unknown_option", code=text)
