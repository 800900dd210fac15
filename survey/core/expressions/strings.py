"""ODK's string and select functions: each reads its arguments as XPath strings.

None raises; an empty answer reads as '' like any other.

    normalize-space(s)          s without leading and trailing white space, each run of
                                white space inside one space (XPath's white space: space,
                                tab, line feed, carriage return)
    contains(s, t) starts-with(s, t) ends-with(s, t)   whether t is in s, starts or ends it
                                ('' is in every string)
    substring-before(s, t)      s before the first t; '' when t is not in s
    substring-after(s, t)       s after the first t; '' when t is not in s
    translate(s, from, to)      each character of s found in `from` replaced by the one at
                                the same place in `to`, or removed when `to` is shorter
    selected-at(x, n)           the code at place n (from 0) of a multi answer; '' past the end
    boolean-from-string(s)      true for 'true' and '1', false for anything else
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from survey.core.expressions.values import Value, to_number, to_string

Env = Any  # evaluate.Env: the string functions read nothing from it

_XPATH_SPACE = re.compile(r"[ \t\n\r]+")
# What separates the codes of a multi answer: white space as Python and JavaScript both know
# it (JavaScript's \s lacks \x1c-\x1f and \x85, Python's lacks the BOM), so the page agrees.
_WORD_SPACE = re.compile(r"[\s\ufeff]+")


def words(value: Value) -> list[str]:
    """The codes of a multi answer (or any words of a value), as the page's script splits them."""
    return [word for word in _WORD_SPACE.split(to_string(value)) if word]


def _normalize_space(env: Env, value: Value) -> str:
    return _XPATH_SPACE.sub(" ", to_string(value)).strip(" ")


def _text_test(test: Callable[[str, str], bool]) -> Callable[[Env, Value, Value], bool]:
    return lambda env, value, part: test(to_string(value), to_string(part))


def _before(env: Env, value: Value, part: Value) -> str:
    text, found = to_string(value), to_string(part)
    place = text.find(found)
    return "" if place < 0 else text[:place]


def _after(env: Env, value: Value, part: Value) -> str:
    text, found = to_string(value), to_string(part)
    place = text.find(found)
    return "" if place < 0 else text[place + len(found) :]


def _translate(env: Env, value: Value, source: Value, target: Value) -> str:
    old, new = to_string(source), to_string(target)
    table: dict[str, str] = {}
    for place, char in enumerate(old):
        table.setdefault(char, new[place] if place < len(new) else "")  # the first one counts
    return "".join(table.get(char, char) for char in to_string(value))


def _selected_at(env: Env, value: Value, place: Value) -> str:
    codes = words(value)
    number = to_number(place)
    if not math.isfinite(number):
        return ""
    index = math.trunc(number)
    return codes[index] if 0 <= index < len(codes) else ""


STRINGS: dict[str, Callable[..., Value]] = {
    "normalize-space": _normalize_space,
    "contains": _text_test(lambda text, part: part in text),
    "starts-with": _text_test(lambda text, part: text.startswith(part)),
    "ends-with": _text_test(lambda text, part: text.endswith(part)),
    "substring-before": _before,
    "substring-after": _after,
    "translate": _translate,
    "selected-at": _selected_at,
    "boolean-from-string": lambda env, value: to_string(value) in ("true", "1"),
}
STRING_ARITIES: dict[str, tuple[int, int | None]] = {
    "normalize-space": (1, 1), "contains": (2, 2), "starts-with": (2, 2), "ends-with": (2, 2),
    "substring-before": (2, 2), "substring-after": (2, 2), "translate": (3, 3),
    "selected-at": (2, 2), "boolean-from-string": (1, 1),
}  # fmt: skip
STRING_RETURNS: dict[str, tuple[type, ...]] = {
    "normalize-space": (str,), "contains": (bool,), "starts-with": (bool,),
    "ends-with": (bool,), "substring-before": (str,), "substring-after": (str,),
    "translate": (str,), "selected-at": (str,), "boolean-from-string": (bool,),
}  # fmt: skip
