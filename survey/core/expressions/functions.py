"""The XLSForm functions a calculation needs, each with its arity and the type it returns.

Every function takes XPath values and returns one of the type `RETURNS` declares for it; none
raises for any argument (a value it cannot read gives NaN for a number, '' for a string),
as the evaluator promises. Dates are ISO strings ("2009-03-01"), as answers are; a number
read as a date counts days since 1970-01-01, as `to_number` does for a date.

    concat(a, …)              the arguments as strings, joined
    round(x[, digits])        XPath rounding (halves toward +∞), to `digits` decimals (0)
    sum(a, …) max(a, …) min(a, …)   over the arguments as numbers; NaN if any is not one
    substr(s, start[, end])   characters start … end-1, counted from 0 (ODK's substr)
    date(x)                   a date string from days since 1970-01-01 or a date(-time)
                              string; '' for anything else
    decimal-date-time(x)      days since 1970-01-01 UTC with the time as a fraction
    format-date(d, format)    %Y %y %m %n %b %d %e %a %H %h %M %S %3, as ODK writes them
    jr:choice-name(code, '${key}')  the label of the code among ${key}'s choices, in the
                              language of the evaluation's `labels`; the code without them
    now()                     the evaluation's moment (`Env.now`, else the clock), as
                              date-time() writes it
    date-time(x)              a date-time string ("2009-03-01T06:00:00.000+00:00", UTC)
                              from days since 1970-01-01 or a date(-time) string; '' else
    decimal-time(t)           a time of day ("14:30", "14:30:00.000+08:00") as the fraction
                              of a day in UTC (its offset applied); NaN for anything else

ODK's math functions are in `numeric`, its string and select functions in `strings`.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from typing import Any

from survey.core.expressions.numeric import NUMERIC, NUMERIC_ARITIES, NUMERIC_RETURNS
from survey.core.expressions.strings import STRING_ARITIES, STRING_RETURNS, STRINGS
from survey.core.expressions.values import Value, to_number, to_string

Env = Any  # evaluate.Env (which imports this module): the answers, today and `labels`

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_DATE_TIME = re.compile(
    r"\s*(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6})[0-9]*)?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?)?\s*"
)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MAX_DIGITS = 20  # beyond this many decimals a float has nothing left to round


def _concat(env: Env, *values: Value) -> str:
    return "".join(to_string(value) for value in values)


def _round(env: Env, value: Value, digits: Value = 0.0) -> float:
    number, places = to_number(value), to_number(digits)
    if math.isnan(places):
        return math.nan
    if not math.isfinite(number):
        return number
    places = max(-_MAX_DIGITS, min(_MAX_DIGITS, math.trunc(places)))
    scaled = number * 10.0**places
    if not math.isfinite(scaled) or abs(scaled) >= 2**52:
        return number  # already whole at that scale
    rounded = math.floor(scaled + 0.5) / 10.0**places
    return rounded if math.isfinite(rounded) else number


def _numbers(values: tuple[Value, ...]) -> list[float]:
    return [to_number(value) for value in values]


def _sum(env: Env, *values: Value) -> float:
    total = 0.0
    for number in _numbers(values):  # left to right, as the page's script adds them
        total += number
    return total


def _extreme(pick: Callable[[list[float]], float]) -> Callable[..., float]:
    def extreme(env: Env, *values: Value) -> float:
        numbers = _numbers(values)
        if not numbers or any(math.isnan(number) for number in numbers):
            return math.nan
        return pick(numbers)

    return extreme


def _substr(env: Env, value: Value, start: Value, end: Value | None = None) -> str:
    text = to_string(value)
    first = to_number(start)
    last = float(len(text)) if end is None else to_number(end)
    if math.isnan(first) or math.isnan(last):
        return ""
    first, last = (max(0.0, min(float(len(text)), n)) for n in (first, last))
    return text[math.trunc(first) : math.trunc(last)]


def _moment(value: Value) -> datetime.datetime | None:
    """A date or date-time value (or days since 1970) as an aware UTC moment, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and (found := _DATE_TIME.fullmatch(value)):
        return _parsed(found)
    number = to_number(value)
    if not math.isfinite(number) or abs(number) > 3_000_000:  # ±8000 years
        return None
    try:
        return _EPOCH + datetime.timedelta(days=number)
    except OverflowError:
        return None


def _parsed(found: re.Match[str]) -> datetime.datetime | None:
    try:
        day = datetime.date.fromisoformat(found["date"])
        fraction = (found["f"] or "0").ljust(6, "0")
        moment = datetime.datetime(
            day.year, day.month, day.day, int(found["h"] or 0), int(found["m"] or 0),
            int(found["s"] or 0), int(fraction), tzinfo=_zone(found["zone"]),
        )  # fmt: skip
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):  # no such day or time; beyond year 1 … 9999 in UTC
        return None


def _zone(text: str | None) -> datetime.timezone:
    if not text or text == "Z":
        return datetime.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return datetime.timezone(sign * datetime.timedelta(minutes=minutes))


def _date(env: Env, value: Value) -> str:
    moment = _moment(value)
    return moment.date().isoformat() if moment and 1 <= moment.year <= 9999 else ""


