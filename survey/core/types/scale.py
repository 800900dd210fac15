"""scale: an ordinal scale, one option code out of options listed low to high."""

from __future__ import annotations

from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import NUMBER
from survey.core.types.comparing import exact_code, tolerance
from survey.core.types.single import SingleType


class ScaleType(SingleType):
    """An ordinal scale: one option code, options listed low to high."""

    name = "scale"
    rules = ("exact", "tolerance", "review", "none")
    comparators = {"exact": exact_code, "tolerance": tolerance}
    agreement_levels = ("ordinal", "nominal", "interval")

    def as_number(self, q: Question, value: Any) -> float | None:
        # Numeric codes only when every code is numeric, so the values stay in scale order.
        codes = q.option_codes
        if value not in codes:
            return None
        if all(NUMBER.fullmatch(code) for code in codes):
            return float(value)
        return float(codes.index(value) + 1)
