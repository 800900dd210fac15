"""ODK's math, string, select and time functions: each on its own with a usual argument, an
empty answer and a value it cannot read; their arities; the type checks of their arguments.

`CASES` is also what the page's script must give alike (tests/responding/test_script_parity.py
runs it in Node, tests/e2e/test_respondent_browser.py in Chromium).
"""

from __future__ import annotations

import datetime
import math

import pytest

from survey.core.expressions import ExpressionError, parse

INF, NAN = math.inf, math.nan
NOW = datetime.datetime(2009, 3, 1, 6, 30, 15, 250000, tzinfo=datetime.UTC)
NOW_TEXT = "2009-03-01T06:30:15.250+00:00"

# (source, answers, expected): ${e} is never answered, ${t} a text, ${m} a multi answer.
CASES: dict[str, list[tuple[str, dict, object]]] = {
    "sqrt": [
        ("sqrt(${n})", {"n": 2.25}, 1.5),
        ("sqrt(${e})", {}, NAN),
        ("sqrt(-1)", {}, NAN),
        ("sqrt('x')", {}, NAN),
        ("sqrt(1 div 0)", {}, INF),
    ],
    "pow": [
        ("pow(${n}, 2)", {"n": 1.1}, 1.2100000000000002),
        ("pow(2, 10)", {}, 1024.0),
        ("pow(10, -4)", {}, 0.0001),  # whole powers are exact: not 0.00009999999999999999
        ("pow(-2, 3)", {}, -8.0),
        ("pow(2, 0.5)", {}, math.sqrt(2)),
        ("pow(${e}, 2)", {}, NAN),
        ("pow(2, ${e})", {}, NAN),
        ("pow(${e}, 0)", {}, 1.0),
        ("pow(-8, 1 div 3)", {}, NAN),
        ("pow(0, -1)", {}, INF),
        ("pow(-0 * 1, -3)", {}, -INF),  # -0 to an odd negative power
        ("pow(-0 * 1, -2)", {}, INF),
        ("pow(2, 5000)", {}, INF),
        ("pow(-2, 1025)", {}, -INF),
        ("pow(3, -1100)", {}, 0.0),
        ("pow(1, 1 div 0)", {}, NAN),  # Java and JavaScript, not C
        ("pow(1.5, 1 div 0)", {}, INF),
        ("pow(10, 400)", {}, INF),
    ],
    "abs": [("abs(${n})", {"n": -2.5}, 2.5), ("abs(${e})", {}, NAN), ("abs('x')", {}, NAN)],
    "exp": [
        ("exp(0)", {}, 1.0),
        ("exp(${e})", {}, NAN),
        ("exp(1000)", {}, INF),
        ("exp(-1 div 0)", {}, 0.0),
    ],
    "exp10": [
        ("exp10(${n})", {"n": 3}, 1000.0),
        ("exp10(-5)", {}, 0.00001),
        ("exp10(23)", {}, 1e23),
        ("exp10(0.5)", {}, math.sqrt(10)),
        ("exp10(${e})", {}, NAN),
        ("exp10(400)", {}, INF),
        ("exp10(-400)", {}, 0.0),
    ],
    "log": [
        ("log(1)", {}, 0.0),
        ("log(${e})", {}, NAN),
        ("log(0)", {}, -INF),
        ("log(-1)", {}, NAN),
        ("log(1 div 0)", {}, INF),
    ],
    "log10": [
        ("log10(${n})", {"n": 1000}, 3.0),
        ("log10(${e})", {}, NAN),
        ("log10(0)", {}, -INF),
        ("log10('x')", {}, NAN),
    ],
    "floor": [
        ("floor(${n})", {"n": 2.7}, 2.0),
        ("floor(-2.5)", {}, -3.0),
        ("floor(${e})", {}, NAN),
        ("floor(1 div 0)", {}, INF),
    ],
    "ceiling": [
        ("ceiling(${n})", {"n": 2.1}, 3.0),
        ("1 div ceiling(-0.5)", {}, -INF),  # -0.5 goes up to -0, as in Java
        ("ceiling(${e})", {}, NAN),
        ("ceiling(-1 div 0)", {}, -INF),
    ],
    "pi": [("round(pi(), 5)", {}, 3.14159), ("pi() = 3.141592653589793", {}, True)],
    "sin": [("sin(0)", {}, 0.0), ("sin(${e})", {}, NAN), ("sin(1 div 0)", {}, NAN)],
    "cos": [("cos(0)", {}, 1.0), ("cos(${e})", {}, NAN), ("cos(-1 div 0)", {}, NAN)],
    "tan": [("tan(0)", {}, 0.0), ("tan(${e})", {}, NAN), ("tan(1 div 0)", {}, NAN)],
    "asin": [("asin(1) * 2 = pi()", {}, True), ("asin(${e})", {}, NAN), ("asin(2)", {}, NAN)],
    "acos": [("acos(1)", {}, 0.0), ("acos(${e})", {}, NAN), ("acos(-2)", {}, NAN)],
    "atan": [
        ("atan(1) * 4 = pi()", {}, True),
        ("atan(${e})", {}, NAN),
        ("atan(1 div 0) * 2 = pi()", {}, True),
    ],
    "atan2": [
        ("atan2(1, 1) * 4 = pi()", {}, True),
        ("atan2(0, -1) = pi()", {}, True),
        ("atan2(${e}, 1)", {}, NAN),
        ("atan2(1, 'x')", {}, NAN),
    ],
    "boolean": [
        ("boolean(${t})", {"t": "no"}, True),
        ("boolean(${e})", {}, False),
        ("boolean(0)", {}, False),
        ("boolean(0 div 0)", {}, False),
        ("boolean('0')", {}, True),  # a non-empty string, whatever it says
    ],
    "normalize-space": [
        ("normalize-space(${t})", {"t": "  Alpha:\tTT \n\n Beta  "}, "Alpha: TT Beta"),
        ("normalize-space(${e})", {}, ""),
        ("normalize-space(12)", {}, "12"),
        ("normalize-space('a\u3000b')", {}, "a\u3000b"),  # XPath's white space only
    ],
    "contains": [
        ("contains(${t}, 'lhasa')", {"t": "to lhasa and back"}, True),
        ("contains(${t}, 'Lhasa')", {"t": "to lhasa and back"}, False),
        ("contains(${e}, 'a')", {}, False),
        ("contains('abc', ${e})", {}, True),
        ("contains(1.5, '.')", {}, True),
    ],
    "starts-with": [
        ("starts-with(${t}, '拉')", {"t": "拉萨"}, True),
        ("starts-with(${t}, '萨')", {"t": "拉萨"}, False),
        ("starts-with(${e}, 'a')", {}, False),
        ("starts-with(true(), 'tr')", {}, True),
    ],
    "ends-with": [
        ("ends-with(${t}, '.com')", {"t": "a@b.com"}, True),
        ("ends-with(${t}, '.org')", {"t": "a@b.com"}, False),
        ("ends-with(${e}, '')", {}, True),
    ],
    "substring-before": [
        ("substring-before(${t}, '-')", {"t": "2009-03-01"}, "2009"),
        ("substring-before(${t}, '/')", {"t": "2009-03-01"}, ""),
        ("substring-before(${e}, '-')", {}, ""),
        ("substring-before('abc', '')", {}, ""),
    ],
    "substring-after": [
        ("substring-after(${t}, '-')", {"t": "2009-03-01"}, "03-01"),
        ("substring-after(${t}, '/')", {"t": "2009-03-01"}, ""),
        ("substring-after(${e}, '-')", {}, ""),
        ("substring-after('abc', '')", {}, "abc"),
        ("substring-after('好的👍 ok', '👍')", {}, " ok"),
    ],
    "translate": [
        ("translate(${t}, 'abc', 'ABC')", {"t": "a cab"}, "A CAB"),
        ("translate(${t}, 'a-', 'A')", {"t": "a-b-a"}, "AbA"),  # '-' has no partner: removed
        ("translate('aa', 'aa', 'xy')", {}, "xx"),  # the first of a repeated character counts
        ("translate('好的👍', '👍的', '!得')", {}, "好得!"),  # characters, not UTF-16 units
        ("translate(${e}, 'a', 'b')", {}, ""),
    ],
    "selected-at": [
        ("selected-at(${m}, 1)", {"m": ["health", "water", "roads"]}, "water"),
        ("selected-at(${m}, 0)", {"m": ["health"]}, "health"),
        ("selected-at(${m}, 1.9)", {"m": ["health", "water"]}, "water"),
        ("selected-at(${m}, 3)", {"m": ["health"]}, ""),
        ("selected-at(${m}, -1)", {"m": ["health"]}, ""),
        ("selected-at(${m}, 'x')", {"m": ["health"]}, ""),
        ("selected-at(${m}, 0)", {"m": "dk"}, ""),
        ("selected-at(${e}, 0)", {}, ""),
    ],
    "boolean-from-string": [
        ("boolean-from-string(${t})", {"t": "true"}, True),
        ("boolean-from-string(${t})", {"t": "1"}, True),
        ("boolean-from-string(${t})", {"t": "yes"}, False),
        ("boolean-from-string(${t})", {"t": " true"}, False),
        ("boolean-from-string(${e})", {}, False),
        ("boolean-from-string(1)", {}, True),
    ],
    "now": [("now()", {}, NOW_TEXT), ("date(now())", {}, "2009-03-01")],
    "date-time": [
        ("date-time(${n})", {"n": 14304.25}, "2009-03-01T06:00:00.000+00:00"),
        ("date-time('2009-03-01T14:30:00.5+08:00')", {}, "2009-03-01T06:30:00.500+00:00"),
        ("date-time('2009-03-01')", {}, "2009-03-01T00:00:00.000+00:00"),
        ("date-time(${e})", {}, ""),
        ("date-time('soon')", {}, ""),
        ("date-time(10000000)", {}, ""),
        ("decimal-date-time(date-time(14304.25))", {}, 14304.25),
    ],
    "decimal-time": [
        ("decimal-time(${c})", {"c": "12:00"}, 0.5),
        ("decimal-time(${c})", {"c": "18:00:00.000"}, 0.75),
        ("decimal-time('01:00+02:00')", {}, 23 / 24),  # 23:00 the day before in UTC
        ("decimal-time('06:00:00.5Z')", {}, (6 * 3600 * 1000 + 500) / 86_400_000),
        ("decimal-time(${e})", {}, NAN),
        ("decimal-time('25:00')", {}, NAN),
        ("decimal-time('12:00+24:00')", {}, NAN),
        ("decimal-time(0.5)", {}, NAN),
    ],
}


