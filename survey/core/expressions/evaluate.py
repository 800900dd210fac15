"""Evaluating a tree against answers: the functions, and evaluation that never raises."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from survey.core.expressions.functions import FUNCTIONS
from survey.core.expressions.patterns import python_pattern
from survey.core.expressions.strings import words
from survey.core.expressions.tree import Binary, Call, Column, Literal, Negate, Node, Ref
from survey.core.expressions.values import (
    _OPERATORS,
    Value,
    answer_value,
    to_boolean,
    to_number,
    to_string,
)


def _selected(env: Env, value: Value, code: Value) -> bool:
    return to_string(code).strip() in words(value)


def _int(env: Env, value: Value) -> float:
    number = to_number(value)
    if not math.isfinite(number):
        return number
    return math.copysign(float(math.trunc(number)), number)  # int(-0.5) is -0, as in the page


def _coalesce(env: Env, first: Value, second: Value) -> Value:
    return second if first == "" else first


def _regex(env: Env, value: Value, pattern: Value) -> bool:
    # The parser has compiled the pattern, a string literal, once already; a hyphen next
    # to a class escape reads as ODK and the browser read it (`patterns`).
    return re.search(python_pattern(str(pattern)), to_string(value)) is not None


_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "selected": _selected,
    "count-selected": lambda env, value: float(len(words(value))),
    "string-length": lambda env, value: float(len(to_string(value))),
    "today": lambda env: env.today,
    "true": lambda env: True,
    "false": lambda env: False,
    "not": lambda env, value: not to_boolean(value),
    "number": lambda env, value: to_number(value),
    "string": lambda env, value: to_string(value),
    "int": _int,
    "if": lambda env, test, then, other: then if to_boolean(test) else other,
    "coalesce": _coalesce,
    "regex": _regex,
    **FUNCTIONS,
}


# ---------------------------------------------------------------------------- evaluation


class Env(NamedTuple):
    """What an evaluation sees: the answers, the current answer, today's ISO date, and the
    label of a choice (question key, code → label) for jr:choice-name(), if any; in a
    choice_filter, the columns of the choice being tested (a column it lacks reads '');
    the moment now() gives (as date-time() writes it), else now() reads the clock."""

    answers: Mapping[str, Any]
    current: Any
    today: str
    labels: Callable[[str, str], str] | None = None
    choice: Mapping[str, str] | None = None
    now: str | None = None


def evaluate(node: Node, env: Env) -> Value:
    """The XPath value of a tree; never raises for any answers."""
    match node:
        case Literal(value):
            return value
        case Ref(key):
            return answer_value(env.answers.get(key))
        case Column(name):
            return (env.choice or {}).get(name, "")
        case Negate(operand):
            return -to_number(evaluate(operand, env))
        case Binary(op, left, right):
            return _evaluate_binary(op, evaluate(left, env), right, env)
        case Call(name, args):
            # No function has side effects, so arguments are evaluated eagerly.
            return _FUNCTIONS[name](env, *(evaluate(arg, env) for arg in args))
    return answer_value(env.current)


def _evaluate_binary(op: str, left: Value, right: Node, env: Env) -> Value:
    if op == "and" and not to_boolean(left):
        return False
    if op == "or" and to_boolean(left):
        return True
    return _OPERATORS[op](left, evaluate(right, env))
