"""The XLSForm expression language: values, errors, static checks and properties."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.core.expressions import (
    MAX_LENGTH,
    Expression,
    ExpressionError,
    parse,
)
from survey.core.questionnaire import Special

TODAY = datetime.date(2024, 6, 15)
NAN = math.nan
INF = math.inf

ANSWERS = {
    "training": "yes",
    "areas": ["trade", "waste", "culture"],
    "city": "boulder",
    "sent": 3,
    "received": 5,
    "ratio": 0.5,
    "year": 1989,
    "started": "2008-05-01",
    "ended": "2009-01-31",
    "name": "Lhasa 拉萨",
    "dk": Special.DONT_KNOW,
    "rf": "rf",
    "none": None,
    "empty_multi": [],
    "zero": 0,
    "neg": -7,
    "text_num": "42",
    "big": 10**400,
}
CURRENT = 5


def same(actual: object, expected: object) -> bool:
    """Equal values of the same XPath type, NaN equal to NaN (True == 1.0 must not pass)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(actual)  # type: ignore[arg-type]
    return actual == expected


EVALUATIONS = [
    # literals
    ("1", 1.0),
    ("1.5", 1.5),
    (".5", 0.5),
    ("'yes'", "yes"),
    ('"it\'s"', "it's"),
    ("''", ""),
    # references: missing, None, special answers and multis
    ("${training}", "yes"),
    ("${areas}", "trade waste culture"),
    ("${sent}", 3.0),
    ("${missing}", ""),
    ("${dk}", ""),
    ("${rf}", ""),
    ("${none}", ""),
    ("${empty_multi}", ""),
    ("${big}", INF),
    (".", 5.0),
    # equality: numeric when either side is a number, else string
    ("${training} = 'yes'", True),
    ("${training} != 'yes'", False),
    ("${sent} = 3", True),
    ("${sent} = '3'", True),
    ("${text_num} = 42", True),
    ("${text_num} = '42.0'", False),
    ("'abc' = 0", False),
    ("'abc' != 0", True),
    ("${missing} = ''", True),
    ("${dk} = ''", True),
    ("${sent} = ''", False),
    ("${sent} != ''", True),
    ("${areas} = 'waste'", False),
    ("${city} = 'boulder'", True),
    ("true() = 'x'", True),
    ("false() = 0", True),
    (". = ${received}", True),
    # relational: numbers, except two ISO dates
    ("${sent} < ${received}", True),
    ("${sent} >= 3", True),
    ("${sent} > 3", False),
    ("${sent} <= 2.5", False),
    ("${missing} < 1", False),
    ("${missing} >= 0", False),
    ("'10' > '9'", True),
    ("'b' > 'a'", False),
    ("${started} < ${ended}", True),
    ("${ended} <= '2009-01-31'", True),
    ("${started} > today()", False),
    ("'2008-13-45' < '2009-01-01'", True),
    ("today() - ${started} > 365", True),
    ("today() - '2024-06-01'", 14.0),
    ("'1970-01-11' = 10", True),
    ("${year} >= 1989 and ${year} < 2001", True),
    (". >= ${sent}", True),
    # arithmetic and precedence
    ("1 + 2 * 3", 7.0),
    ("(1 + 2) * 3", 9.0),
    ("10 - 4 - 3", 3.0),
    ("12 div 4 div 3", 1.0),
    ("7 div 2", 3.5),
    ("7 mod 3", 1.0),
    ("-7 mod 3", -1.0),
    ("7 mod -3", 1.0),
    ("${neg} mod 4", -3.0),
    ("10 - 2 * 3 mod 4", 8.0),
    ("1 div 0", INF),
    ("-1 div 0", -INF),
    ("0 div 0", NAN),
    ("5 mod 0", NAN),
    ("(1 div 0) mod 2", NAN),
    ("5 mod (1 div 0)", 5.0),
    ("${missing} + 1", NAN),
    ("${training} * 2", NAN),
    ("${sent} + ${received}", 8.0),
    ("${ratio} * 4", 2.0),
    ("-${sent}", -3.0),
    ("- -2", 2.0),
    ("1 - -1", 2.0),
    ("2 * -3", -6.0),
    ("-2 * 3 + 1", -5.0),
    (". * 2", 10.0),
    # logic
    ("${training} = 'yes' and selected(${areas}, 'waste')", True),
    ("${training} = 'no' or ${sent} > 2", True),
    ("1 = 1 or 1 = 2 and 1 = 2", True),
    ("(1 = 1 or 1 = 2) and 1 = 2", False),
    ("1 < 2 = 1", True),
    ("3 > 2 > 1", False),
    ("1 + 1 = 2 and 2 * 2 = 4", True),
    ("not(${training} = 'yes')", False),
    ("not(${missing})", True),
    ("${zero} or ''", False),
    ("0 div 0 or 0", False),
    # functions
    ("selected(${areas}, 'trade')", True),
    ("selected(${areas}, 'energy')", False),
    ("selected(${city}, 'boulder')", True),
    ("selected(${training}, 'yes')", True),
    ("selected(${missing}, 'x')", False),
    ("selected(${dk}, 'dk')", False),
    ("count-selected(${areas})", 3.0),
    ("count-selected(${empty_multi})", 0.0),
    ("count-selected(${rf})", 0.0),
    ("string-length(${name})", 8.0),
    ("string-length(${missing})", 0.0),
    ("string-length(12.50)", 4.0),
    ("today()", "2024-06-15"),
    ("true()", True),
    ("false()", False),
    ("number('  42 ')", 42.0),
    ("number('-1.5')", -1.5),
    ("number('4e2')", NAN),
    ("number('1_000')", NAN),
    ("number(true())", 1.0),
    ("string(1 div 0)", "Infinity"),
    ("string(-1 div 0)", "-Infinity"),
    ("string(0 div 0)", "NaN"),
    ("string(7 div 2)", "3.5"),
    ("string(6 div 2)", "3"),
    ("string(1 div 3)", "0.3333333333333333"),
    ("string(100000000000000000000)", "100000000000000000000"),
    ("string(0.0000001)", "0.0000001"),
    ("string(true())", "true"),
    ("int(3.9)", 3.0),
    ("int(-3.9)", -3.0),
    ("int('x')", NAN),
    ("int(1 div 0)", INF),
    ("if(${sent} > 2, 'many', 'few')", "many"),
    ("if(${missing}, 'a', 'b')", "b"),
    ("coalesce(${missing}, 'fallback')", "fallback"),
    ("coalesce(${city}, 'fallback')", "boulder"),
    ("coalesce(${zero}, 9)", 0.0),
    ("regex(${city}, '^b')", True),
    ("regex(${city}, 'x$')", False),
    ("regex(${name}, '拉萨')", True),
    # whitespace is free, including the ideographic space
    ("  ${sent}=3  ", True),
    ("${sent}\n>\t2", True),
    ("1\u3000+\u30002", 3.0),
]


