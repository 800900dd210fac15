"""XLSForm expressions for `relevant` (show-if) and `constraint`: parse, evaluate, check.

A hand-written tokenizer and recursive-descent parser build an immutable tree;
nothing is ever handed to `eval`. Sources are capped at MAX_LENGTH characters,
MAX_NESTING levels of parentheses, calls and unary minus, and MAX_OPERATORS
operators and calls, so hostile input cannot exhaust the stack.

Grammar, loosest first (XPath 1.0 precedence, all binary operators left-associative):
    or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -
Operands: `${key}`, `.`, 'string' or "string", 12 or 1.5, `( … )`, and the calls
selected(x, c), count-selected(x), string-length(x), today(), true(), false(),
not(x), number(x), string(x), int(x), if(c, a, b), coalesce(a, b), regex(x, pattern).

The parser also rejects a call with the wrong number of arguments and a regex()
whose pattern is not a valid regular expression in a string literal (a pattern
taken from an answer would let respondents run arbitrary regexes); check() adds
the problems that need the questions' types.

Values follow XPath/ODK: every value is a string, a number (float) or a boolean.
An unanswered question, None and the special answers "dk"/"rf" (as `Special` or
as plain strings) read as ''; a multi answer reads as its codes joined by a
space. `=` compares numbers when either side is a number, booleans when either
is a boolean, else strings; `<` and the like compare numbers, NaN comparing
false, except that two date-shaped strings ("YYYY-MM-DD") compare as strings.
A date-shaped string converts to a number as days since 1970-01-01, so
`today() - ${started}` counts days. regex() searches (it is not anchored).

`Expression.to_json()` gives the tree for the browser evaluator; every node is a list:
    ["num", 3.0]               number literal (always finite)
    ["str", "yes"]             string literal
    ["ref", "key"]             ${key}
    ["cur"]                    . (the current question's own answer)
    ["neg", node]              unary minus
    [op, left, right]          op: "or" "and" "=" "!=" "<" "<=" ">" ">=" "+" "-" "*" "div" "mod"
    ["call", name, arg, …]     a function call, arguments in order

`ExpressionError.position` is a 0-based character offset into the source.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from survey.core.questionnaire import Special

MAX_LENGTH = 2000
MAX_NESTING = 32
MAX_OPERATORS = 120

Value = str | float | bool

CHOICE_QUESTION_TYPES = frozenset({"single", "multi", "yesno", "scale"})
# Answers of these types are codes or free text: arithmetic on them is always a mistake.
NON_ARITHMETIC_TYPES = frozenset({"text", "longtext", "single", "multi", "yesno"})
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


# ---------------------------------------------------------------------------- tokens

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*")
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


# ---------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Literal:
    """A string or number literal."""

    value: str | float


@dataclass(frozen=True, slots=True)
class Ref:
    """`${key}`: another question's answer."""

    key: str


@dataclass(frozen=True, slots=True)
class Current:
    """`.`: the answer the constraint is checking."""


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operator: logical, comparison or arithmetic."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; the parser has checked the name and the number of arguments."""

    name: str
    args: tuple[Node, ...]


Node = Literal | Ref | Current | Negate | Binary | Call


def children(node: Node) -> tuple[Node, ...]:
    """A node's direct sub-expressions."""
    match node:
        case Negate(operand):
            return (operand,)
        case Binary(_, left, right):
            return (left, right)
        case Call(_, args):
            return args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, children before parents: operators in source order."""
    order, stack = [], [node]
    while stack:  # root-right-left, reversed below into left-right-root
        order.append(node := stack.pop())
        stack.extend(children(node))
    return reversed(order)


def to_json(node: Node) -> Any:
    """A tree as nested JSON lists (shape in the module docstring)."""
    match node:
        case Literal(value):
            return ["str" if isinstance(value, str) else "num", value]
        case Ref(key):
            return ["ref", key]
        case Negate(operand):
            return ["neg", to_json(operand)]
        case Binary(op, left, right):
            return [op, to_json(left), to_json(right)]
        case Call(name, args):
            return ["call", name, *map(to_json, args)]
    return ["cur"]


# ---------------------------------------------------------------------------- parser

_LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))


class _Parser:
    """Recursive descent over the token list; one precedence level per loop."""

    def __init__(self, source: str):
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
            return self.call(token)
        if token.value == "(":
            return self.nested(token, self.group)
        raise ExpressionError(f"unexpected {describe(token)}", token.pos)

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
        if name.value not in ARITY:
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
    expected = ARITY[node.name]
    if len(node.args) != expected:
        plural = "" if expected == 1 else "s"
        message = f"{node.name}() takes {expected} argument{plural}, got {len(node.args)}"
        raise ExpressionError(message, name.pos)
    if node.name == "regex":
        _check_pattern(node.args[1], name.pos)


def _check_pattern(pattern: Node, pos: int) -> None:
    # A pattern taken from an answer would let a respondent run any regex, e.g. a
    # catastrophically backtracking one; patterns are the questionnaire author's alone.
    if not isinstance(pattern, Literal) or not isinstance(pattern.value, str):
        raise ExpressionError("the pattern of regex() must be a quoted string", pos)
    if problem := _regex_problem(pattern.value):
        raise ExpressionError(f"invalid regular expression: {problem}", pos)


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        return str(error)
    return None


# ---------------------------------------------------------------------------- values

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


# ---------------------------------------------------------------------------- functions


def _selected(env: Env, value: Value, code: Value) -> bool:
    return to_string(code).strip() in to_string(value).split()


def _int(env: Env, value: Value) -> float:
    number = to_number(value)
    return float(math.trunc(number)) if math.isfinite(number) else number


def _coalesce(env: Env, first: Value, second: Value) -> Value:
    return second if first == "" else first


def _regex(env: Env, value: Value, pattern: Value) -> bool:
    # The parser has compiled the pattern, a string literal, once already.
    return re.search(str(pattern), to_string(value)) is not None


_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "selected": _selected,
    "count-selected": lambda env, value: float(len(to_string(value).split())),
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
}


# ---------------------------------------------------------------------------- evaluation


class Env(NamedTuple):
    """What an evaluation sees: the answers, the current answer and today's ISO date."""

    answers: Mapping[str, Any]
    current: Any
    today: str


