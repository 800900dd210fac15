"""time, datetime, range, rank and acknowledge in the core: parsing, checks, comparison
(within_minutes; rank_agreement by Spearman's rho, held against scipy), XLSForm both ways."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from survey.core.compare_rules import compare_values
from survey.core.loader import load_file
from survey.core.questionnaire import CompareRule, Option, Question
from survey.core.types import AnswerError, type_of
from survey.core.types.comparing import spearman
from survey.core.xlsform import dump_xlsform, load_xlsform
from tests.core.test_xlsform import SURVEY, refusal
from tests.core.test_xlsform import form as form  # noqa: PLC0414  (the fixture, shared)

NEW_TYPES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "newtypes.yaml"
WITHIN_30 = CompareRule("within_minutes", 30)
OPTIONS = tuple(Option(code, {"en": code.upper()}) for code in ("a", "b", "c", "d", "e"))


def question(kind: str, **fields) -> Question:
    return Question("q", kind, {"en": "Q"}, **fields)


def parsed(q: Question, raw):
    return type_of(q).parse(q, raw)


def refused_code(q: Question, raw) -> str:
    with pytest.raises(AnswerError) as caught:
        parsed(q, raw)
    return caught.value.code


# ---------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("9:05", "09:05"), ("14:30", "14:30"), ("１４：３０", "14:30"), ("14:30:15", "14:30:15"),
     ("14:30:00.000+08:00", "14:30"), ("00:00", "00:00"), ("23:59", "23:59")],
)  # fmt: skip
def test_a_time_is_stored_as_hours_and_minutes(raw, stored):
    assert parsed(question("time"), raw) == stored


@pytest.mark.parametrize("raw", ["24:00", "9", "9.30", "noon", "12:60", "2009-03-01T10:00"])
def test_what_is_no_time_is_refused(raw):
    assert refused_code(question("time"), raw) == "not_time"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2009-03-01 14:30", "2009-03-01T14:30"),
        ("2009-03-01T14:30", "2009-03-01T14:30"),
        ("2009-03-01T14:30:05", "2009-03-01T14:30:05"),
        ("2009-03-01T14:30:00.000+08:00", "2009-03-01T14:30+08:00"),
        ("2009-03-01T14:30Z", "2009-03-01T14:30+00:00"),
    ],
)
def test_a_date_and_time_keeps_its_wall_clock_and_offset(raw, stored):
    q = question("datetime")
    assert parsed(q, raw) == stored
    type_of(q).validate(q, stored)  # what is stored passes the stored value's check


@pytest.mark.parametrize("raw", ["2009-02-30 10:00", "2009-03-01", "14:30", "yesterday"])
def test_what_is_no_date_and_time_is_refused(raw):
    assert refused_code(question("datetime"), raw) == "not_datetime"


def test_a_range_takes_only_its_points_and_stores_a_number():
    q = question("range", min=0, max=10, step=2.5)
    assert [parsed(q, raw) for raw in ("0", "2.5", "10", "５")] == [0, 2.5, 10, 5]
    for raw in ("1", "12.5", "-2.5", "abc"):
        assert refused_code(q, raw) == "not_in_range"
    with pytest.raises(AnswerError) as caught:
        parsed(q, "3")
    assert str(caught.value) == "Choose a value from 0 to 10 in steps of 2.5."
    assert type_of(q).as_number(q, 7.5) == 7.5


def test_a_ranking_is_every_option_once_in_order():
    q = question("rank", options=OPTIONS[:3])
    assert parsed(q, ["c", "a", "b"]) == ["c", "a", "b"]
    assert parsed(q, "b;c;a") == ["b", "c", "a"]  # as a responses file writes it
    assert parsed(q, ["", "", ""]) is None
    assert parsed(q, "dk") == "dk"
    assert refused_code(q, ["a", "b"]) == "rank_incomplete"
    assert refused_code(q, ["a", "a", "b"]) == "rank_incomplete"
    assert refused_code(q, ["a", "b", "z"]) == "unknown_option"
    assert refused_code(q, ["a", "dk", "b"]) == "special_not_alone"
    assert type_of(q).display(q, ["c", "a", "b"], "en") == "1. C; 2. A; 3. B"


def test_an_acknowledge_box_stores_ok_and_nothing_else():
    q = question("acknowledge", dont_know=False, refused=False)
    assert [parsed(q, raw) for raw in ("OK", "ok", "yes", "1", "确认", "")] == [
        "OK", "OK", "OK", "OK", "OK", None,
    ]  # fmt: skip
    assert refused_code(q, "no") == "unknown_option"
    assert refused_code(q, "dk") == "special_not_allowed"
    assert type_of(q).display(q, "OK", "zh-Hant") == "確認"


# ---------------------------------------------------------------------------- comparison


@pytest.mark.parametrize(
    ("kind", "rule", "a", "b", "verdict"),
    [
        ("time", WITHIN_30, "09:05", "09:35", ("agree", "30 minutes apart <= 30")),
        ("time", WITHIN_30, "09:05", "09:36", ("disagree", "31 minutes apart > 30")),
        ("time", CompareRule("exact"), "09:05", "09:05", ("agree", "same time")),
        ("time", CompareRule("exact"), "23:50", "00:10", ("disagree", "1420 minutes apart")),
        ("datetime", CompareRule("within_minutes", 60), "2009-03-01T23:30", "2009-03-02T00:15",
         ("agree", "45 minutes apart <= 60")),
        # both with offsets: the same instant
        ("datetime", CompareRule("exact"), "2009-03-01T14:30+08:00", "2009-03-01T06:30+00:00",
         ("agree", "same time")),
        # one without an offset: the wall clocks
        ("datetime", CompareRule("exact"), "2009-03-01T14:30+08:00", "2009-03-01T14:30",
         ("agree", "same time")),
        ("datetime", CompareRule("exact"), "2009-03-01T14:30", "soon",
         ("review", "side B: cannot read 'soon' as a date and time (YYYY-MM-DDTHH:MM)")),
    ],
)  # fmt: skip
def test_times_compare_by_minutes_apart(kind, rule, a, b, verdict):
    assert compare_values(question(kind, compare=rule), rule, a, b) == verdict


def test_spearman_is_scipys_for_every_ordering_of_five():
    scipy_stats = pytest.importorskip("scipy.stats")
    codes = ("a", "b", "c", "d", "e")
    for order in itertools.permutations(codes):
        expected = scipy_stats.spearmanr(range(5), [order.index(c) for c in codes]).statistic
        assert spearman(codes, order) == pytest.approx(expected, abs=1e-12)


def test_spearman_by_hand():
    assert spearman(("a", "b", "c"), ("a", "b", "c")) == 1
    assert spearman(("a", "b", "c"), ("c", "b", "a")) == -1
    assert spearman(("a", "b", "c"), ("b", "a", "c")) == 0.5  # 1 - 6·2 / 24
    assert spearman(("a",), ("a",)) == 1


def test_rank_agreement_holds_at_its_threshold_and_reviews_what_it_cannot_read():
    rule = CompareRule("rank_agreement", 0.9)
    q = question("rank", options=OPTIONS, compare=rule)
    one_swap = ["b", "a", "c", "d", "e"]  # rho = 1 - 6·2 / 120 = 0.9 exactly
    assert compare_values(q, rule, list("abcde"), one_swap) == ("agree", "spearman rho 0.90 >= 0.9")
    two_swaps = ["b", "a", "d", "c", "e"]  # rho 0.8
    assert compare_values(q, rule, list("abcde"), two_swaps)[0] == "disagree"
    assert compare_values(q, rule, list("abcde"), list("abcd"))[0] == "review"
    assert compare_values(q, rule, list("abcde"), "abcde")[0] == "review"
    exact = CompareRule("exact")
    assert compare_values(q, exact, list("abcde"), one_swap) == ("disagree", "different orders")


def test_a_range_compares_as_numbers():
    rule = CompareRule("tolerance", 2)
    q = question("range", min=0, max=10, step=2, compare=rule)
    assert compare_values(q, rule, 4, 6) == ("agree", "difference 2 <= tolerance 2")


# ---------------------------------------------------------------------------- XLSForm


def test_the_new_types_import_from_xlsform(form):
    path = form(
        [
            (*SURVEY, "parameters", "compare"),
            ("time", "t", "At what time?", None, "within_minutes:15"),
            ("dateTime", "dt", "When exactly?", None, None),
            ("range", "r", "How warm?", "start=0 end=10 step=2", None),
            ("range", "plain", "Default range", None, None),
            ("rank colours", "order", "Order the colours", None, "rank_agreement:0.8"),
            ("acknowledge", "ok", "I agree", None, None),
            ("trigger", "old", "An old acknowledge", None, None),
        ],
        (("list_name", "name", "label::English (en)"),
         ("colours", "red", "Red"), ("colours", "blue", "Blue"), ("colours", "green", "Green")),
    )  # fmt: skip
    q = load_xlsform(path)
    shapes = [(x.key, x.type, x.min, x.max, x.step) for x in q.questions()]
    assert shapes == [
        ("t", "time", None, None, None),
        ("dt", "datetime", None, None, None),
        ("r", "range", 0, 10, 2),
        ("plain", "range", 1, 10, 1),  # pyxform's defaults
        ("order", "rank", None, None, None),
        ("ok", "acknowledge", None, None, None),
        ("old", "acknowledge", None, None, None),
    ]
    assert q.question("t").compare == CompareRule("within_minutes", 15)
    assert q.question("order").compare == CompareRule("rank_agreement", 0.8)
    assert q.question("order").option_codes == ("red", "blue", "green")
    assert q.question("ok").specials() == ()  # nothing to say "don't know" to


def test_bad_range_parameters_are_refused_naming_the_row(form):
    path = form([(*SURVEY, "parameters"), ("range", "r", "How warm?", "from=0 to=10")])
    assert refusal(path) == [
        "form.xlsx:2: question 'r': parameters 'from=0 to=10' must name start, end and step,"
        " e.g. start=0 end=10 step=1"
    ]
    path = form([(*SURVEY, "parameters"), ("range", "r", "How warm?", "start=0 end=9 step=2")])
    assert refusal(path) == [
        "form.xlsx:2: range question 'r': 9 is not 0 plus a whole number of steps of 2"
        " (make max - min a multiple of step)"
    ]


def test_the_new_types_export_to_xlsform_and_back_to_the_same_hash(tmp_path):
    q = load_file(NEW_TYPES)
    dump_xlsform(q, tmp_path / "new.xlsx")
    again = load_xlsform(tmp_path / "new.xlsx")
    assert again.content_hash() == q.content_hash()
    assert again.question("warmth").step == 2