@pytest.mark.parametrize(("source", "expected"), EVALUATIONS)
def test_evaluates_as_xpath(source: str, expected: object) -> None:
    value = parse(source).evaluate(ANSWERS, current=CURRENT, today=TODAY)
    assert same(value, expected), f"{source!r} gave {value!r}, expected {expected!r}"


@pytest.mark.parametrize(
    ("source", "current", "expected"),
    [
        (". >= 0", 4, True),
        (". >= 0", None, False),
        (". >= 0", Special.REFUSED, False),
        (". = ''", "dk", True),
        ("count-selected(.) <= 2", ["a", "b"], True),
        ("count-selected(.) <= 2", ["a", "b", "c"], False),
        ("selected(., 'b')", ["a", "b"], True),
        ("string-length(.) <= 5", "拉萨市", True),
        ("regex(., '^[0-9]{6}$')", "100871", True),
        (". <= today()", "2024-06-16", False),
        (". <= today()", datetime.date(2024, 6, 1), True),
    ],
)
def test_constraint_reads_current_answer(source: str, current: object, expected: bool) -> None:
    assert parse(source).test({}, current=current, today=TODAY) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", True), (0, False), (0.1, True), (math.nan, False), (True, True)],
)
def test_test_is_xpath_boolean(value: object, expected: bool) -> None:
    assert parse("${x}").test({"x": value}) is expected


def test_today_defaults_to_the_real_date() -> None:
    before = datetime.date.today().isoformat()
    value = parse("today()").evaluate({})
    assert value in {before, datetime.date.today().isoformat()}


def test_today_accepts_a_datetime() -> None:
    moment = datetime.datetime(2009, 3, 1, 23, 59)
    assert parse("today()").evaluate({}, today=moment) == "2009-03-01"


