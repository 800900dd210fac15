"""The question-type registry: one class per type, one module per class.

Each type (STYLE.md point 12) parses form or CSV input, validates a stored value against
the question's limits, displays a value as text in a language, gives its number for
numeric comparison, and says which widget asks for it, which compare rules apply to it
(and how they compare two answers), which agreement levels fit, and how exports encode
it. A new type is one new module here: the registry finds every `QuestionType` subclass
with a name in this package's modules. Stored values follow docs/questionnaire-format.md
"Answer values".

Text answers are stored exactly as typed (QUALITY.md I18N-03); only numbers, dates,
years and codes are normalised on the way in (full-width digits, surrounding spaces).
The strings "dk" and "rf" are the special answers wherever they are stored, so option
codes must never be "dk" or "rf".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from datetime import date
from typing import Any

from survey.core import expressions
from survey.core.choices import not_offered
from survey.core.questionnaire import TYPES as MODEL_TYPES
from survey.core.questionnaire import Question
from survey.core.types.base import (
    ERROR_MESSAGES,
    MAX_DIGITS,
    YESNO_LABELS,
    AnswerError,
    QuestionType,
    Raw,
    as_special,
    format_number,
    is_blank,
)
from survey.core.types.comparing import normalize_text


def _discovered() -> dict[str, QuestionType]:
    """One instance of every named QuestionType in this package's modules, by name."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found: dict[str, QuestionType] = {}
    classes = list(QuestionType.__subclasses__())
    while classes:
        cls = classes.pop(0)
        classes.extend(cls.__subclasses__())
        if cls.__dict__.get("name"):
            found[cls.name] = cls()
    order = {name: index for index, name in enumerate(MODEL_TYPES)}  # the documented order
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


TYPES: dict[str, QuestionType] = _discovered()


def type_of(q: Question) -> QuestionType:
    """The registered type of a question."""
    try:
        return TYPES[q.type]
    except KeyError:
        raise ValueError(f"question {q.key!r} has unknown type {q.type!r}") from None


def check_answer(
    q: Question, value: Any, answers: Mapping[str, Any], *, today: date | None = None
) -> AnswerError | None:
    """Everything wrong with one stored answer (required, limits, constraint), or None."""
    if is_blank(value):
        needed = q.required or (q.required_if is not None and _needed(q, answers, today))
        return AnswerError("required") if needed and q.is_answerable else None
    try:
        type_of(q).validate(q, value)
    except AnswerError as error:
        return error
    if as_special(value) is None and (gone := not_offered(q, value, answers, today)):
        return AnswerError("not_offered", code=", ".join(gone))
    if as_special(value) is None and q.constraint and not _holds(q, value, answers, today):
        return AnswerError("constraint")
    if q.columns and isinstance(value, list):  # a roster: each row's cells in that row
        from survey.core.types.roster import RosterError, row_problems

        cells = row_problems(q, value, answers, today)
        return RosterError(cells) if cells else None
    return None


def _needed(q: Question, answers: Mapping[str, Any], today: date | None) -> bool:
    return expressions.parse(q.required_if or "").test(answers, today=today)


def _holds(q: Question, value: Any, answers: Mapping[str, Any], today: date | None) -> bool:
    # expressions.parse keeps an lru_cache of parsed sources, so this stays cheap per call.
    return expressions.parse(q.constraint or "").test(answers, current=value, today=today)


__all__ = [
    "ERROR_MESSAGES",
    "MAX_DIGITS",
    "TYPES",
    "YESNO_LABELS",
    "AnswerError",
    "QuestionType",
    "Raw",
    "as_special",
    "check_answer",
    "format_number",
    "is_blank",
    "normalize_text",
    "type_of",
]
