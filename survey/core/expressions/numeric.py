"""ODK's math functions: each takes XPath values, reads them as numbers and gives a number.

None raises. As in ODK (Java's Math) and in the page's script (JavaScript's Math), a
value outside a function's domain gives NaN (`sqrt(-1)`, `asin(2)`, `log(-1)`), a pole
gives an infinity (`log(0)` = -Infinity) and an overflow gives Infinity (`exp(1000)`),
where Python's `math` would raise. Angles are in radians.

    sqrt(x) abs(x) floor(x) ceiling(x)    exact, the same on the server and in the page
    pow(x, y)   x to the power y; for whole x and y the power is computed exactly, then
                rounded once (its inverse, for a negative y): pow(10, -4) = 0.0001, where
                the platforms' pow may give 0.00009999999999999999
    exp10(x)    pow(10, x)
    exp(x) log(x) log10(x) sin(x) cos(x) tan(x) asin(x) acos(x) atan(x) atan2(y, x)
                the platform's own: the server's and a browser's may differ in the
                last binary digit (the server decides), as ODK Collect and Enketo do
    pi()        π
    boolean(x)  XPath boolean(): false for '', 0 and NaN
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from survey.core.expressions.values import Value, to_boolean, to_number

Env = Any  # evaluate.Env: the math functions read nothing from it

_EXACT_EXPONENT = 1100  # beyond this any whole base other than 0 and ±1 overflows or underflows
_EXACT_BASE = 2.0**53  # a whole number below this is exact as a float


def _unary(function: Callable[[float], float]) -> Callable[[Env, Value], float]:
    def apply(env: Env, value: Value) -> float:
        number = to_number(value)
        try:
            return function(number)
        except ValueError:  # outside the domain, as Java and JavaScript say: NaN
            return math.nan
        except OverflowError:
            return math.inf

    return apply


def _log(function: Callable[[float], float]) -> Callable[[float], float]:
    def logarithm(number: float) -> float:
        if number == 0:
            return -math.inf
        return function(number)  # a negative number raises ValueError: NaN

    return logarithm


def _whole(function: Callable[[float], int]) -> Callable[[float], float]:
    def whole(number: float) -> float:
        if not math.isfinite(number):
            return number
        # -0.5 rounds up to -0, as in Java and JavaScript (Python's int has no -0)
        return math.copysign(float(function(number)), number)

    return whole


def _exact_power(base: float, exponent: float) -> float | None:
    """A whole base to a whole power, computed exactly and rounded once; None when not both
    whole or too large to compute exactly (then the platform's pow answers)."""
    if not (base.is_integer() and exponent.is_integer()):
        return None
    if abs(base) >= _EXACT_BASE or abs(exponent) > _EXACT_EXPONENT:
        return None
    power = int(base) ** abs(int(exponent))
    try:
        magnitude = float(power)
    except OverflowError:
        magnitude = -math.inf if power < 0 else math.inf
    return magnitude if exponent >= 0 else 1.0 / magnitude


def power(x: float, y: float) -> float:
    """x to the power y as Java's Math.pow and JavaScript's Math.pow define it."""
    if math.isnan(y):
        return math.nan
    if y == 0:
        return 1.0
    if math.isnan(x) or (abs(x) == 1 and math.isinf(y)):
        return math.nan  # Python's pow says 1 for these; Java and JavaScript say NaN
    odd = y.is_integer() and abs(y) < 2.0**53 and int(y) % 2 == 1
    if x == 0 and y < 0:
        return -math.inf if odd and math.copysign(1.0, x) < 0 else math.inf
    if x != 0 and (exact := _exact_power(x, y)) is not None:
        return exact
    try:
        return math.pow(x, y)
    except ValueError:  # a negative base to a fractional power
        return math.nan
    except OverflowError:
        return -math.inf if x < 0 and odd else math.inf


def _pow(env: Env, x: Value, y: Value) -> float:
    return power(to_number(x), to_number(y))


def _exp10(env: Env, value: Value) -> float:
    return power(10.0, to_number(value))  # a whole power of 10 is exact: exp10(-4) = 0.0001


def _atan2(env: Env, y: Value, x: Value) -> float:
    return math.atan2(to_number(y), to_number(x))


NUMERIC: dict[str, Callable[..., Value]] = {
    "sqrt": _unary(math.sqrt),
    "abs": _unary(abs),
    "floor": _unary(_whole(math.floor)),
    "ceiling": _unary(_whole(math.ceil)),
    "pow": _pow,
    "exp": _unary(math.exp),
    "exp10": _exp10,
    "log": _unary(_log(math.log)),
    "log10": _unary(_log(math.log10)),
    "sin": _unary(math.sin),
    "cos": _unary(math.cos),
    "tan": _unary(math.tan),
    "asin": _unary(math.asin),
    "acos": _unary(math.acos),
    "atan": _unary(math.atan),
    "atan2": _atan2,
    "pi": lambda env: math.pi,
    "boolean": lambda env, value: to_boolean(value),
}
NUMERIC_ARITIES: dict[str, tuple[int, int | None]] = {
    **{name: (1, 1) for name in NUMERIC},
    "pow": (2, 2),
    "atan2": (2, 2),
    "pi": (0, 0),
}
NUMERIC_RETURNS: dict[str, tuple[type, ...]] = {
    **{name: (float,) for name in NUMERIC},
    "boolean": (bool,),
}
