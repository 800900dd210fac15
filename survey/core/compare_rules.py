"""The compare rules on two present values, as each question type applies them.

The rules themselves (exact, set, overlap, tolerance, within_days) are in
`core.types.comparing`, and each type in `core.types` names those that apply to it. Text
is compared after `normalize_text`; a value a rule cannot read goes to review."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from survey.core.questionnaire import CompareRule, Question
from survey.core.types import type_of
from survey.core.types.base import Verdict
from survey.core.types.comparing import UnreadableError as _UnreadableError
from survey.core.types.comparing import normalize_text

Comparator = Callable[[Question, CompareRule, Any, Any], Verdict]


def _comparator(question: Question, rule: CompareRule) -> Comparator:
    """How `rule` compares two answers to `question`; ValueError when it does not apply."""
    question_type = type_of(question)
    return partial(question_type.comparator(question, rule), question_type)


def compare_values(question: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    """Outcome and detail for two present, non-special values under `rule`."""
    try:
        return _comparator(question, rule)(question, rule, a, b)
    except _UnreadableError as error:
        return ("review", str(error))


__all__ = ["Comparator", "Verdict", "compare_values", "normalize_text"]
