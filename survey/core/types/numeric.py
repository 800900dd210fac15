"""What integer, number and year share: range checks, display and their number."""

from __future__ import annotations

from typing import Any, ClassVar

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, as_special, format_number, is_blank
from survey.core.types.comparing import exact_number, tolerance


class NumericType(QuestionType):
    """Shared by integer, number and year: range checks, display and as_number."""

    too_small: ClassVar[str] = "below_min"
    too_large: ClassVar[str] = "above_max"
    bounded = True
    rules = ("exact", "tolerance", "review", "none")
    comparators = {"exact": exact_number, "tolerance": tolerance}
    agreement_levels = ("interval", "ratio")
    input_attributes = ' type="text" inputmode="numeric" class="short"'

    def check(self, q: Question, value: Any) -> None:
        self.check_kind(value)
        if q.min is not None and value < float(q.min):
            raise AnswerError(self.too_small, min=format_number(q.min))
        if q.max is not None and value > float(q.max):
            raise AnswerError(self.too_large, max=format_number(q.max))

    def check_kind(self, value: Any) -> None:
        """Raise unless the stored value has this type's Python type."""
        raise NotImplementedError

    def show(self, q: Question, value: Any, language: str) -> str:
        return format_number(value)

    def as_number(self, q: Question, value: Any) -> float | None:
        if is_blank(value) or as_special(value) is not None:
            return None
        return float(value)
