"""date: a calendar date, stored as 'YYYY-MM-DD'."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import AnswerError, QuestionType, normal
from survey.core.types.comparing import exact_date, within_days

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateType(QuestionType):
    """A calendar date, stored as 'YYYY-MM-DD'."""

    name = "date"
    bounded = True
    rules = ("exact", "within_days", "review", "none")
    comparators = {"exact": exact_date, "within_days": within_days}
    agreement_levels = ("interval",)
    export_kind = "date"
    input_attributes = ' type="date"'

    def parse_text(self, q: Question, text: str) -> str:
        folded = normal(text)
        self.check_kind(folded)
        return folded

    def check(self, q: Question, value: Any) -> None:
        self.check_kind(value)
        # ISO dates with four-digit years order correctly as strings.
        if q.min is not None and value < str(q.min):
            raise AnswerError("date_too_early", min=str(q.min))
        if q.max is not None and value > str(q.max):
            raise AnswerError("date_too_late", max=str(q.max))

    @staticmethod
    def check_kind(value: Any) -> None:
        """Raise not_date unless `value` is an existing date written YYYY-MM-DD."""
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise AnswerError("not_date")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise AnswerError("not_date") from None
