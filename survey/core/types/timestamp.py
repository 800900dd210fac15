"""datetime: a date and a time of day, stored as 'YYYY-MM-DDTHH:MM' (seconds when given,
the offset from UTC when given: an ODK export writes '2009-03-01T14:30:00.000+08:00')."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, normal
from survey.core.types.comparing import exact_moment, within_minutes

_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


class DateTimeType(QuestionType):
    """A date and a time of day: the wall clock the person gave, with its offset if any."""

    name = "datetime"
    rules = ("exact", "within_minutes", "review", "none")
    comparators = {"exact": exact_moment, "within_minutes": within_minutes}
    export_kind = "clock"  # a wall clock: typed in SPSS, Stata and R; as stored elsewhere
    input_attributes = ' type="datetime-local"'

    def parse_text(self, q: Question, text: str) -> str:
        folded = normal(text).replace("：", ":")
        if not _DATETIME.fullmatch(folded):
            raise AnswerError("not_datetime")
        try:
            moment = datetime.fromisoformat(folded.replace(" ", "T").replace("Z", "+00:00"))
        except ValueError:
            raise AnswerError("not_datetime") from None
        return stored(moment)

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, str) or not _DATETIME.fullmatch(value) or " " in value:
            raise AnswerError("not_datetime")
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise AnswerError("not_datetime") from None

    def show(self, q: Question, value: Any, language: str) -> str:
        return str(value).replace("T", " ")

    def input_value(self, q: Question, value: Any) -> Any:
        return str(value)[:19]  # a datetime-local field holds no offset from UTC


def stored(moment: datetime) -> str:
    """How a date and time is stored: to the minute, seconds when not 0, the offset if any."""
    shown = moment.strftime("%Y-%m-%dT%H:%M" + (":%S" if moment.second else ""))
    offset = moment.strftime("%z")
    return f"{shown}{offset[:3]}:{offset[3:]}" if offset else shown
