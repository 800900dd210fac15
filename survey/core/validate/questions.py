"""Checks of each question: its type, options, bounds, lengths, pattern and compare rule."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator
from decimal import Decimal

from survey.core.questionnaire import MIN_OPTIONS, RULES, Question, Questionnaire, Special
from survey.core.types import TYPES, AnswerError
from survey.core.types.ranged import MAX_POINTS, points
from survey.core.validate.common import (
    BOUNDED_TYPES,
    CHOICE_TYPES,
    LENGTH_TYPES,
    OPTION_CODE,
    RULES_FOR_TYPE,
    Found,
    suggest,
)
from survey.core.validate.references import _mirror


def _question(q: Questionnaire, question: Question) -> Found:
    where = f"question '{question.key}'" if question.key else "a question without a key"
    if question.type not in TYPES:
        yield question.line, _unknown_type(question.type, where)
        return  # the other checks all depend on the type
    checks = (_options, _bounds, _range, _lengths, _compare, _note, _calculation, _behaviour)
    for check in (*checks, _mirror, _identifying):
        yield from ((question.line, message) for message in check(q, question, where))


def _unknown_type(name: str, where: str) -> str:
    expected = ", ".join(TYPES)
    if not name:
        return f"{where} has no type (add type: one of {expected})"
    hint = suggest(name, TYPES)
    return f"unknown question type '{name}' in {where} ({hint}expected one of: {expected})"


def _options(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    count = len(question.options)
    if question.type in CHOICE_TYPES and not count:
        yield f"{question.type} {where} has no options (add options: - {{code: …, label: …}})"
    elif question.type in CHOICE_TYPES and count < MIN_OPTIONS[question.type]:
        yield (
            f"{question.type} {where} needs at least {MIN_OPTIONS[question.type]} options "
            f"(has {count}; add options: - {{code: …, label: …}})"
        )
    elif question.type not in CHOICE_TYPES and count:
        fixed = " (yesno has the fixed codes yes and no)" if question.type == "yesno" else ""
        yield (
            f"{question.type} {where} cannot have options{fixed} "
            "(remove options; only single, multi, scale and rank questions have them)"
        )
    yield from _option_codes(question, where)


def _option_codes(question: Question, where: str) -> Iterator[str]:
    seen: set[str] = set()
    for index, option in enumerate(question.options, 1):
        code = option.code
        if not code:
            yield f"option #{index} of {where} has no code (add code: e.g. a{index})"
        elif code in tuple(Special):
            yield (
                f"option code '{code}' in {where} is reserved for don't know / refused "
                "(choose another code)"
            )
        elif not OPTION_CODE.fullmatch(code):
            yield (
                f"option code '{code}' in {where} is not valid "
                "(use letters, digits, '_', '-' and '.', without spaces or ';')"
            )
        if code and code in seen:
            yield (
                f"option code '{code}' appears twice in {where} "
                "(option codes must be unique within a question)"
            )
        seen.add(code)


def _bounds(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    given = {
        name: value for name in ("min", "max") if (value := getattr(question, name)) is not None
    }
    if given and question.type not in BOUNDED_TYPES:
        for name in given:
            yield (
                f"{name} is not allowed on {question.type} {where} "
                "(min and max apply to integer, number, year, date and range questions)"
            )
        return
    problems = [_bound_problem(question.type, name, value, where) for name, value in given.items()]
    yield from filter(None, problems)
    # Past the type checks both bounds are numbers, or both ISO dates (which sort as strings).
    if len(given) == 2 and not any(problems) and given["min"] > given["max"]:  # type: ignore[operator]
        low, high = given["min"], given["max"]
        yield f"min {low} is greater than max {high} in {where} (min must not exceed max)"


def _range(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.type != "range":
        if question.step is not None:
            yield (
                f"step is not allowed on {question.type} {where} (step applies to range questions)"
            )
        return
    missing = [name for name in ("min", "max") if getattr(question, name) is None]
    if missing:
        yield (
            f"range {where} needs {' and '.join(missing)} "
            "(write the scale's ends, e.g. min: 0 and max: 10)"
        )
        return
    step = question.step if question.step is not None else 1
    if not isinstance(step, int | float) or isinstance(step, bool) or not step > 0:
        yield f"step {step!r} of range {where} is not a number above 0 (write e.g. step: 1)"
        return
    low, high = question.min, question.max
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low > high:
        return  # _bounds says what is wrong with them
    if not points(question):
        yield (
            f"range {where} from {low} to {high} in steps of {step} offers more than "
            f"{MAX_POINTS - 1} values (use a larger step, or an integer question)"
        )
    elif Decimal(repr(float(high))) not in {Decimal(p) for p in points(question)}:
        yield (
            f"range {where}: {high} is not {low} plus a whole number of steps of {step} "
            "(make max - min a multiple of step)"
        )


def _bound_problem(kind: str, name: str, value: float | str, where: str) -> str | None:
    if kind == "date":
        if isinstance(value, str) and _iso_date(value):
            return None
        example = "write YYYY-MM-DD, e.g. 2009-01-31"
        return f"{name} of date {where} is not an ISO date ({value!r}; {example})"
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return None
    return f"{name} of {kind} {where} is not a number ({value!r}; write a number such as 0)"


def _iso_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def _lengths(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.pattern is not None:
        yield from _pattern(question, where)
    given = {
        name: value
        for name in ("min_length", "max_length")
        if (value := getattr(question, name)) is not None
    }
    if given and question.type not in LENGTH_TYPES:
        for name in given:
            yield (
                f"{name} is not allowed on {question.type} {where} "
                "(min_length and max_length apply to text and longtext questions)"
            )
        return
    for name, value in given.items():
        if value < 0:
            yield f"{name} {value} of {where} is negative (a length is 0 or more)"
    if len(given) == 2 and given["min_length"] > given["max_length"]:
        yield (
            f"min_length {given['min_length']} is greater than max_length "
            f"{given['max_length']} in {where} (min_length must not exceed max_length)"
        )


def _pattern(question: Question, where: str) -> Iterator[str]:
    if question.type != "text":
        yield f"pattern is not allowed on {question.type} {where} (pattern applies to text)"
        return
    try:
        re.compile(question.pattern or "")
    except (re.error, OverflowError, RecursionError) as error:
        yield (
            f"pattern {question.pattern!r} of {where} is not a valid regular expression: "
            f"{error} (check brackets, repetitions and backslashes)"
        )


def _compare(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    rule = question.compare
    if question.type == "note":
        if rule is not None:
            yield f"note {where} cannot be compared (remove compare; notes are never compared)"
        return
    allowed = RULES_FOR_TYPE[question.type]
    if rule is None:
        yield f"{where} has no compare rule (add compare: one of {', '.join(allowed)})"
    elif rule.kind not in allowed:
        hint = suggest(rule.kind, RULES) if rule.kind not in RULES else ""
        yield (
            f"compare rule '{rule.kind}' does not fit {question.type} {where} "
            f"({hint}allowed for {question.type}: {', '.join(allowed)})"
        )
    else:
        yield from _rule_value(rule.kind, rule.value, where)


def _rule_value(kind: str, value: float | None, where: str) -> Iterator[str]:
    if kind not in _EXAMPLES:
        return
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        yield f"compare rule '{kind}' of {where} has no number (write e.g. {_EXAMPLES[kind]})"
    elif kind == "overlap" and not 0 < value <= 1:
        yield (
            f"overlap {value} of {where} is out of range "
            "(the Jaccard overlap J must be greater than 0 and at most 1, e.g. {overlap: 0.5})"
        )
    elif kind == "tolerance" and value < 0:
        yield f"tolerance {value} of {where} is negative (a tolerance is 0 or more)"
    elif kind == "within_days" and (value < 0 or value != int(value)):
        yield (
            f"within_days {value} of {where} is not a whole number of days "
            "(write 0 or more, e.g. 31)"
        )
    elif kind == "within_minutes" and value < 0:
        yield f"within_minutes {value} of {where} is negative (write 0 or more, e.g. 30)"
    elif kind == "rank_agreement" and not -1 <= value <= 1:
        yield (
            f"rank_agreement {value} of {where} is out of range (Spearman's rho is between"
            " -1 and 1; write e.g. {rank_agreement: 0.8})"
        )


_EXAMPLES = {
    "overlap": "{overlap: 0.5}",
    "tolerance": "{tolerance: {abs: 1}} or {tolerance: {rel: 0.1}}",
    "within_days": "{within_days: 31}",
    "within_minutes": "{within_minutes: 30}",
    "rank_agreement": "{rank_agreement: 0.8}",
}


def _note(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.type == "note":
        if question.required or question.required_if is not None:
            yield f"note {where} cannot be required (remove required; a note has no answer)"
        if question.constraint is not None:
            yield f"note {where} cannot have a constraint (remove constraint; a note has no answer)"
        return
    if question.constraint_message and question.constraint is None:
        yield (
            f"{where} has a constraint_message but no constraint "
            "(add constraint: or remove constraint_message)"
        )
    if question.required_message and not (question.required or question.required_if):
        yield (
            f"{where} has a required_message but is not required "
            "(add required: true or required_if:, or remove required_message)"
        )
    if question.required and question.required_if is not None:
        yield (
            f"{where} is required and also required_if "
            "(keep one: required: true always, required_if: only while it holds)"
        )


def _behaviour(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    """default, read_only and dropdown: where they apply, and a default the type reads."""
    if question.dropdown and question.type != "single":
        yield (
            f"dropdown is not allowed on {question.type} {where} "
            "(a drop-down offers the options of a single question)"
        )
    if not question.is_answerable or question.type == "calculate":
        for name in ("default", "read_only"):
            if getattr(question, name):
                yield f"{question.type} {where} cannot have {name} (nobody answers it)"
        return
    if question.default is None:
        return
    raw = question.default.split() if question.type == "multi" else question.default
    try:
        value = TYPES[question.type].parse(question, raw)
        TYPES[question.type].validate(question, value)
    except AnswerError as error:
        yield f"default {question.default!r} of {where} is not a valid answer: {error}"


def _calculation(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.type != "calculate":
        if question.calculation is not None:
            yield (
                f"{question.type} {where} cannot have a calculation"
                " (remove calculation, or make it type: calculate)"
            )
        return
    if question.calculation is None:
        yield f'calculate {where} has no calculation (add calculation: e.g. "${{a}} + ${{b}}")'
    if question.required or question.required_if is not None:
        yield f"calculate {where} cannot be required (remove required; nobody answers it)"
    if question.constraint is not None:
        yield f"calculate {where} cannot have a constraint (remove constraint; nobody answers it)"


FREE_TEXT = ("text", "longtext")


def _identifying(q: Questionnaire, question: Question, where: str) -> Iterator[str]:
    if question.identifying and question.type not in FREE_TEXT:
        yield (
            f"{question.type} {where} cannot be identifying (remove identifying; only text and"
            " longtext answers are free text that may name a person)"
        )
