"""What ODK accepts and survey adapts on import, always with a warning naming the row:
choice names survey cannot store as a code (renamed, and the expressions and filter
columns naming them follow), duplicate choice names under `allow_choice_duplicates`,
and a bare `null` in an expression (XPath's path to no node: empty).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from survey.core.validate.common import OPTION_CODE

_NOT_IN_A_CODE = re.compile(r"[^A-Za-z0-9_.-]+")
# A string literal in an expression, in single or double quotes.
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
# What a bare `null` is never part of: a string literal or a ${…} reference.
_KEPT = re.compile(r"'[^']*'|\"[^\"]*\"|\$\{[^}]*\}")
# `null` as a name of its own: not part of a longer name, a ${…} reference or a call.
_NULL = re.compile(r"(?<![\w${:./-])null(?![\w:(-])")


def code_for(name: str) -> str:
    """A choice name as a code: each run of characters a code cannot hold becomes '_'
    ('Thatta&ShahBunder' → 'Thatta_ShahBunder', 'Township 01' → 'Township_01')."""
    code = _NOT_IN_A_CODE.sub("_", name)
    return code if OPTION_CODE.fullmatch(code) else f"_{code}"


def unique(code: str, taken: set[str] | frozenset[str]) -> str:
    """`code`, or `code_2`, `code_3` … when it is taken."""
    if code not in taken:
        return code
    number = 2
    while f"{code}_{number}" in taken:
        number += 1
    return f"{code}_{number}"


def rename_literals(expression: str, renames: Mapping[str, str]) -> str:
    """`expression` with every string literal equal to a renamed choice name renamed."""
    if not renames:
        return expression

    def renamed(found: re.Match[str]) -> str:
        quote, text = found[0][0], found[0][1:-1]
        return f"{quote}{renames[text]}{quote}" if text in renames else found[0]

    return _LITERAL.sub(renamed, expression)


def null_as_empty(expression: str) -> str:
    """`expression` with each bare `null` outside its string literals and references
    read as ''."""
    parts, last = [], 0
    for found in _KEPT.finditer(expression):
        parts += [_NULL.sub("''", expression[last : found.start()]), found[0]]
        last = found.end()
    parts.append(_NULL.sub("''", expression[last:]))
    return "".join(parts)
