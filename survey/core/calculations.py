"""Calculated values: each `calculate` question's expression over the answers before it.

`calculated(q, answers)` gives every calculation's value in form order, each seeing the
answers and the calculations before it; a calculation that is not relevant (its own or
its section's `relevant` does not hold) has no value (None). Values are stored as XPath's
string of the result, so they read back the same in expressions, exports and comparison.
A result that is no number (NaN: arithmetic on an answer not given, without `coalesce`)
or the empty string is no value either: nothing is stored, exported or compared, where
ODK would store the text "NaN". `jr:choice-name` gives the option's label in the
questionnaire's base language (a stored value is the same whoever answered in whatever
language), unless the caller passes `labels`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from survey.core.expressions import ExpressionError, parse, to_string
from survey.core.questionnaire import FALLBACKS, Questionnaire, text_in
from survey.core.relevance import question_relevant

Labels = Callable[[str, str], str]


def calculated(
    q: Questionnaire,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    labels: Labels | None = None,
) -> dict[str, str | None]:
    """Every calculation's value (None when not relevant), in form order."""
    seen = dict(answers)
    labels = labels or base_labels(q)
    values: dict[str, str | None] = {}
    for section in q.sections:
        for question in section.questions:
            if question.type != "calculate" or question.calculation is None:
                continue
            value = None
            if question_relevant(section, question, seen, today):
                try:
                    result = parse(question.calculation).evaluate(seen, today=today, labels=labels)
                except ExpressionError:
                    result = None  # e.g. a number that is not one yet: no value, as in ODK
                if isinstance(result, float) and math.isnan(result):
                    result = None  # no number: no value, rather than the text "NaN"
                value = None if result is None else to_string(result)
                value = value or None  # XPath's empty string is no value: nothing stored
            values[question.key] = seen[question.key] = value
    return values


def base_labels(q: Questionnaire) -> Labels:
    """`jr:choice-name`'s labels: an option's label in the questionnaire's base language
    (falling back as the pages do), or the code itself where there is no such option."""
    language = q.base_language

    def label(key: str, code: str) -> str:
        try:
            option = q.question(key).option(code)
        except KeyError:
            return code
        if option is None:
            return code
        return text_in(option.label, language, FALLBACKS.get(language, ()))[0] or code

    return label


def changed(
    q: Questionnaire,
    stored: Mapping[str, Any],
    answers: Mapping[str, Any],
    today: dt.date | None = None,
) -> dict[str, str | None]:
    """The calculations whose value over `answers` differs from the `stored` one: what a
    save stores with the answers it changed (inputs changed, so the value is recomputed)."""
    return {
        key: value
        for key, value in calculated(q, answers, today).items()
        if stored.get(key) != value
    }
