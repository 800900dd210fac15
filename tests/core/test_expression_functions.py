"""The XLSForm functions a calculation needs: each on its own, its arity, its declared type."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.core.expressions import Env, ExpressionError, evaluate, parse
from survey.core.expressions.functions import ARITIES, RETURNS
from survey.core.expressions.tokens import ARITY
from survey.core.expressions.tree import Call, Literal


def value(source: str, answers: dict | None = None, **kwargs):
    return parse(source).evaluate(answers or {}, **kwargs)


def same(got, expected) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(expected) and got == expected


def check(cases: list[tuple[str, object]], answers: dict | None = None) -> None:
    for source, expected in cases:
        got = value(source, answers)
        assert same(got, expected), (source, got, expected)


def test_if():
    check([("if(1 > 0, 'a', 'b')", "a"), ("if('', 1, 2)", 2.0), ("if(${x}, 1, 2)", 2.0)])


def test_coalesce():
    check([("coalesce(${x}, 'none')", "none"), ("coalesce('a', 'b')", "a")], {"x": "dk"})


def test_concat():
    check([("concat('a', 1, true())", "a1true"), ("concat(${x})", ""), ("concat(2.50)", "2.5")])
    assert value("concat(${a}, '-', ${b})", {"a": "拉萨", "b": 3}) == "拉萨-3"


def test_round():
    check(
        [
            ("round(2.5)", 3.0),
            ("round(-2.5)", -2.0),  # XPath: a half goes toward +∞
            ("round(3.14159, 2)", 3.14),
            ("round(1234, -2)", 1200.0),
            ("round('x')", math.nan),
            ("round(2.5, 'x')", math.nan),
            ("round(1 div 0, 2)", math.inf),
            ("round(0.1, 400)", 0.1),
        ]
    )


def test_int():
    check([("int(-3.7)", -3.0), ("int('7.9')", 7.0), ("int('x')", math.nan)])
    check([("1 div int(-0.5)", -math.inf), ("int(${e})", math.nan)])  # -0, as JavaScript


def test_number():
    check([("number('12')", 12.0), ("number('1970-01-11')", 10.0), ("number('x')", math.nan)])


def test_string():
    check([("string(1 div 4)", "0.25"), ("string(true())", "true"), ("string(3)", "3")])


def test_sum():
    check([("sum(1, 2, '3')", 6.0), ("sum(${a})", 5.0), ("sum(1, 'x')", math.nan)], {"a": 5})


def test_max():
    check([("max(1, 3, 2)", 3.0), ("max(1, 'x')", math.nan), ("max(${a})", math.nan)])


def test_min():
    check([("min(3, 1, 2)", 1.0), ("min(-1, '-2')", -2.0), ("min('')", math.nan)])


def test_regex():
    check([("regex('abc', 'b')", True), ("regex('abc', '^b')", False)])


def test_substr():
    check(
        [
            ("substr('hello', 1, 3)", "el"),
            ("substr('hello', 2)", "llo"),
            ("substr('hello', -5, 99)", "hello"),
            ("substr('hello', 'x')", ""),
            ("substr('好的👍', 1, 3)", "的👍"),  # characters, not bytes
        ]
    )


def test_date():
    check(
        [
            ("date(0)", "1970-01-01"),
            ("date(14304.75)", "2009-03-01"),
            ("date('2009-03-01')", "2009-03-01"),
            ("date('2009-03-01T23:30:00-02:00')", "2009-03-02"),  # the day in UTC
            ("date('2009-02-30')", ""),
            ("date('soon')", ""),
            ("date(10000000)", ""),
            ("date(true())", ""),
        ]
    )


def test_decimal_date_time():
    check(
        [
            ("decimal-date-time('1970-01-02T12:00:00Z')", 1.5),
            ("decimal-date-time('1970-01-01T06:00:00+06:00')", 0.0),
            ("decimal-date-time('2009-03-01')", 14304.0),
            ("decimal-date-time(2.25)", 2.25),
            ("decimal-date-time('later')", math.nan),
        ]
    )


def test_format_date():
    check(
        [
            ("format-date('2009-03-01', '%d %b %Y, %a')", "01 Mar 2009, Sun"),
            ("format-date('2009-03-05', '%e/%n/%y')", "5/3/09"),
            ("format-date('2009-03-01T07:05:09.25Z', '%H:%M:%S.%3 %h')", "07:05:09.250 7"),
            ("format-date('2009-03-01', '100%% %q')", "100%% %q"),
            ("format-date('nope', '%Y')", ""),
        ]
    )


def test_choice_name():
    labels = {("colour", "red"): "Rot"}.get

    def label(key: str, code: str) -> str:
        return labels((key, code), code)

    source = "jr:choice-name(${colour}, '${colour}')"
    assert value(source, {"colour": "red"}, labels=label) == "Rot"
    assert value(source, {"colour": "red"}) == "red"  # without labels: the code
    assert value(source, {}, labels=label) == ""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("round()", "round() takes 1 or 2 arguments, got 0"),
        ("round(1, 2, 3)", "round() takes 1 or 2 arguments, got 3"),
        ("concat()", "concat() takes at least 1 argument, got 0"),
        ("substr('a')", "substr() takes 2 or 3 arguments, got 1"),
        ("date()", "date() takes 1 argument, got 0"),
        ("format-date('2009-01-01')", "format-date() takes 2 arguments, got 1"),
        ("jr:choice-name(${a}, ${a})", "names the question in quotes: '${key}'"),
        ("jr:choice-name(${a}, 'a')", "names the question in quotes: '${key}'"),
        ("jr:other(1)", "unknown function 'jr:other'"),
    ],
)
def test_a_call_with_the_wrong_arguments_is_refused(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert message in str(caught.value)


def test_choice_name_needs_an_earlier_question_with_choices():
    expression = parse("jr:choice-name(${a}, '${a}')")
    assert expression.check({"a": "single"}) == []
    assert expression.check({"a": "integer"}) == [
        "jr:choice-name() needs a question with choices, but ${a} is integer"
    ]
    assert expression.check({}) == [
        "unknown question ${a} (only earlier questions can be referred to)",
        "jr:choice-name() names the unknown question ${a} (only earlier ones)",
    ]


def test_every_function_has_a_declared_type():
    assert sorted(RETURNS) == sorted({*ARITY, *ARITIES})


_VALUES = st.one_of(
    st.text(max_size=12),
    st.floats(),
    st.booleans(),
    st.dates().map(datetime.date.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    st.sampled_from(["%Y-%m-%d %H:%M:%S.%3 %a %b %e %n %y %h", "${a}", "2009-02-29", "24:00"]),
    # for ODK's math (whole powers computed exactly, overflow, poles), times and selects
    st.integers(-1200, 1200).map(float),
    st.sampled_from([-0.0, 2.0**53, 1e308, -1e-308, math.pi, "1e5", "-0"]),
    st.times().map(lambda time: time.isoformat()),
    st.sampled_from(["12:30:00.5+08:00", "23:59-23:59", "00:00+24:00", "99:99", "7:05"]),
    st.sampled_from(["health water roads", " \t\n ", "true", "1", "a\u3000b", "👍的"]),
)


def _arguments(name: str) -> st.SearchStrategy[tuple]:
    fewest, most = (ARITY[name],) * 2 if name in ARITY else ARITIES[name]
    return st.lists(_VALUES, min_size=fewest, max_size=fewest + 4 if most is None else most).map(
        tuple
    )


@pytest.mark.parametrize("name", sorted(set(RETURNS) - {"regex"}))
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_each_function_returns_its_declared_type_for_any_arguments(name: str, data) -> None:
    args = data.draw(_arguments(name))
    now = data.draw(st.one_of(st.none(), st.sampled_from(["2009-03-01T06:30:15.250+00:00"])))
    labels = lambda key, code: f"{key}:{code}"  # noqa: E731
    env = Env({}, None, data.draw(st.dates()).isoformat(), labels, None, now)
    try:
        got = evaluate(Call(name, tuple(Literal(arg) for arg in args)), env)
    except ExpressionError:
        return  # the evaluator's own error is allowed; nothing else is
    assert isinstance(got, RETURNS[name]), (name, args, got)
    assert type(got) in (str, float, bool)