MALFORMED = [
    ("", "unexpected end of expression", 0),
    ("   ", "unexpected end of expression", 3),
    ("(1", "expected ')', found end of expression", 2),
    ("(1 2)", "expected ')', found number 2", 3),
    ("1 +", "unexpected end of expression", 3),
    ("(1 + 2))", "unexpected ')'", 7),
    ("foo(1)", "unknown function 'foo'", 0),
    ("count_selected(${a})", "unknown function 'count_selected'", 0),
    ("1 + yes", "unknown name 'yes'; a question reference is written ${yes}", 4),
    ("'abc", "unterminated string", 0),
    ('${a} = "x', "unterminated string", 7),
    ("${a", "expected '}' to close ${a", 3),
    ("${}", "expected a question key after '${'", 2),
    ("${1a}", "expected a question key after '${'", 2),
    ("$a", "unexpected '$'; a question reference is written ${key}", 0),
    ("${a} == 1", "unexpected '=='; compare with '='", 5),
    ("${a} && ${b}", "unexpected '&&'; write 'and'", 5),
    ("${a} || ${b}", "unexpected '||'; write 'or'", 5),
    ("${a} <> 1", "unexpected '<>'; write '!='", 5),
    ("${a} / 2", "unexpected '/'; divide with 'div'", 5),
    ("${a} % 2", "unexpected '%'; write 'mod' for the remainder", 5),
    ("!${a}", "unexpected '!'; write 'not(…)' or '!='", 0),
    ("${a} # 1", "unexpected character '#'", 5),
    ("${a} = 中", "unexpected character '中'", 7),
    ("selected(${a})", "selected() takes 2 arguments, got 1", 0),
    ("1 + today(1)", "today() takes 0 arguments, got 1", 4),
    ("not(1, 2)", "not() takes 1 argument, got 2", 0),
    ("1 + not 1", "expected '(', found number 1", 8),
    ("and 1", "unexpected 'and'", 0),
    ("1 and or 2", "unexpected 'or'", 6),
    ("${a} ${b}", "unexpected ${b}", 5),
    ("1 'x'", "unexpected string 'x'", 2),
    ("if(1,,2)", "unexpected ','", 5),
    ("..", "unexpected '.'", 1),
    ("1.2.3", "unexpected number 0.3", 3),
    (
        "regex(${a}, '[')",
        "invalid regular expression: unterminated character set at position 0",
        0,
    ),
    ("regex(${a}, ${b})", "the pattern of regex() must be a quoted string", 0),
    ("1 or regex(${a}, 5)", "the pattern of regex() must be a quoted string", 5),
    ("9" * 400, "number is too large", 0),
    ("(" * 33 + "1" + ")" * 33, "nested too deeply (at most 32 levels)", 32),
    ("-" * 40 + "1", "nested too deeply (at most 32 levels)", 32),
    ("+".join(["1"] * 122), "too many operators (at most 120)", 241),
    ("x" * (MAX_LENGTH + 1), "expression is too long (2001 characters; at most 2000)", None),
]


