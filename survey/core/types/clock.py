"""time: a time of day, stored as 'HH:MM' (or 'HH:MM:SS' when the seconds were given)."""

from __future__ import annotations

import re
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, normal
from survey.core.types.comparing import exact_moment, within_minutes

# hours:minutes[:seconds[.fraction]][offset]: ODK writes "14:30:00.000+08:00"
_TIME = re.compile(
    r"(?P<h>[01]?[0-9]|2[0-3]):(?P<m>[0-5][0-9])(?::(?P<s>[0-5][0-9])(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)


class TimeType(QuestionType):
    """A time of day on a 24-hour clock, without a date; the wall clock the person gave."""

    name = "time"
    rules = ("exact", "within_minutes", "review", "none")
    comparators = {"exact": exact_moment, "within_minutes": within_minutes}
    export_kind = "time"  # typed in SPSS, Stata and R; as stored in CSV, XLSX, JSON
    input_attributes = ' type="time" class="short"'

    def parse_text(self, q: Question, text: str) -> str:
        found = _TIME.fullmatch(normal(text).replace("：", ":"))
        if found is None:
            raise AnswerError("not_time")
        seconds = found["s"] if found["s"] and found["s"] != "00" else None
        shown = f"{int(found['h']):02d}:{found['m']}"
        return f"{shown}:{seconds}" if seconds else shown

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str) or not re.fullmatch(
            r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?", value
        ):
            raise AnswerError("not_time")
