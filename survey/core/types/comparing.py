"""How two sides' answers compare under a rule: the readers of stored values and the rules
that the types name in their `comparators` (exact, set, overlap, tolerance, within_days).

Text is compared after `normalize_text`; a value a rule cannot read goes to review."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from survey.core.questionnaire import CompareRule, Question
from survey.core.types.base import QuestionType, Verdict, format_number

_WHITESPACE = re.compile(r"\s+")
# Invisible characters that never change what a text says: zero-width space, word
# joiner, zero-width no-break space (BOM) and soft hyphen. NFKC keeps them. ZWJ and
# ZWNJ are kept because they change the rendering of emoji and of some scripts.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))


def normalize_text(s: str) -> str:
    """Text as compared (QUALITY.md I18N-03): NFKC, casefold, no invisibles, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    return _WHITESPACE.sub(" ", folded.translate(_INVISIBLE)).strip()


class UnreadableError(Exception):
    """A stored value that cannot be read as the question's type: the outcome is review."""

    def __init__(self, side: str, value: Any, as_what: str):
        super().__init__(f"side {side}: cannot read {value!r} as {as_what}")


# ---------------------------------------------------------------------------- values


def _number(t: QuestionType, q: Question, value: Any, side: str) -> float:
    if value.__class__ is int or value.__class__ is float:  # as stored: the fast path
        number: float | None = float(value)
    else:  # scale codes, and anything odd (never bool, which is an int)
        try:
            number = None if isinstance(value, bool) else t.as_number(q, value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None or not math.isfinite(number):
        raise UnreadableError(side, value, "a number")
    return number


def _date(value: Any, side: str) -> date:
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UnreadableError(side, value, "a date (YYYY-MM-DD)") from None


def _codes(value: Any, side: str) -> frozenset[str]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset) or not all(
        isinstance(item, str) for item in items
    ):
        raise UnreadableError(side, value, "a list of codes")
    return frozenset(items)


def _text(value: Any, side: str) -> str:
    if not isinstance(value, str):
        raise UnreadableError(side, value, "text")
    return normalize_text(value)


def _decimal(x: float) -> Decimal:
    # repr gives the shortest decimal that reads back as x: the number as it was typed.
    return Decimal(repr(x))


def _show(x: float | Decimal) -> str:
    if isinstance(x, Decimal):
        return format(x.normalize(), "f")
    return format_number(x)


def _verdict(ok: bool, detail: str) -> Verdict:
    return ("agree" if ok else "disagree", detail)


# ---------------------------------------------------------------------------- rules


