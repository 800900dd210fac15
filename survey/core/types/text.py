"""text: a line of free text, stored exactly as typed."""

from __future__ import annotations

import re
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType
from survey.core.types.comparing import exact_text

# PostgreSQL refuses NUL, XLSX refuses the other C0 controls, UTF-8 refuses lone surrogates.
_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class TextType(QuestionType):
    """A line of free text, stored exactly as typed."""

    name = "text"
    exact_specials = True
    has_length = True
    default_rule = "review"
    comparators = {"exact": exact_text}

    def parse_text(self, q: Question, text: str) -> str:
        _check_characters(text)
        return text

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str):
            raise AnswerError("not_text")
        _check_characters(value)
        if q.min_length is not None and len(value) < q.min_length:
            raise AnswerError("too_short", min_length=q.min_length)
        if q.max_length is not None and len(value) > q.max_length:
            raise AnswerError("too_long", max_length=q.max_length)
        if q.pattern and not re.search(q.pattern, value):
            raise AnswerError("pattern")


def _check_characters(text: str) -> None:
    if _BAD_CHARACTERS.search(text):
        raise AnswerError("bad_character")
