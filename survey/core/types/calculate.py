"""calculate: a value computed from earlier answers by its `calculation`, stored with them.

Nobody answers it: the service computes it (`core.calculations`) whenever its inputs change,
and stores it as XPath's string of the value ("12", "2009-03-01", "true"). It compares
like text (`exact`), or as numbers (`tolerance`) when both values are numbers.
"""

from __future__ import annotations

import math
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, Raw, as_special, is_blank, items
from survey.core.types.comparing import exact_text, tolerance


class CalculateType(QuestionType):
    """A computed value: never asked, stored, exported and compared."""

    name = "calculate"
    rules = ("exact", "tolerance", "review", "none")
    default_rule = "exact"
    comparators = {"exact": exact_text, "tolerance": tolerance}
    widget = "calculate"  # drawn as nothing: the respondent never sees an input for it

    def parse(self, q: Question, raw: Raw) -> Any:
        if items(raw):
            raise AnswerError("not_answerable")
        return None

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str):
            raise AnswerError("not_text")

    def as_number(self, q: Question, value: Any) -> float | None:
        if is_blank(value) or as_special(value) is not None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
