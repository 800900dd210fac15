"""The recursive-descent parser: tokens into a tree, with its nesting and size capped."""

from __future__ import annotations

import re
from collections.abc import Callable

from survey.core.expressions.functions import ARITIES, CHOICE_KEY
from survey.core.expressions.patterns import python_pattern
from survey.core.expressions.tokens import (
    ARITY,
    MAX_NESTING,
    MAX_OPERATORS,
    OPERATOR_WORDS,
    ExpressionError,
    Token,
    describe,
    tokenize,
)
from survey.core.expressions.tree import (
    Binary,
    Call,
    Column,
    Current,
    Literal,
    Negate,
    Node,
    Ref,
)

_LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))


class _Parser:
    """Recursive descent over the token list; one precedence level per loop."""

    def __init__(self, source: str, columns: bool = False):
        self.columns = columns  # a choice_filter: a bare name is a column of the choice
        self.tokens = tokenize(source)
        self.index = 0
        self.nesting = 0
        self.operators = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def parse(self) -> Node:
        node = self.binary(0)
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {describe(self.token)}", self.token.pos)
        return node

    def advance(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def at_operator(self, ops: tuple[str, ...]) -> bool:
        return self.token.kind in ("op", "name") and self.token.value in ops

    def count_operator(self, token: Token) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ExpressionError(f"too many operators (at most {MAX_OPERATORS})", token.pos)

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.at_operator(_LEVELS[level]):
            token = self.advance()
            self.count_operator(token)
            node = Binary(token.value, node, self.binary(level + 1))
        return node

    def nested(self, token: Token, parse: Callable[[], Node]) -> Node:
        # Parentheses, calls and unary minus are where the parser recurses.
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(f"nested too deeply (at most {MAX_NESTING} levels)", token.pos)
        node = parse()
        self.nesting -= 1
        return node

    def unary(self) -> Node:
        if self.at_operator(("-",)):
            token = self.advance()
            self.count_operator(token)
            return Negate(self.nested(token, self.unary))
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        if token.kind in ("num", "str"):
            return Literal(token.value)
        if token.kind == "ref":
            return Ref(token.value)
        if token.kind == "cur":
            return Current()
        if token.kind == "name":
            if self.columns and self._is_column(token):
                return Column(token.value)
            return self.call(token)
        if token.value == "(":
            return self.nested(token, self.group)
        raise ExpressionError(f"unexpected {describe(token)}", token.pos)

    def _is_column(self, name: Token) -> bool:
        following = self.token
        called = following.kind == "op" and following.value == "("
        return not called and name.value not in OPERATOR_WORDS and ":" not in name.value

    def group(self) -> Node:
        node = self.binary(0)
        self.expect(")")
        return node

    def expect(self, symbol: str) -> None:
        if self.token.value != symbol or self.token.kind != "op":
            found = describe(self.token)
            raise ExpressionError(f"expected '{symbol}', found {found}", self.token.pos)
        self.advance()

    def call(self, name: Token) -> Node:
        if name.value in OPERATOR_WORDS:
            raise ExpressionError(f"unexpected '{name.value}'", name.pos)
        if name.value not in ARITY and name.value not in ARITIES:
            raise ExpressionError(_unknown_name(name.value, self.token), name.pos)
        self.expect("(")
        self.count_operator(name)
        node = Call(name.value, self.nested(name, self.arguments))
        _check_call(node, name)
        return node

    def arguments(self) -> tuple[Node, ...]:
        args: list[Node] = []
        if self.token.kind == "op" and self.token.value == ")":
            self.advance()
            return ()
        while True:
            args.append(self.binary(0))
            if self.token.kind == "op" and self.token.value == ",":
                self.advance()
                continue
            self.expect(")")
            return tuple(args)


def _unknown_name(name: str, following: Token) -> str:
    if following.kind == "op" and following.value == "(":
        return f"unknown function '{name}'"
    return f"unknown name '{name}'; a question reference is written ${{{name}}}"


def _check_call(node: Call, name: Token) -> None:
    fewest, most = (ARITY[node.name],) * 2 if node.name in ARITY else ARITIES[node.name]
    if not fewest <= len(node.args) <= (len(node.args) if most is None else most):
        if most is None:
            expected = f"at least {fewest}"
        else:
            expected = str(fewest) if fewest == most else f"{fewest} or {most}"
        plural = "" if expected in ("1", "at least 1") else "s"
        message = f"{node.name}() takes {expected} argument{plural}, got {len(node.args)}"
        raise ExpressionError(message, name.pos)
    if node.name == "regex":
        _check_pattern(node.args[1], name.pos)
    if node.name == "jr:choice-name":
        _check_choice(node.args[1], name.pos)


def _check_choice(question: Node, pos: int) -> None:
    if not (isinstance(question, Literal) and isinstance(question.value, str)) or not (
        CHOICE_KEY.fullmatch(question.value)
    ):
        raise ExpressionError(
            "the second argument of jr:choice-name() names the question in quotes: '${key}'",
            pos,
        )


def _check_pattern(pattern: Node, pos: int) -> None:
    # A pattern taken from an answer would let a respondent run any regex, e.g. a
    # catastrophically backtracking one; patterns are the questionnaire author's alone.
    if not isinstance(pattern, Literal) or not isinstance(pattern.value, str):
        raise ExpressionError("the pattern of regex() must be a quoted string", pos)
    if problem := _regex_problem(pattern.value):
        raise ExpressionError(f"invalid regular expression: {problem}", pos)


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(python_pattern(pattern))
    except (re.error, OverflowError, RecursionError) as error:
        return str(error)
    return None
