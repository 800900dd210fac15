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

A roster's `calculate` columns are computed in each of its rows, from that row's earlier
cells (`${size}` is this row's size) and the answers and calculations before the roster:
`calculated` gives such a roster's rows with their values (a row's value that is no value
leaves its cell out, as a top-level calculation stores nothing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from survey.core.expressions import ExpressionError, parse, to_string
from survey.core.questionnaire import FALLBACKS, Question, Questionnaire, text_in
from survey.core.relevance import question_relevant
from survey.core.types.roster import column_relevant

Labels = Callable[[str, str], str]


def calculated(
    q: Questionnaire,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    labels: Labels | None = None,
) -> dict[str, Any]:
    """Every calculation's value (None when not relevant), in form order; and the rows,
    with their calculated cells, of every answered roster that has calculate columns."""
    seen = dict(answers)
    labels = labels or base_labels(q)
    values: dict[str, Any] = {}
    for section in q.sections:
        for question in section.questions:
            if _calculates_rows(question) and isinstance(seen.get(question.key), list):
                rows = seen[question.key]
                values[question.key] = seen[question.key] = row_values(
                    question, rows, seen, today, labels, language=q.base_language
                )
                continue
            if question.type != "calculate" or question.calculation is None:
                continue
            value = None
            if question_relevant(section, question, seen, today):
                value = _value(question.calculation, seen, today, labels)
            values[question.key] = seen[question.key] = value
    return values


def _calculates_rows(question: Question) -> bool:
    return any(column.type == "calculate" for column in question.columns)


def row_values(
    roster: Question,
    rows: list[Any],
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    labels: Labels | None = None,
    *,
    relevant: bool = False,
    language: str | None = None,
) -> list[Any]:
    """The roster's rows with each calculate column computed in its row, in column order
    (a calculation reads the row's earlier cells, calculated ones too); a cell with no
    value is left out. With `relevant`, a cell whose column does not apply in its row (over
    the cells before it, as the validator lets `relevant` read only those) goes as well, so
    that a column's `relevant` may read a calculated cell and a calculation reads only
    cells that apply: what a save stores."""
    found = []
    named = _column_labels(roster, labels or _no_labels, language)
    blank = dict.fromkeys(column.key for column in roster.columns)
    for row in rows:
        if not isinstance(row, dict):
            return rows  # not rows: the roster's own check refuses them
        cells: dict[str, Any] = {}
        for column in roster.columns:
            applies = column_relevant(column, cells, answers, today)
            if column.type != "calculate":
                if column.key in row and (applies or not relevant):
                    cells[column.key] = row[column.key]
                continue
            if column.calculation is not None and applies:
                scope = {**answers, **blank, **cells}  # ${mode}: this row's, even when blank
                value = _value(column.calculation, scope, today, named)
                if value is not None:
                    cells[column.key] = value
        cells |= {k: v for k, v in row.items() if roster.column(k) is None}  # kept as given
        found.append(cells)
    return found


def _no_labels(key: str, code: str) -> str:
    return code


def _column_labels(roster: Question, labels: Labels, language: str | None) -> Labels:
    """`jr:choice-name` in a row: a column's options are the row's own (their label in
    `language`, as a top-level question's in the base language); other keys as `labels`."""

    def label(key: str, code: str) -> str:
        column = roster.column(key)
        option = column.option(code) if column is not None else None
        if option is None:
            return labels(key, code)
        if language is None:
            return next(iter(option.label.values()), "") or code
        return text_in(option.label, language, FALLBACKS.get(language, ()))[0] or code

    return label


def _value(
    calculation: str, scope: Mapping[str, Any], today: dt.date | None, labels: Labels
) -> str | None:
    """A calculation's stored value: XPath's string of its result, or None for no value."""
    try:
        result = parse(calculation).evaluate(scope, today=today, labels=labels)
    except ExpressionError:
        return None  # e.g. a number that is not one yet: no value, as in ODK
    if isinstance(result, float) and math.isnan(result):
        return None  # no number: no value, rather than the text "NaN"
    return None if result is None else to_string(result) or None  # "" is no value


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
) -> dict[str, Any]:
    """The calculations whose value over `answers` differs from the `stored` one: what a
    save stores with the answers it changed (inputs changed, so the value is recomputed);
    a roster with calculate columns is one of them when a row's value changed."""
    return {
        key: value
        for key, value in calculated(q, answers, today).items()
        if stored.get(key) != value
    }