@pytest.mark.parametrize(("source", "message", "position"), MALFORMED)
def test_rejects_malformed_source(source: str, message: str, position: int | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert (caught.value.message, caught.value.position) == (message, position)


def test_error_text_names_the_column() -> None:
    with pytest.raises(ExpressionError, match=r"^unexpected '\)' at column 7$"):
        parse("(1 + 2))")


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown function 'eval'"):
        parse("eval('1')")


def test_deepest_allowed_expressions_evaluate() -> None:
    nested = "(" * 16 + "not(" * 15 + "+".join(["-1"] * 44) + ")" * 31
    assert parse(nested).evaluate({}) is False
    assert parse("+".join(["1"] * 121)).evaluate({}) == 121.0


def test_limits_leave_room_for_real_expressions() -> None:
    alternatives = " or ".join(f"${{q{i}}} = 'code{i}'" for i in range(60))
    expression = parse(alternatives)
    assert expression.test({"q59": "code59"})
    assert len(expression.references) == 60


TYPES = {
    "training": "yesno",
    "areas": "multi",
    "city": "single",
    "level": "scale",
    "sent": "integer",
    "ratio": "number",
    "year": "year",
    "started": "date",
    "name": "text",
    "notes": "longtext",
    "intro": "note",
    "total": "calculate",
}


@pytest.mark.parametrize(
    ("source", "current_type", "problems"),
    [
        ("${training} = 'yes' and selected(${areas}, 'waste')", None, []),
        ("selected(${total}, 'a') and count-selected(${total}) > 1", None, []),
        ("${total} * 2 + 1", None, []),
        ("${sent} + ${ratio} * ${year} - ${level} > 0", None, []),
        ("today() - ${started} > 30", None, []),
        ("string-length(${name}) > 3 and ${city} = 'x'", None, []),
        (". > ${sent}", "integer", []),
        ("count-selected(.) <= 3", "multi", []),
        ("selected(${level}, '3')", None, []),
        (
            "${later} = 1",
            None,
            ["unknown question ${later} (only earlier questions can be referred to)"],
        ),
        (
            "${x} = 1 or ${x} = 2",
            None,
            ["unknown question ${x} (only earlier questions can be referred to)"],
        ),
        (
            "selected(${later}, 'a')",
            None,
            ["unknown question ${later} (only earlier questions can be referred to)"],
        ),
        (". > ${sent}", None, ["'.' is only allowed in a constraint"]),
        ("${intro} = ''", None, ["${intro} is a note and has no answer"]),
        (
            "selected(${sent}, '1')",
            None,
            [
                "selected() needs a single, multi, yesno or scale question or a calculation,"
                " but ${sent} is integer"
            ],
        ),
        (
            "selected('a b', 'a')",
            None,
            ["the first argument of selected() must be a question such as ${key}"],
        ),
        (
            "count-selected(${city}) > 1",
            None,
            ["count-selected() needs a multi question or a calculation, but ${city} is single"],
        ),
        (
            "count-selected(.) <= 3",
            "text",
            ["count-selected() needs a multi question or a calculation, but '.' is text"],
        ),
        ("${name} + 1", None, ["${name} is a text question: it cannot be used with '+'"]),
        ("-${city}", None, ["${city} is a single question: it cannot be used with '-'"]),
        (". * 2 > 1", "longtext", ["'.' is a longtext question: it cannot be used with '*'"]),
        (
            "${areas} * 2 div ${notes}",
            None,
            [
                "${areas} is a multi question: it cannot be used with '*'",
                "${notes} is a longtext question: it cannot be used with 'div'",
            ],
        ),
        (
            "${training} mod 2 = ${gone}",
            None,
            [
                "${training} is a yesno question: it cannot be used with 'mod'",
                "unknown question ${gone} (only earlier questions can be referred to)",
            ],
        ),
    ],
)
def test_check_reports_type_problems(
    source: str, current_type: str | None, problems: list[str]
) -> None:
    assert parse(source).check(TYPES, current_type) == problems


def test_references_and_current() -> None:
    expression = parse(". >= ${a} and selected(${b}, 'x') or ${a} = 1")
    assert expression.references == frozenset({"a", "b"})
    assert expression.uses_current
    assert not parse("${a} = 1").uses_current
    assert parse("today() = '2020-01-01'").references == frozenset()


def test_to_json_shape() -> None:
    expression = parse("${t} = 'yes' and not(-. > 2.5) or count-selected(${m}) div 2")
    equals_yes = ["=", ["ref", "t"], ["str", "yes"]]
    negated = ["call", "not", [">", ["neg", ["cur"]], ["num", 2.5]]]
    halved = ["div", ["call", "count-selected", ["ref", "m"]], ["num", 2.0]]
    assert expression.to_json() == ["or", ["and", equals_yes, negated], halved]
    assert json.loads(json.dumps(expression.to_json(), allow_nan=False)) == expression.to_json()


def test_expression_is_immutable_and_equal_by_source() -> None:
    first, second = parse("${a}=1"), Expression("${a}=1", parse("${a} = 1").tree)
    assert first == second
    assert len({first, second}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.source = "${b}=1"  # type: ignore[misc]


# ------------------------------------------------------------------------------- properties

FRAGMENTS = [
    "${", "}", "$", "{", "'", '"', "(", ")", ",", ".", "=", "==", "!=", "!", "<", "<=", ">",
    ">=", "+", "-", "*", "/", "and", "or", "not", "div", "mod", "selected", "count-selected",
    "string-length", "today", "regex", "if", "coalesce", "int", "1", "2.5", ".5", "a", "b_1",
    "中文", "繁體", "😀", " ", "\n", "\u3000", "[", "\\", "9" * 30,
]  # fmt: skip


def _parse_or_error(source: str) -> Expression | ExpressionError:
    try:
        return parse(source)
    except ExpressionError as error:
        return error


_NOISE = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), _NOISE))
def test_parse_raises_only_expression_error(source: str) -> None:
    result = _parse_or_error(source)  # any other exception fails the test
    if isinstance(result, ExpressionError):
        assert result.position is not None
        assert 0 <= result.position <= len(source)
    else:
        assert type(result.evaluate({})) in (str, float, bool)