def evaluate(node: Node, env: Env) -> Value:
    """The XPath value of a tree; never raises for any answers."""
    match node:
        case Literal(value):
            return value
        case Ref(key):
            return answer_value(env.answers.get(key))
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


# ---------------------------------------------------------------------------- static check


def _reference_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if isinstance(node, Current) and current is None:
        return ["'.' is only allowed in a constraint"]
    if not isinstance(node, Ref):
        return []
    if node.key not in types:
        return [f"unknown question ${{{node.key}}} (only earlier questions can be referred to)"]
    if types[node.key] == "note":
        return [f"${{{node.key}}} is a note and has no answer"]
    return []


def _operand_type(node: Node, types: Mapping[str, str], current: str | None) -> tuple[str, str]:
    """(how to name the operand, its question type), or ('', '') when not a question."""
    if isinstance(node, Ref) and node.key in types:
        return f"${{{node.key}}}", types[node.key]
    if isinstance(node, Current) and current is not None:
        return "'.'", current
    return "", ""


def _arithmetic_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if isinstance(node, Negate):
        operands, op = (node.operand,), "-"
    elif isinstance(node, Binary) and node.op in ARITHMETIC:
        operands, op = (node.left, node.right), node.op
    else:
        return []
    problems = []
    for operand in operands:
        name, kind = _operand_type(operand, types, current)
        if kind in NON_ARITHMETIC_TYPES:
            problems.append(f"{name} is a {kind} question: it cannot be used with '{op}'")
    return problems


def _selection_problems(node: Node, types: Mapping[str, str], current: str | None) -> list[str]:
    if not isinstance(node, Call) or node.name not in ("selected", "count-selected"):
        return []
    target = node.args[0]
    if not isinstance(target, Ref | Current):
        return [f"the first argument of {node.name}() must be a question such as ${{key}}"]
    name, kind = _operand_type(target, types, current)
    allowed = ("multi",) if node.name == "count-selected" else ("single", "multi", "yesno", "scale")
    if not kind or kind in allowed:
        return []  # unknown references are reported on their own
    wanted = "a multi" if node.name == "count-selected" else "a single, multi, yesno or scale"
    return [f"{node.name}() needs {wanted} question, but {name} is {kind}"]


_CHECKS = (_reference_problems, _arithmetic_problems, _selection_problems)


# ---------------------------------------------------------------------------- expression


@dataclass(frozen=True)
class Expression:
    """A parsed expression: evaluate it against answers, or check it against question types."""

    source: str
    tree: Node = field(repr=False, compare=False)

    @property
    def references(self) -> frozenset[str]:
        """The question keys named by ${…}."""
        return frozenset(node.key for node in walk(self.tree) if isinstance(node, Ref))

    @property
    def uses_current(self) -> bool:
        """Whether the expression reads the current answer through '.'."""
        return any(isinstance(node, Current) for node in walk(self.tree))

    def evaluate(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: datetime.date | None = None,
    ) -> Any:
        """The XPath value (str, float or bool) of the expression; never raises."""
        return evaluate(self.tree, Env(answers, current, _iso_today(today)))

    def test(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: datetime.date | None = None,
    ) -> bool:
        """Whether the expression holds: XPath boolean() of its value."""
        return to_boolean(self.evaluate(answers, current, today))

    def check(self, types: Mapping[str, str], current_type: str | None = None) -> list[str]:
        """Type problems given the earlier questions' types; '.' allowed iff current_type."""
        problems = [
            problem
            for node in walk(self.tree)
            for check in _CHECKS
            for problem in check(node, types, current_type)
        ]
        return list(dict.fromkeys(problems))  # each problem once, in source order

    def to_json(self) -> Any:
        """The tree as nested JSON lists (shape in the module docstring)."""
        return to_json(self.tree)


def _iso_today(today: datetime.date | str | None) -> str:
    if today is None:
        return datetime.date.today().isoformat()
    if isinstance(today, datetime.datetime):
        return today.date().isoformat()
    return today if isinstance(today, str) else today.isoformat()


@lru_cache(maxsize=1024)
def parse(source: str) -> Expression:
    """Parse an XLSForm expression; raise ExpressionError with a message and a position."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters; at most {MAX_LENGTH})"
        )
    return Expression(source, _Parser(source).parse())