def _decimal_date_time(env: Env, value: Value) -> float:
    moment = _moment(value)
    if moment is None:
        return math.nan
    return (moment - _EPOCH) / datetime.timedelta(days=1)


_FORMATS: dict[str, Callable[[datetime.datetime], str]] = {
    "Y": lambda m: f"{m.year:04d}",
    "y": lambda m: f"{m.year % 100:02d}",
    "m": lambda m: f"{m.month:02d}",
    "n": lambda m: str(m.month),
    "b": lambda m: _MONTHS[m.month - 1],
    "d": lambda m: f"{m.day:02d}",
    "e": lambda m: str(m.day),
    "a": lambda m: _DAYS[m.weekday()],
    "H": lambda m: f"{m.hour:02d}",
    "h": lambda m: str(m.hour),
    "M": lambda m: f"{m.minute:02d}",
    "S": lambda m: f"{m.second:02d}",
    "3": lambda m: f"{m.microsecond // 1000:03d}",
}


def _format_date(env: Env, value: Value, pattern: Value) -> str:
    moment = _moment(value)
    if moment is None:
        return ""
    return re.sub(
        r"%(.)",
        lambda found: _FORMATS[found[1]](moment) if found[1] in _FORMATS else found[0],
        to_string(pattern),
    )


def written(moment: datetime.datetime) -> str:
    """A moment as date-time() and now() write it: UTC, to the millisecond."""
    day = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    time = f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{day}T{time}.{moment.microsecond // 1000:03d}+00:00"


def _now(env: Env) -> str:
    return env.now or written(datetime.datetime.now(datetime.UTC))


def _date_time(env: Env, value: Value) -> str:
    moment = _moment(value)
    return written(moment) if moment and 1 <= moment.year <= 9999 else ""


_TIME = re.compile(  # XPath's white space around it, as the page's script reads it
    r"[ \t\n\r]*(?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,3})[0-9]*)?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?[ \t\n\r]*"
)
_DAY_MS = 86_400_000


def _decimal_time(env: Env, value: Value) -> float:
    found = _TIME.fullmatch(value) if isinstance(value, str) else None
    if found is None or int(found["h"]) > 23 or int(found["m"]) > 59 or int(found["s"] or 0) > 59:
        return math.nan
    offset = (found["zone"] or "Z").replace(":", "")
    if offset != "Z" and (int(offset[1:3]) > 23 or int(offset[3:]) > 59):
        return math.nan
    zone = _zone(found["zone"]).utcoffset(None) // datetime.timedelta(milliseconds=1)
    milliseconds = (int(found["h"]) * 60 + int(found["m"])) * 60 + int(found["s"] or 0)
    milliseconds = milliseconds * 1000 + int((found["f"] or "0").ljust(3, "0")) - zone
    return (milliseconds % _DAY_MS) / _DAY_MS  # whole milliseconds: the page's script agrees


CHOICE_KEY = re.compile(r"\s*\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*")


def _choice_name(env: Env, code: Value, question: Value) -> str:
    text = to_string(code)
    found = CHOICE_KEY.fullmatch(to_string(question))
    if env.labels is None or found is None or not text:
        return text
    return env.labels(found[1], text)


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "concat": _concat,
    "round": _round,
    "sum": _sum,
    "max": _extreme(max),
    "min": _extreme(min),
    "substr": _substr,
    "date": _date,
    "decimal-date-time": _decimal_date_time,
    "format-date": _format_date,
    "jr:choice-name": _choice_name,
    "now": _now,
    "date-time": _date_time,
    "decimal-time": _decimal_time,
    **NUMERIC,
    **STRINGS,
}
# (fewest, most) arguments; None: any number more.
ARITIES: dict[str, tuple[int, int | None]] = {
    "concat": (1, None), "round": (1, 2), "sum": (1, None), "max": (1, None),
    "min": (1, None), "substr": (2, 3), "date": (1, 1), "decimal-date-time": (1, 1),
    "format-date": (2, 2), "jr:choice-name": (2, 2), "now": (0, 0), "date-time": (1, 1),
    "decimal-time": (1, 1), **NUMERIC_ARITIES, **STRING_ARITIES,
}  # fmt: skip
# The type each function returns, those of evaluate.py included ("if" and "coalesce" give
# one of their arguments: any value).
RETURNS: dict[str, tuple[type, ...]] = {
    "selected": (bool,), "count-selected": (float,), "string-length": (float,),
    "today": (str,), "true": (bool,), "false": (bool,), "not": (bool,), "number": (float,),
    "string": (str,), "int": (float,), "if": (str, float, bool), "coalesce": (str, float, bool),
    "regex": (bool,), "concat": (str,), "round": (float,), "sum": (float,), "max": (float,),
    "min": (float,), "substr": (str,), "date": (str,), "decimal-date-time": (float,),
    "format-date": (str,), "jr:choice-name": (str,), "now": (str,), "date-time": (str,),
    "decimal-time": (float,), **NUMERIC_RETURNS, **STRING_RETURNS,
}  # fmt: skip
