"""rank: an ordering of the question's options, first place first, stored as the list of
every option code in the order given; compared by Spearman's rank correlation."""

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
from survey.core.types.comparing import exact_order, rank_agreement
from survey.core.types.single import code_of


class RankType(QuestionType):
    """Every option in a place of its own: a list of all the codes, first place first."""

    name = "rank"
    has_options = True
    rules = ("exact", "rank_agreement", "review", "none")
    comparators = {"exact": exact_order, "rank_agreement": rank_agreement}
    agreement_levels = ("nominal",)
    export_kind = "string"  # the codes joined by ';' in their order
    widget = "rank"

    def parse(self, q: Question, raw: Raw) -> Any:
        given = items(raw)
        if not given:
            return None
        if len(given) == 1 and (named := special(q, given[0])):
            return named
        if any(normal(item).lower() in SPECIAL_CODES for item in given):
            raise AnswerError("special_not_alone")
        order = [code_of(q, item) for item in given]
        self.check(q, order)
        return order

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
            raise AnswerError("rank_incomplete")
        for code in value:
            if code not in q.option_codes:
                raise AnswerError("unknown_option", code=code)
        if len(value) != len(q.option_codes) or len(set(value)) != len(value):
            raise AnswerError("rank_incomplete")

    def input_value(self, q: Question, value: Any) -> Any:
        return list(value) if isinstance(value, list | tuple) else value

    def show(self, q: Question, value: Any, language: str) -> str:
        placed = enumerate(value, start=1)
        return "; ".join(f"{place}. {label(q, code, language)}" for place, code in placed)