def same(got: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(expected) and got == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_function(name: str) -> None:
    for source, answers, expected in CASES[name]:
        assert name in source
        got = parse(source).evaluate(answers, today=datetime.date(2009, 3, 1), now=NOW)
        assert same(got, expected), (source, answers, got, expected)


def test_every_function_is_tried_with_an_empty_answer_and_a_bad_value():
    from survey.core.expressions.functions import ARITIES

    for name, rows in CASES.items():
        if ARITIES[name][0] == 0:
            continue  # pi(), now(): nothing to give them
        sources = [source for source, _, _ in rows]
        assert any("${e}" in source for source in sources), name
        assert len(rows) >= 3, name


def test_the_corpus_calculations_evaluate():
    """pyxform's UCL biomass form and xlsform2lstsv's testB, as they are written."""
    radius = parse("round(15 div (sqrt(cos(atan(${slope} div 100)))),2)")
    assert radius.evaluate({"slope": 10}) == 15.04
    assert math.isnan(radius.evaluate({}))  # no slope yet: no radius (stored as no value)
    missing = parse("normalize-space(concat(${a}, if(${a} != '' and ${b} != '', ', ', ''), ${b}))")
    assert missing.evaluate({"a": "Alpha: NO_TC", "b": "Alpha: TT"}) == "Alpha: NO_TC, Alpha: TT"
    assert missing.evaluate({"b": "Alpha: TT"}) == "Alpha: TT"
    assert missing.evaluate({}) == ""


def test_now_reads_the_clock_without_a_moment():
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    got = parse("now()").evaluate({})
    after = datetime.datetime.now(datetime.UTC)
    moment = datetime.datetime.fromisoformat(got)
    assert before <= moment <= after
    assert got.endswith("+00:00")
    assert len(got) == len(NOW_TEXT)


def test_now_is_the_moment_given_in_utc():
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    given = datetime.datetime(2009, 3, 1, 14, 30, tzinfo=beijing)
    assert parse("now()").evaluate({}, now=given) == "2009-03-01T06:30:00.000+00:00"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("sqrt()", "sqrt() takes 1 argument, got 0"),
        ("pow(2)", "pow() takes 2 arguments, got 1"),
        ("pi(1)", "pi() takes 0 arguments, got 1"),
        ("atan2(1)", "atan2() takes 2 arguments, got 1"),
        ("translate('a', 'b')", "translate() takes 3 arguments, got 2"),
        ("selected-at(${m})", "selected-at() takes 2 arguments, got 1"),
        ("now(1)", "now() takes 0 arguments, got 1"),
        ("normalize-space()", "normalize-space() takes 1 argument, got 0"),
        ("uuid()", "unknown function 'uuid'"),
    ],
)
def test_a_call_with_the_wrong_arguments_is_refused(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert message in str(caught.value)


def test_math_on_a_question_of_codes_or_text_is_refused_at_check():
    assert parse("sqrt(${n}) + pow(${n}, 2)").check({"n": "number"}) == []
    assert parse("sqrt(${a})").check({"a": "single"}) == [
        "${a} is a single question: it cannot be used with sqrt()"
    ]
    assert parse("pow(2, ${t})").check({"t": "text"}) == [
        "${t} is a text question: it cannot be used with pow()"
    ]
    assert parse("atan2(., 1)").check({}, current_type="multi") == [
        "'.' is a multi question: it cannot be used with atan2()"
    ]


def test_selected_at_needs_a_question_with_codes():
    assert parse("selected-at(${m}, 0)").check({"m": "multi"}) == []
    assert parse("selected-at(${m}, 0)").check({"m": "calculate"}) == []
    assert parse("selected-at(${m}, 0)").check({"m": "integer"}) == [
        "selected-at() needs a multi question or a calculation, but ${m} is integer"
    ]
    assert parse("selected-at('a b', 0)").check({}) == [
        "the first argument of selected-at() must be a question such as ${key}"
    ]


FORM = """
key: odk
version: "1"
languages: [en]
title: {en: ODK functions}
sections:
  - key: one
    title: {en: One}
    questions:
      - key: slope
        type: number
        text: {en: Slope in percent}
      - key: names
        type: text
        text: {en: Names}
      - key: topics
        type: multi
        text: {en: Topics}
        options:
          - {code: health, label: {en: Health}}
          - {code: water, label: {en: Water}}
      - key: radius
        type: calculate
        calculation: "round(15 div (sqrt(cos(atan(${slope} div 100)))),2)"
      - key: tidy
        type: calculate
        calculation: "normalize-space(translate(${names}, ';', ' '))"
      - key: first_topic
        type: calculate
        calculation: "selected-at(${topics}, 0)"
      - key: distance
        type: number
        text: {en: Distance}
        constraint: ". <= ${radius} and pow(., 2) >= 0"
        relevant: "boolean-from-string('true') and not(contains(${names}, 'skip'))"
"""


def test_a_questionnaire_uses_the_functions_in_calculations_constraints_and_relevance():
    from survey.core.calculations import calculated
    from survey.core.loader.files import load_yaml
    from survey.core.relevance import question_relevant

    q = load_yaml(FORM, "odk.yaml")
    answers = {"slope": 10, "names": " Ana;;Bo ", "topics": ["water", "health"]}
    assert calculated(q, answers) == {"radius": "15.04", "tidy": "Ana Bo", "first_topic": "water"}
    assert calculated(q, {}) == {"radius": None, "tidy": None, "first_topic": None}
    distance = q.question("distance")
    assert distance.constraint is not None
    assert parse(distance.constraint).test({"radius": "15.04"}, current=15)
    assert not parse(distance.constraint).test({"radius": "15.04"}, current=16)
    section = q.sections[0]
    assert question_relevant(section, distance, {"names": "Ana"})
    assert not question_relevant(section, distance, {"names": "please skip"})


def test_the_validator_names_math_on_a_select():
    from survey.core.loader.files import load_yaml
    from survey.core.questionnaire import QuestionnaireError

    with pytest.raises(QuestionnaireError) as caught:
        load_yaml(FORM.replace("sqrt(cos(atan(${slope} div 100)))", "sqrt(${topics})"), "odk.yaml")
    assert "${topics} is a multi question: it cannot be used with sqrt()" in str(caught.value)
