"""Cascading selects: the options a question with a `choice_filter` offers, given the answers.

XLSForm's `choice_filter` (e.g. `province = ${province}`) is tested on each option in
turn: a bare name is a column of that option (`Option.columns`; `name` is its code), a
`${key}` the answer so far. An option is offered while the filter holds for it; a
question without a filter offers all its options. A filter that cannot be parsed
(validated at import, so only a stored older version) offers every option.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from survey.core.expressions import ExpressionError, parse_filter
from survey.core.questionnaire import Option, Question


def offered(
    question: Question, answers: Mapping[str, Any], today: dt.date | None = None
) -> tuple[Option, ...]:
    """The options of `question` offered now, in their order."""
    if not question.choice_filter:
        return question.options
    try:
        expression = parse_filter(question.choice_filter)
    except ExpressionError:
        return question.options
    return tuple(
        option
        for option in question.options
        if expression.test(answers, today=today, choice=columns_of(option))
    )


def columns_of(option: Option) -> dict[str, str]:
    """What a choice_filter reads of an option: its columns, and `name`, its code."""
    return {**option.columns, "name": option.code}


def not_offered(
    question: Question, value: Any, answers: Mapping[str, Any], today: dt.date | None = None
) -> list[str]:
    """The codes of a real answer (a code or a list of codes) that the filter no longer offers."""
    if not question.choice_filter:
        return []
    codes = value if isinstance(value, list | tuple) else [value]
    allowed = {option.code for option in offered(question, answers, today)}
    return [code for code in codes if isinstance(code, str) and code not in allowed]
