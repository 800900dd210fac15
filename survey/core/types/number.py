"""number: a decimal number, stored as int when typed without a decimal point, else float."""

from __future__ import annotations

import math
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import MAX_DIGITS, NUMBER, AnswerError, digits, normal
from survey.core.types.numeric import NumericType


class NumberType(NumericType):
    """A decimal number, stored as int when typed without a decimal point, else float."""

    name = "number"
    export_kind = "number"
    input_attributes = ' type="text" inputmode="decimal" class="short"'

    def parse_text(self, q: Question, text: str) -> int | float:
        folded = normal(text)
        if not NUMBER.fullmatch(folded):
            raise AnswerError("not_number")
        if digits(folded) > MAX_DIGITS:
            raise AnswerError("too_many_digits", max_digits=MAX_DIGITS)
        return float(folded) if "." in folded else int(folded)

    def check_kind(self, value: Any) -> None:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not math.isfinite(value):
            raise AnswerError("not_number")