def exact_code(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    if not isinstance(a, str):
        raise UnreadableError("A", a, "an option code")
    if not isinstance(b, str):
        raise UnreadableError("B", b, "an option code")
    return _verdict(a == b, "same code" if a == b else "different codes")


def exact_number(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _number(t, q, a, "A"), _number(t, q, b, "B")
    if x == y:
        return ("agree", "same number")
    return ("disagree", f"difference {_show(abs(_decimal(x) - _decimal(y)))}")


def exact_date(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    days = abs((_date(a, "A") - _date(b, "B")).days)
    return _verdict(days == 0, "same date" if days == 0 else f"{days} days apart")


def exact_text(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    if _text(a, "A") != _text(b, "B"):
        return ("disagree", "different text")
    return ("agree", "same text" if a == b else "same text after normalisation")


def same_set(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _codes(a, "A"), _codes(b, "B")
    if x == y:
        return ("agree", "same codes")
    order = {code: i for i, code in enumerate(q.option_codes)}

    def listed(codes: frozenset[str]) -> str:
        return ", ".join(sorted(codes, key=lambda c: (order.get(c, len(order)), c))) or "-"

    return ("disagree", f"only side A: {listed(x - y)}; only side B: {listed(y - x)}")


def overlap(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _codes(a, "A"), _codes(b, "B")
    union = len(x | y)
    if not union:
        return ("agree", "both empty")
    shared = len(x & y)
    # A quotient of two small integers is the double nearest to it, as the threshold
    # literal is to its decimal: a Jaccard exactly at the threshold compares equal.
    jaccard = shared / union
    ok = jaccard >= (rule.value or 0.0)
    sign = ">=" if ok else "<"
    threshold = format_number(rule.value or 0.0)
    return _verdict(ok, f"jaccard {jaccard:.2f} ({shared} of {union} codes) {sign} {threshold}")


def tolerance(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _number(t, q, a, "A"), _number(t, q, b, "B")
    amount = float(rule.value or 0)
    if rule.relative:
        return _relative(x, y, amount)
    if x.is_integer() and y.is_integer() and amount.is_integer():
        diff = abs(x - y)  # exact: integers below 2**53
        ok = diff <= amount
        shown, limit = str(int(diff)), str(int(amount))
    else:
        exact = abs(_decimal(x) - _decimal(y))  # exact in decimal: 3.1 vs 3.0 is 0.1
        ok = exact <= _decimal(amount)
        shown, limit = _show(exact), _show(amount)
    return _verdict(ok, f"difference {shown} {'<=' if ok else '>'} tolerance {limit}")


def _relative(x: float, y: float, share: float) -> Verdict:
    dx, dy = _decimal(x), _decimal(y)
    larger = max(abs(dx), abs(dy))
    limit = _decimal(float(share)) * larger
    diff = abs(dx - dy)
    ok = diff <= limit  # both zero: 0 <= 0
    sign = "<=" if ok else ">"
    return _verdict(
        ok, f"difference {_show(diff)} {sign} {_show(limit)} ({_show(share)} of {_show(larger)})"
    )


def within_days(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    days = abs((_date(a, "A") - _date(b, "B")).days)
    ok = days <= (rule.value or 0)
    sign = "<=" if ok else ">"
    return _verdict(ok, f"{days} days apart {sign} {format_number(rule.value or 0)}")


# ---------------------------------------------------------------------------- times and ranks


def _moment(value: Any, side: str) -> float | datetime:
    """A time ('HH:MM[:SS]') as minutes since midnight, or a date and time as a datetime."""
    if isinstance(value, str) and "T" not in value and ":" in value:
        try:
            hours, minutes, *seconds = (float(part) for part in value.split(":"))
        except ValueError:
            raise UnreadableError(side, value, "a time (HH:MM)") from None
        return hours * 60 + minutes + (seconds[0] / 60 if seconds else 0)
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise UnreadableError(side, value, "a date and time (YYYY-MM-DDTHH:MM)") from None


def _apart(a: Any, b: Any) -> tuple[float, str]:
    """Minutes between two times, or two dates and times: as instants when both carry an
    offset from UTC, else by their wall clocks."""
    x, y = _moment(a, "A"), _moment(b, "B")
    if isinstance(x, datetime) and isinstance(y, datetime):
        if x.tzinfo is None or y.tzinfo is None:
            x, y = x.replace(tzinfo=None), y.replace(tzinfo=None)
        difference = abs((x - y).total_seconds()) / 60
    elif isinstance(x, float) and isinstance(y, float):
        difference = abs(x - y)
    else:
        raise UnreadableError("B", b, "the same kind of value as side A")
    return difference, format_number(round(difference, 2))


def exact_moment(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    difference, shown = _apart(a, b)
    return _verdict(difference == 0, "same time" if difference == 0 else f"{shown} minutes apart")


def within_minutes(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    difference, shown = _apart(a, b)
    ok = difference <= (rule.value or 0)
    sign = "<=" if ok else ">"
    return _verdict(ok, f"{shown} minutes apart {sign} {format_number(rule.value or 0)}")


def _ranking(value: Any, side: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        raise UnreadableError(side, value, "an ordering of codes")
    return tuple(value)


def exact_order(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _ranking(a, "A"), _ranking(b, "B")
    return _verdict(x == y, "same order" if x == y else "different orders")


def spearman(x: tuple[str, ...], y: tuple[str, ...]) -> float:
    """Spearman's rank correlation of two complete orderings of the same codes (no ties):
    1 - 6·Σd² / (n(n²-1)), d the difference of a code's places; 1 for a single code."""
    n = len(x)
    if n < 2:
        return 1.0
    place = {code: i for i, code in enumerate(y)}
    squares = sum((i - place[code]) ** 2 for i, code in enumerate(x))
    return 1 - 6 * squares / (n * (n * n - 1))


def rank_agreement(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    x, y = _ranking(a, "A"), _ranking(b, "B")
    if sorted(x) != sorted(y) or len(set(x)) != len(x):
        return ("review", "the two orderings do not rank the same options")
    rho = spearman(x, y)
    threshold = rule.value if rule.value is not None else 1.0
    # rho is a quotient of integers: compared exactly against the threshold's decimal.
    ok = rho >= threshold - 1e-12
    sign = ">=" if ok else "<"
    return _verdict(ok, f"spearman rho {rho:.2f} {sign} {format_number(threshold)}")
