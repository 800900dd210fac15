"""multi: any number of option codes, stored as a list in option order."""

from __future__ import annotations

from typing import Any

from survey.core.questionnaire import Question
from survey.core.types.base import (
    SPECIAL_CODES,
    AnswerError,
    QuestionType,
    Raw,
    items,
    label,
    normal,
    special,
)
from survey.core.types.comparing import overlap, same_set
from survey.core.types.single import code_of


class MultiType(QuestionType):
    """Any number of option codes, stored as a list in option order without duplicates."""

    name = "multi"
    has_options = True
    rules = ("set", "overlap", "review", "none")
    default_rule = "set"
    comparators = {"exact": same_set, "set": same_set, "overlap": overlap}
    agreement_levels = ("set",)
    export_kind = "codes"
    widget = "checkbox"

    def parse(self, q: Question, raw: Raw) -> Any:
        chosen_items = items(raw)
        if not chosen_items:
            return None
        if len(chosen_items) == 1 and (named := special(q, chosen_items[0])):
            return named
        if any(normal(item).lower() in SPECIAL_CODES for item in chosen_items):
            raise AnswerError("special_not_alone")
        chosen = {code_of(q, item) for item in chosen_items}
        return [code for code in q.option_codes if code in chosen]

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, list | tuple):
            raise AnswerError("unknown_option", code=str(value))
        for code in value:
            if not isinstance(code, str) or code not in q.option_codes:
                raise AnswerError("unknown_option", code=str(code))

    def show(self, q: Question, value: Any, language: str) -> str:
        return "; ".join(label(q, code, language) for code in value)
