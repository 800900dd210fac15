"""range: a number on a scale from `min` to `max` in steps of `step` (XLSForm's range:
start, end, step), offered as a row of choices, stored as a number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import NUMBER, AnswerError, QuestionType, format_number, normal
from survey.core.types.comparing import exact_number, tolerance

MAX_POINTS = 1001  # a range offering more values than this is refused by the validator


class RangeType(QuestionType):
    """A value from min to max in steps of step, offered as a scale row."""

    name = "range"
    bounded = True
    rules = ("exact", "tolerance", "review", "none")
    comparators = {"exact": exact_number, "tolerance": tolerance}
    agreement_levels = ("ordinal", "interval", "ratio")
    export_kind = "number"
    widget = "radio"

    def parse_text(self, q: Question, text: str) -> int | float:
        folded = normal(text)
        if not NUMBER.fullmatch(folded):
            raise AnswerError("not_in_range", **_limits(q))
        number = Decimal(folded)
        value: int | float = int(number) if number == number.to_integral_value() else float(number)
        self.check(q, value)
        return value

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise AnswerError("not_in_range", **_limits(q))
        if format_number(value) not in points(q):
            raise AnswerError("not_in_range", **_limits(q))

    def show(self, q: Question, value: Any, language: str) -> str:
        return format_number(value)

    def as_number(self, q: Question, value: Any) -> float | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None


def points(q: Question) -> tuple[str, ...]:
    """Every value the range offers, as shown and sent: min, min + step, … up to max."""
    if not isinstance(q.min, int | float) or not isinstance(q.max, int | float):
        return ()
    low, high = Decimal(repr(q.min)), Decimal(repr(q.max))
    step = Decimal(repr(q.step if q.step else 1))
    if step <= 0 or high < low or (high - low) / step >= MAX_POINTS:
        return ()
    found, value = [], low
    while value <= high:
        found.append(format_number(float(value)) if value % 1 else str(int(value)))
        value += step
    return tuple(found)


def _limits(q: Question) -> dict[str, str]:
    return {
        "min": format_number(q.min) if isinstance(q.min, int | float) else "?",
        "max": format_number(q.max) if isinstance(q.max, int | float) else "?",
        "step": format_number(q.step or 1),
    }
