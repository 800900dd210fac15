"""The limits, the error, and the tokenizer: an expression's source as a list of tokens."""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from survey.core.expressions.values import format_number

MAX_LENGTH = 2000
MAX_NESTING = 32
MAX_OPERATORS = 120


CHOICE_QUESTION_TYPES = frozenset({"single", "multi", "yesno", "scale"})
# Answers of these types are codes or free text: arithmetic on them is always a mistake.
NON_ARITHMETIC_TYPES = frozenset(
    {"text", "longtext", "single", "multi", "yesno", "rank", "acknowledge", "time", "datetime"}
)
ARITHMETIC = ("+", "-", "*", "div", "mod")
ARITY = {
    "selected": 2, "count-selected": 1, "string-length": 1, "today": 0, "true": 0,
    "false": 0, "not": 1, "number": 1, "string": 1, "int": 1, "if": 3, "coalesce": 2,
    "regex": 2,
}  # fmt: skip


class ExpressionError(ValueError):
    """An expression's source is malformed: what is wrong and where (0-based offset)."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} at column {position}")


_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NAME = re.compile(r"(?:jr:)?[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Habits from other languages, caught before the operators they start with.
_HINTS = {
    "==": "unexpected '=='; compare with '='",
    "&&": "unexpected '&&'; write 'and'",
    "||": "unexpected '||'; write 'or'",
    "<>": "unexpected '<>'; write '!='",
}
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")
_CHAR_HINTS = {
    "/": "unexpected '/'; divide with 'div'",
    "%": "unexpected '%'; write 'mod' for the remainder",
    "!": "unexpected '!'; write 'not(…)' or '!='",
    "$": "unexpected '$'; a question reference is written ${key}",
}
OPERATOR_WORDS = frozenset({"and", "or", "div", "mod"})


class Token(NamedTuple):
    """One lexical unit: kind (num str ref cur name op end), its value and offset."""

    kind: str
    value: Any
    pos: int


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens, ending with an 'end' token."""
    tokens: list[Token] = []
    pos = _skip_space(source, 0)
    while pos < len(source):
        token, pos = _next_token(source, pos)
        tokens.append(token)
        pos = _skip_space(source, pos)
    tokens.append(Token("end", None, len(source)))
    return tokens


def _skip_space(source: str, pos: int) -> int:
    match = _SPACE.match(source, pos)
    return match.end() if match else pos


def _next_token(source: str, pos: int) -> tuple[Token, int]:
    char = source[pos]
    if char in "'\"":
        return _string_token(source, pos)
    if source.startswith("${", pos):
        return _reference_token(source, pos)
    if match := _NUMBER.match(source, pos):
        return _number_token(match), match.end()
    if char == ".":
        return Token("cur", ".", pos), pos + 1
    if match := _NAME.match(source, pos):
        return Token("name", match.group(), pos), match.end()
    return _symbol_token(source, pos)


def _string_token(source: str, pos: int) -> tuple[Token, int]:
    # XPath 1.0 strings have no escapes: a literal cannot contain its own quote.
    end = source.find(source[pos], pos + 1)
    if end < 0:
        raise ExpressionError("unterminated string", pos)
    return Token("str", source[pos + 1 : end], pos), end + 1


def _reference_token(source: str, pos: int) -> tuple[Token, int]:
    match = _KEY.match(source, pos + 2)
    if not match:
        raise ExpressionError("expected a question key after '${'", pos + 2)
    if not source.startswith("}", match.end()):
        raise ExpressionError(f"expected '}}' to close ${{{match.group()}", match.end())
    return Token("ref", match.group(), pos), match.end() + 1


def _number_token(match: re.Match[str]) -> Token:
    value = float(match.group())
    if math.isinf(value):
        raise ExpressionError("number is too large", match.start())
    return Token("num", value, match.start())


def _symbol_token(source: str, pos: int) -> tuple[Token, int]:
    for text, message in _HINTS.items():
        if source.startswith(text, pos):
            raise ExpressionError(message, pos)
    for symbol in _SYMBOLS:
        if source.startswith(symbol, pos):
            return Token("op", symbol, pos), pos + len(symbol)
    char = source[pos]
    raise ExpressionError(_CHAR_HINTS.get(char, f"unexpected character {char!r}"), pos)


def describe(token: Token) -> str:
    """How a token is named in error messages."""
    if token.kind == "end":
        return "end of expression"
    if token.kind == "num":
        return f"number {format_number(token.value)}"
    if token.kind == "str":
        return f"string {token.value!r}"
    if token.kind == "ref":
        return f"${{{token.value}}}"
    return f"'{token.value}'"