KEYS = ("a", "b", "c")
_LEAVES = st.one_of(
    st.integers(0, 10**6).map(str),
    st.decimals(0, 1000, places=2).map(str),
    st.text(st.characters(exclude_characters="'"), max_size=8).map(lambda s: f"'{s}'"),
    st.text(st.characters(exclude_characters='"'), max_size=8).map(lambda s: f'"{s}"'),
    st.sampled_from(KEYS).map(lambda key: f"${{{key}}}"),
    st.sampled_from([".", "today()", "true()", "false()"]),
)
_BINARY = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]
_CALLS = {
    "selected": 2, "count-selected": 1, "string-length": 1, "not": 1, "number": 1,
    "string": 1, "int": 1, "if": 3, "coalesce": 2,
}  # fmt: skip
_PATTERNS = st.sampled_from(["'^a'", "'[0-9]+'", "'拉萨$'", "''", '"(?i)yes"'])


def _calls(sub: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    calls = st.sampled_from(sorted(_CALLS)).flatmap(
        lambda name: st.lists(sub, min_size=_CALLS[name], max_size=_CALLS[name]).map(
            lambda args: f"{name}({', '.join(args)})"
        )
    )
    regexes = st.tuples(sub, _PATTERNS).map(lambda args: f"regex({args[0]}, {args[1]})")
    return st.one_of(calls, regexes)


def _sources(depth: int) -> st.SearchStrategy[str]:
    """Well-formed expression sources from a small grammar, at most `depth` levels deep."""
    if depth == 0:
        return _LEAVES
    sub = _sources(depth - 1)
    return st.one_of(
        _LEAVES,
        st.tuples(sub, st.sampled_from(_BINARY), sub).map(" ".join),
        sub.map(lambda s: f"-{s}"),
        sub.map(lambda s: f"({s})"),
        _calls(sub),
    )


_ANSWER_VALUES = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=4),
    st.sampled_from(list(Special)),
    st.dates().map(datetime.date.isoformat),
    st.dates(),
)


@settings(max_examples=200, deadline=None)
@given(
    source=_sources(3),
    answers=st.dictionaries(st.sampled_from(KEYS), _ANSWER_VALUES),
    current=_ANSWER_VALUES,
    today=st.dates(),
    types=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(sorted(TYPES.values()))),
)
def test_well_formed_expressions_always_evaluate(
    source: str, answers: dict, current: object, today: datetime.date, types: dict
) -> None:
    expression = parse(source)
    value = expression.evaluate(answers, current=current, today=today)
    assert type(value) in (str, float, bool)
    assert isinstance(expression.test(answers, current, today), bool)
    assert all(isinstance(problem, str) for problem in expression.check(types, "text"))
    json.dumps(expression.to_json(), allow_nan=False)  # literals are always finite


# An independent reference for number/boolean operators with XPath semantics.
_PRECEDENCE = {
    "or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "div": 6, "mod": 6,
}  # fmt: skip


def _truth(x: float | bool) -> bool:
    return bool(x) and not (isinstance(x, float) and math.isnan(x))


def _reference(op: str, x: float | bool, y: float | bool) -> float | bool:
    if op in ("and", "or"):
        return (_truth(x) and _truth(y)) if op == "and" else (_truth(x) or _truth(y))
    if op in ("=", "!="):
        both_numbers = not isinstance(x, bool) and not isinstance(y, bool)
        equal = float(x) == float(y) if both_numbers else _truth(x) == _truth(y)
        return equal if op == "=" else not equal
    a, b = float(x), float(y)
    if op in ("<", "<=", ">", ">="):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if op == "div":
        if b == 0:
            return NAN if a == 0 or math.isnan(a) else math.copysign(INF, a) * math.copysign(1, b)
        return a / b
    if op == "mod":
        if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
            return NAN
        return math.copysign(abs(a) % abs(b), a)  # the sign of the dividend
    return {"+": a + b, "-": a - b, "*": a * b}[op]


_INTS = st.integers(-1000, 1000)


@settings(max_examples=200, deadline=None)
@given(a=_INTS, op=st.sampled_from(_BINARY), b=_INTS)
def test_binary_operator_agrees_with_reference(a: int, op: str, b: int) -> None:
    expected = _reference(op, float(a), float(b))
    assert same(parse(f"{a} {op} {b}").evaluate({}), expected)


@settings(max_examples=200, deadline=None)
@given(a=_INTS, op1=st.sampled_from(_BINARY), b=_INTS, op2=st.sampled_from(_BINARY), c=_INTS)
def test_precedence_agrees_with_reference(a: int, op1: str, b: int, op2: str, c: int) -> None:
    x, y, z = float(a), float(b), float(c)
    if _PRECEDENCE[op2] > _PRECEDENCE[op1]:
        expected = _reference(op1, x, _reference(op2, y, z))
    else:
        expected = _reference(op2, _reference(op1, x, y), z)
    assert same(parse(f"{a} {op1} {b} {op2} {c}").evaluate({}), expected)
