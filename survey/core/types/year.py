"""year: a calendar year of four digits, stored as int."""

from __future__ import annotations

import re
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, normal
from survey.core.types.numeric import NumericType

_YEAR = re.compile(r"[1-9][0-9]{3}")


class YearType(NumericType):
    """A calendar year of four digits, stored as int."""

    name = "year"
    too_small = "year_too_early"
    too_large = "year_too_late"
    agreement_levels = ("interval",)
    export_kind = "integer"

    def parse_text(self, q: Question, text: str) -> int:
        folded = normal(text)
        if not _YEAR.fullmatch(folded):
            raise AnswerError("not_year")
        return int(folded)

    def check_kind(self, value: Any) -> None:
        plain_int = isinstance(value, int) and not isinstance(value, bool)
        if not plain_int or not 1000 <= value <= 9999:
            raise AnswerError("not_year")
