"""XPath values (string, number, boolean), their conversions, and the operators."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from survey.core.questionnaire import Special

Value = str | float | bool

_NUMERIC = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPOCH = datetime.date(1970, 1, 1)
# A tuple, not a set: Enum members hash by name, so only == matches "dk" and Special alike.
_SPECIALS = tuple(special.value for special in Special)


def answer_value(value: Any) -> Value:
    """A stored answer as an XPath value: '' for none or special, codes joined by spaces."""
    if value is None or (isinstance(value, str) and value in _SPECIALS):
        return ""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _float(value)
    if isinstance(value, datetime.date):
        date = value.date() if isinstance(value, datetime.datetime) else value
        return date.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(filter(None, (to_string(answer_value(item)) for item in value)))
    return str(value)


def _float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        return math.inf if value > 0 else -math.inf


def to_number(value: Value) -> float:
    """XPath number(): NaN for anything that is not a plain decimal or an ISO date."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if _NUMERIC.fullmatch(value):
        return float(value.strip())
    if _DATE.fullmatch(value.strip()):
        return _days(value.strip())
    return math.nan


def _days(text: str) -> float:
    try:
        return float((datetime.date.fromisoformat(text) - _EPOCH).days)
    except ValueError:
        return math.nan


def to_string(value: Value) -> str:
    """XPath string()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return value


def format_number(number: float) -> str:
    """A number as XPath writes it: no exponent, no '.0', NaN, Infinity."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer():
        return str(int(number))
    return format(Decimal(repr(number)), "f")


def to_boolean(value: Value) -> bool:
    """XPath boolean(): '' and 0 and NaN are false."""
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return bool(value)


# ---------------------------------------------------------------------------- operators


def _equals(left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, float) or isinstance(right, float):
        return to_number(left) == to_number(right)  # NaN equals nothing
    return left == right


def _relational(test: Callable[[Any, Any], bool]) -> Callable[[Value, Value], bool]:
    def compare(left: Value, right: Value) -> bool:
        if _is_date(left) and _is_date(right):
            return test(left, right)  # ISO dates sort as strings
        return test(to_number(left), to_number(right))  # NaN compares false

    return compare


def _is_date(value: Value) -> bool:
    return isinstance(value, str) and _DATE.fullmatch(value) is not None


def _divide(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


def _modulo(left: float, right: float) -> float:
    # XPath mod keeps the sign of the dividend, like fmod (Python's % does not).
    if right == 0 or math.isinf(left):
        return math.nan
    return math.fmod(left, right)


def _arithmetic(op: Callable[[float, float], float]) -> Callable[[Value, Value], float]:
    return lambda left, right: op(to_number(left), to_number(right))


_OPERATORS: dict[str, Callable[[Value, Value], Value]] = {
    "or": lambda left, right: to_boolean(right),
    "and": lambda left, right: to_boolean(right),
    "=": _equals,
    "!=": lambda left, right: not _equals(left, right),
    "<": _relational(lambda a, b: a < b),
    "<=": _relational(lambda a, b: a <= b),
    ">": _relational(lambda a, b: a > b),
    ">=": _relational(lambda a, b: a >= b),
    "+": _arithmetic(lambda a, b: a + b),
    "-": _arithmetic(lambda a, b: a - b),
    "*": _arithmetic(lambda a, b: a * b),
    "div": _arithmetic(_divide),
    "mod": _arithmetic(_modulo),
}
