"""regex() patterns as ODK reads them (XPath's, i.e. Java's, and JavaScript's) made fit
for Python's `re`.

One difference matters in real forms: a `-` in a character class right after or right
before a class escape (`[\\w-\\.]`, an e-mail check) is a literal hyphen in Java and in
JavaScript without the u flag (as the respondent page compiles it), but a bad range to
Python. `python_pattern` escapes such a hyphen, so the server and the browser agree.
"""

from __future__ import annotations

from functools import lru_cache

_CLASS_ESCAPES = frozenset("wWdDsS")


def _units(pattern: str) -> list[str]:
    """The pattern cut into escapes (two characters) and single characters."""
    units, index = [], 0
    while index < len(pattern):
        size = 2 if pattern[index] == "\\" and index + 1 < len(pattern) else 1
        units.append(pattern[index : index + size])
        index += size
    return units


def _is_class_escape(unit: str | None) -> bool:
    return unit is not None and len(unit) == 2 and unit[1] in _CLASS_ESCAPES


@lru_cache(maxsize=512)
def python_pattern(pattern: str) -> str:
    """`pattern` with every hyphen next to a class escape inside a character class escaped
    (`[\\w-\\.]` → `[\\w\\-\\.]`); any other pattern is returned as it is."""
    units = _units(pattern)
    out: list[str] = []
    index, start = 0, None  # start: where the open class's members begin
    while index < len(units):
        unit = units[index]
        if start is None:
            if unit == "[":
                index += 1
                if index < len(units) and units[index] == "^":
                    out.append("[^")
                    index += 1
                else:
                    out.append("[")
                start = len(out)
                if index < len(units) and units[index] == "]":  # a leading ']' is a member
                    out.append("]")
                    index += 1
                continue
        elif unit == "]":
            start = None
        elif unit == "-" and len(out) > start and index + 1 < len(units):
            after = units[index + 1]
            if after != "]" and (_is_class_escape(out[-1]) or _is_class_escape(after)):
                unit = "\\-"
        out.append(unit)
        index += 1
    return "".join(out)
