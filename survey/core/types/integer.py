"""integer: a whole number, stored as int."""

from __future__ import annotations

import re
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import MAX_DIGITS, AnswerError, digits, normal
from survey.core.types.numeric import NumericType

_INTEGER = re.compile(r"[+-]?[0-9]+")


class IntegerType(NumericType):
    """A whole number, stored as int."""

    name = "integer"
    export_kind = "integer"

    def parse_text(self, q: Question, text: str) -> int:
        folded = normal(text)
        if not _INTEGER.fullmatch(folded):
            raise AnswerError("not_integer")
        if digits(folded) > MAX_DIGITS:
            raise AnswerError("too_many_digits", max_digits=MAX_DIGITS)
        return int(folded)

    def check_kind(self, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswerError("not_integer")
