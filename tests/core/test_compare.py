"""The comparison engine: rules at their boundaries, normalisation, precedence, mirrors."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.core import compare
from survey.core.compare import (
    OUTCOMES,
    Outcome,
    compare_pair,
    compare_round,
    compare_values,
    normalize_text,
)
from survey.core.questionnaire import CompareRule, Option, Question, Questionnaire, Special
from survey.core.validate import validate

TODAY = date(2009, 6, 1)
CODES = ("trade", "education", "health", "culture")
SECTORS = tuple(Option(code, {"en": code.title()}) for code in CODES)
POINTS = tuple(Option(str(n), {"en": f"Point {n}"}) for n in range(1, 6))
WORDS = tuple(Option(code, {"en": code}) for code in ("low", "mid", "high"))


def make_q(type_: str, **overrides: Any) -> Question:
    """A question of `type_` (options for choice types), overridable per test."""
    options = {"single": SECTORS, "multi": SECTORS, "scale": POINTS}.get(type_, ())
    fields: dict[str, Any] = {
        "key": "q",
        "type": type_,
        "text": {"en": "Question?"},
        "options": options,
        "compare": CompareRule("exact"),
    }
    fields.update(overrides)
    return Question(**fields)


def verdict(type_: str, rule: Any, a: Any, b: Any, **overrides: Any) -> tuple[str, str]:
    rule = rule if isinstance(rule, CompareRule) else CompareRule.from_dict(rule)
    return compare_values(make_q(type_, compare=rule, **overrides), rule, a, b)


def outcome(type_: str, rule: Any, a: Any, b: Any, **overrides: Any) -> str:
    return verdict(type_, rule, a, b, **overrides)[0]


def _question(key: str, type_: str, compare_: Any = "exact", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"key": key, "type": type_, "text": {"en": key}}
    if compare_ is not None:
        data["compare"] = compare_
    if type_ in ("single", "multi"):
        data["options"] = [{"code": code, "label": {"en": code}} for code in CODES]
    if type_ == "scale":
        data["options"] = [{"code": str(n), "label": {"en": str(n)}} for n in range(1, 6)]
    data.update(extra)
    return data


QUESTIONNAIRE = Questionnaire.from_dict(
    {
        "key": "pairs",
        "version": "1",
        "languages": ["en"],
        "title": {"en": "Sister cities"},
        "sections": [
            {
                "key": "exchanges",
                "title": {"en": "Exchanges"},
                "questions": [
                    _question("has_exchanges", "yesno"),
                    _question(
                        "delegations_sent",
                        "integer",
                        {"tolerance": {"abs": 1}},
                        mirror="delegations_received",
                    ),
                    _question(
                        "delegations_received",
                        "integer",
                        {"tolerance": {"abs": 1}},
                        mirror="delegations_sent",
                    ),
                    _question(
                        "students",
                        "integer",
                        {"tolerance": {"rel": 0.1}},
                        relevant="${has_exchanges} = 'yes'",
                    ),
                    _question("sectors", "multi", {"overlap": 0.5}),
                    _question("areas", "multi", "set"),
                    _question("established", "date", {"within_days": 31}),
                    _question("founded", "year"),
                    _question("partner", "text"),
                    _question("account", "text", "review"),
                    _question("opinion", "scale", "none"),
                    _question("trust", "scale", {"tolerance": {"abs": 1}}),
                    _question("explanation", "note", None),
                ],
            },
            {
                "key": "training",
                "title": {"en": "Training"},
                "relevant": "${has_exchanges} = 'yes'",
                "questions": [
                    _question("training", "yesno"),
                    _question("training_year", "year", relevant="${training} = 'yes'"),
                    _question("training_since", "integer", relevant="today() > '2009-01-01'"),
                ],
            },
        ],
    }
)
REPORTED = [
    "has_exchanges",
    "delegations_sent",
    "delegations_received",
    "students",
    "sectors",
    "areas",
    "established",
    "founded",
    "partner",
    "account",
    "trust",
    "training",
    "training_year",
    "training_since",
]
FULL = {
    "has_exchanges": "yes",
    "delegations_sent": 3,
    "delegations_received": 2,
    "students": 100,
    "sectors": ["trade", "health"],
    "areas": ["culture"],
    "established": "1986-05-01",
    "founded": 1986,
    "partner": "Boulder",
    "account": "We met in 1989.",
    "opinion": "4",
    "trust": "3",
    "training": "yes",
    "training_year": 2005,
    "training_since": 4,
}


def by_key(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {o.question: o for o in outcomes}


def pair(a: dict[str, Any] | None, b: dict[str, Any] | None, **kw: Any) -> dict[str, Outcome]:
    return by_key(compare_pair(QUESTIONNAIRE, a, b, today=kw.get("today", TODAY)))


def test_the_fixture_questionnaire_is_valid():
    assert validate(QUESTIONNAIRE, "fixture") == []


# ---------------------------------------------------------------------------- tolerance


@pytest.mark.parametrize(
    ("a", "b", "expected", "detail"),
    [
        (3, 4, "agree", "difference 1 <= tolerance 1"),
        (4, 3, "agree", "difference 1 <= tolerance 1"),
        (3, 3, "agree", "difference 0 <= tolerance 1"),
        (3, 5, "disagree", "difference 2 > tolerance 1"),
        (3, 2, "agree", "difference 1 <= tolerance 1"),
        (3, 1, "disagree", "difference 2 > tolerance 1"),
        (3, 4.0, "agree", "difference 1 <= tolerance 1"),
    ],
)
def test_absolute_tolerance_is_inclusive(a, b, expected, detail):
    assert verdict("integer", {"tolerance": {"abs": 1}}, a, b) == (expected, detail)


@pytest.mark.parametrize(
    ("a", "b", "tolerance", "expected"),
    [
        (3.1, 3.0, 0.1, "agree"),  # 3.1 - 3.0 is 0.10000000000000009 in binary floating point
        (3.0, 3.1, 0.1, "agree"),
        (3.2, 3.0, 0.1, "disagree"),
        (0.3, 0.1, 0.2, "agree"),
        (1.15, 1.0, 0.15, "agree"),
        (1.16, 1.0, 0.15, "disagree"),
        (2.5, 2, 0.5, "agree"),
    ],
)
def test_absolute_tolerance_is_exact_in_decimal(a, b, tolerance, expected):
    assert outcome("number", {"tolerance": {"abs": tolerance}}, a, b) == expected


def test_absolute_tolerance_detail_shows_decimal_differences():
    assert verdict("number", {"tolerance": {"abs": 0.1}}, 3.3, 3.0) == (
        "disagree",
        "difference 0.3 > tolerance 0.1",
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (100, 90, "agree"),  # exactly 10 % of the larger
        (90, 100, "agree"),
        (100, 89, "disagree"),
        (110, 100, "agree"),  # 10 <= 11
        (111, 100, "agree"),
        (112, 100, "disagree"),  # 12 > 11.2
        (0, 0, "agree"),
        (0, 1, "disagree"),
        (-100, -90, "agree"),
        (1.1, 1.0, "agree"),
        (1.0, 0.9, "agree"),
        (1.0, 0.89, "disagree"),
    ],
)
def test_relative_tolerance_is_inclusive(a, b, expected):
    assert outcome("number", {"tolerance": {"rel": 0.1}}, a, b) == expected


def test_relative_tolerance_detail():
    assert verdict("integer", {"tolerance": {"rel": 0.1}}, 100, 89) == (
        "disagree",
        "difference 11 > 10 (0.1 of 100)",
    )


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.integers(0, 100))
def test_absolute_tolerance_on_integers(a, b, x):
    expected = "agree" if abs(a - b) <= x else "disagree"
    assert outcome("integer", {"tolerance": {"abs": x}}, a, b) == expected


decimals = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)


@given(decimals, decimals, st.decimals(min_value=0, max_value=5, places=2))
def test_absolute_tolerance_on_decimals_follows_decimal_arithmetic(a, b, x):
    expected = "agree" if abs(a - b) <= x else "disagree"
    rule = {"tolerance": {"abs": float(x)}}
    assert outcome("number", rule, float(a), float(b)) == expected


@given(decimals, decimals, st.sampled_from(["0.1", "0.05", "0.2", "0.25", "0.5"]))
def test_relative_tolerance_follows_decimal_arithmetic(a, b, share):
    expected = abs(a - b) <= Decimal(share) * max(abs(a), abs(b))
    rule = {"tolerance": {"rel": float(share)}}
    assert outcome("number", rule, float(a), float(b)) == ("agree" if expected else "disagree")


def test_scale_tolerance_uses_numeric_codes():
    assert outcome("scale", {"tolerance": {"abs": 1}}, "2", "3") == "agree"
    assert outcome("scale", {"tolerance": {"abs": 1}}, "2", "4") == "disagree"


def test_scale_with_word_codes_uses_positions():
    rule = {"tolerance": {"abs": 1}}
    assert outcome("scale", rule, "low", "mid", options=WORDS) == "agree"
    assert verdict("scale", rule, "low", "high", options=WORDS) == (
        "disagree",
        "difference 2 > tolerance 1",
    )


# ---------------------------------------------------------------------------- sets


@pytest.mark.parametrize(
    ("a", "b", "threshold", "expected"),
    [
        (["trade", "health"], ["trade"], 0.5, "agree"),  # 1/2, exactly at the threshold
        (["trade"], ["trade", "health"], 0.5, "agree"),
        (["trade", "health", "culture"], ["trade"], 0.5, "disagree"),  # 1/3
        (["trade", "health", "culture"], ["trade", "health", "education"], 0.5, "agree"),  # 2/4
        (["trade", "health", "culture"], ["trade", "health"], 0.67, "disagree"),  # 0.666…
        (["trade", "health", "culture"], ["trade", "health"], 0.66, "agree"),
        (["trade"], ["health"], 0.0, "agree"),  # a threshold of 0 accepts anything
        (["trade"], ["health"], 0.01, "disagree"),
    ],
)
def test_overlap_is_inclusive(a, b, threshold, expected):
    assert outcome("multi", {"overlap": threshold}, a, b) == expected


@pytest.mark.parametrize(("shared", "union"), [(3, 5), (7, 10), (3, 10), (1, 4), (3, 8), (9, 10)])
def test_overlap_exactly_at_a_decimal_threshold(shared, union):
    codes = [f"c{i}" for i in range(union)]
    options = tuple(Option(code, {"en": code}) for code in codes)
    threshold = float(Decimal(shared) / Decimal(union))  # 0.6, 0.7, 0.3, …: as typed in YAML
    above = math.nextafter(threshold, 1.0)
    assert verdict("multi", {"overlap": threshold}, codes, codes[:shared], options=options)[0] == (
        "agree"
    )
    assert verdict("multi", {"overlap": above}, codes, codes[:shared], options=options)[0] == (
        "disagree"
    )


def test_overlap_detail_and_two_empty_sets():
    assert verdict("multi", {"overlap": 0.5}, ["trade", "health", "culture"], ["trade"]) == (
        "disagree",
        "jaccard 0.33 (1 of 3 codes) < 0.5",
    )
    assert verdict("multi", {"overlap": 0.5}, [], []) == ("agree", "both empty")


def test_set_rule_ignores_order_and_reports_the_difference():
    assert outcome("multi", "set", ["trade", "health"], ["health", "trade"]) == "agree"
    assert verdict("multi", "set", ["health", "trade"], ["trade", "culture"]) == (
        "disagree",
        "only side A: health; only side B: culture",
    )
    assert verdict("multi", "set", ["trade"], ["trade", "culture"])[1] == (
        "only side A: -; only side B: culture"
    )


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("a", "b", "expected", "detail"),
    [
        ("2009-01-01", "2009-02-01", "agree", "31 days apart <= 31"),
        ("2009-02-01", "2009-01-01", "agree", "31 days apart <= 31"),
        ("2009-01-01", "2009-02-02", "disagree", "32 days apart > 31"),
        ("2008-02-01", "2008-03-03", "agree", "31 days apart <= 31"),  # leap year: 29 days
        ("2008-02-01", "2008-03-04", "disagree", "32 days apart > 31"),
        ("2008-12-15", "2009-01-15", "agree", "31 days apart <= 31"),
    ],
)
def test_within_days_is_inclusive(a, b, expected, detail):
    assert verdict("date", {"within_days": 31}, a, b) == (expected, detail)


def test_exact_dates():
    assert verdict("date", "exact", "2009-06-01", "2009-06-01") == ("agree", "same date")
    assert verdict("date", "exact", date(2009, 6, 1), "2009-06-01") == ("agree", "same date")
    assert outcome("date", "exact", datetime(2009, 6, 1, 23, 59), "2009-06-01") == "agree"
    assert verdict("date", "exact", "2009-06-01", "2009-06-04") == ("disagree", "3 days apart")


# ---------------------------------------------------------------------------- exact


def test_exact_codes():
    assert verdict("single", "exact", "trade", "trade") == ("agree", "same code")
    assert verdict("single", "exact", "trade", "health") == ("disagree", "different codes")
    assert outcome("yesno", "exact", "yes", "no") == "disagree"
    assert outcome("scale", "exact", "3", "3") == "agree"


def test_exact_numbers_compare_numerically():
    assert outcome("integer", "exact", 3, 3.0) == "agree"
    assert verdict("year", "exact", 2008, 2009) == ("disagree", "difference 1")
    assert outcome("number", "exact", 0.1 + 0.2, 0.3) == "disagree"  # stored values are exact
    assert verdict("number", "exact", 1.5, 1.25) == ("disagree", "difference 0.25")


def test_exact_multi_is_the_set_rule():
    assert outcome("multi", "exact", ["trade", "health"], ["health", "trade"]) == "agree"


NFC_E = unicodedata.normalize("NFC", "é")
NFD_E = unicodedata.normalize("NFD", "é")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ＡＢＣ", "ABC"),  # full-width vs half-width
        ("２００８年", "2008年"),
        ("Boulder", "BOULDER"),
        ("Straße", "STRASSE"),  # casefold, not lower()
        ("  sister   city ", "sister city"),
        ("sister\tcity\n", "sister city"),
        ("友好\u3000城市", "友好 城市"),  # ideographic space
        ("a\u00a0b", "a b"),  # no-break space
        (f"caf{NFC_E}", f"caf{NFD_E}"),  # NFC vs NFD
        ("Boul\u200bder", "Boulder"),  # zero-width space: removed
        ("\ufeffBoulder", "Boulder"),  # byte order mark
        ("co\u00adoperation", "cooperation"),  # soft hyphen
        ("友好城市！", "友好城市!"),  # full-width punctuation
        ("\uf900", "\u8c48"),  # CJK compatibility ideograph
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana
        ("①", "1"),
    ],
)
def test_exact_text_after_normalisation(a, b):
    assert verdict("text", "exact", a, b) == ("agree", "same text after normalisation")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("贸易", "貿易"),  # simplified vs traditional: different characters, no conversion
        ("sister city", "sistercity"),  # spaces inside separate words
        ("Boulder", "Boulder."),
        ("👨\u200d👩", "👨👩"),  # zero-width joiner: kept
    ],
)
def test_exact_text_differences_that_remain(a, b):
    assert verdict("text", "exact", a, b) == ("disagree", "different text")


def test_identical_text_says_so():
    assert verdict("text", "exact", "Lhasa", "Lhasa") == ("agree", "same text")
    assert verdict("longtext", "exact", "友好城市", "友好城市") == ("agree", "same text")


def test_normalize_text():
    assert normalize_text("  ＨＥＬＬＯ\u3000 Wörld\u200b ") == "hello wörld"
    assert normalize_text("") == ""


@given(st.text())
def test_normalize_text_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


# ---------------------------------------------------------------------------- review, unreadable


def test_review_rule_is_never_decided():
    assert verdict("text", "review", "x", "x") == ("review", "decided by a person")
    assert verdict("integer", "review", 1, 2)[0] == "review"


@pytest.mark.parametrize(
    ("type_", "rule", "a", "b", "detail"),
    [
        (
            "integer",
            {"tolerance": {"abs": 1}},
            "three",
            3,
            "side A: cannot read 'three' as a number",
        ),
        ("integer", "exact", 3, True, "side B: cannot read True as a number"),
        ("number", "exact", float("nan"), 1, "side A: cannot read nan as a number"),
        ("date", {"within_days": 3}, "2009-02-30", "2009-02-01", "side A: cannot read"),
        ("multi", "set", ["trade"], [1], "side B: cannot read [1] as a list of codes"),
        ("single", "exact", ["trade"], "trade", "side A: cannot read ['trade'] as an option code"),
        ("text", "exact", "x", 3, "side B: cannot read 3 as text"),
        ("scale", {"tolerance": {"abs": 1}}, "9", "3", "side A: cannot read '9' as a number"),
    ],
)
def test_unreadable_values_go_to_review(type_, rule, a, b, detail):
    found = verdict(type_, rule, a, b)
    assert found[0] == "review"
    assert found[1].startswith(detail)


def test_a_rule_that_does_not_fit_the_type_is_refused():
    with pytest.raises(ValueError, match="does not apply to a text question"):
        verdict("text", {"tolerance": {"abs": 1}}, "a", "b")


# ---------------------------------------------------------------------------- compare_pair


def test_every_compared_question_once_in_order():
    outcomes = compare_pair(QUESTIONNAIRE, FULL, FULL, today=TODAY)
    assert [o.question for o in outcomes] == REPORTED  # no `none`, no note
    assert all(o.outcome in OUTCOMES for o in outcomes)
    assert {o.outcome for o in outcomes} == {"agree", "review"}
    assert by_key(outcomes)["account"].outcome == "review"
    for o in outcomes:
        if not o.is_mirrored:
            assert o.key_a == o.key_b == o.question
            assert o.value_a == o.value_b == FULL[o.question]
        assert o.rule == QUESTIONNAIRE.question(o.question).compare


def test_values_are_reported_raw():
    found = pair({**FULL, "partner": " ＢＯＵＬＤＥＲ "}, FULL)["partner"]
    assert (found.outcome, found.value_a, found.value_b) == ("agree", " ＢＯＵＬＤＥＲ ", "Boulder")


def test_mirrors_compare_sent_with_received_in_both_directions():
    a = {**FULL, "delegations_sent": 3, "delegations_received": 1}
    b = {**FULL, "delegations_sent": 2, "delegations_received": 5}
    found = pair(a, b)
    sent, received = found["delegations_sent"], found["delegations_received"]
    assert (sent.key_a, sent.key_b, sent.value_a, sent.value_b) == (
        "delegations_sent",
        "delegations_received",
        3,
        5,
    )
    assert (sent.outcome, sent.detail) == ("disagree", "difference 2 > tolerance 1")
    assert (received.key_a, received.key_b, received.value_a, received.value_b) == (
        "delegations_received",
        "delegations_sent",
        1,
        2,
    )
    assert received.outcome == "agree"
    assert sent.is_mirrored
    assert received.is_mirrored


def test_mirror_with_one_side_missing():
    a = {**FULL, "delegations_sent": "dk"}
    found = pair(a, FULL)
    assert found["delegations_sent"].outcome == "missing"
    assert found["delegations_sent"].detail == "side A: don't know"
    assert found["delegations_received"].outcome == "agree"  # A received 2 vs B sent 3


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("dk", "don't know"),
        ("rf", "refused"),
        (Special.DONT_KNOW, "don't know"),
        (Special.REFUSED, "refused"),
        (None, "no answer"),
        ("", "no answer"),
        ([], "no answer"),
    ],
)
def test_special_and_blank_answers_are_missing_never_disagreement(value, detail):
    for key in ("founded", "sectors", "partner", "account", "students", "established"):
        found = pair({**FULL, key: value}, FULL)[key]
        assert (found.outcome, found.detail) == ("missing", f"side A: {detail}")
        found = pair(FULL, {**FULL, key: value})[key]
        assert (found.outcome, found.detail) == ("missing", f"side B: {detail}")


def test_a_question_absent_from_the_answers_is_missing():
    answers = {key: value for key, value in FULL.items() if key != "founded"}
    assert pair(answers, FULL)["founded"].outcome == "missing"


def test_both_sides_missing():
    found = pair({**FULL, "founded": "dk"}, {**FULL, "founded": "rf"})["founded"]
    assert found.detail == "side A: don't know; side B: refused"


def test_a_side_that_has_not_answered_is_missing():
    found = pair(FULL, None)
    assert {o.outcome for o in found.values()} == {"missing"}
    assert found["founded"].detail == "side B: no response"
    assert found["founded"].value_b is None
    assert {o.outcome for o in pair(None, None).values()} == {"missing"}


def test_question_not_relevant_for_one_side_is_skipped():
    found = pair(FULL, {**FULL, "has_exchanges": "no"})
    assert (found["students"].outcome, found["students"].detail) == (
        "skipped",
        "side B: not relevant",
    )
    assert found["students"].value_b == 100  # a stale value is still reported raw
    assert found["has_exchanges"].outcome == "disagree"


def test_section_not_relevant_is_skipped():
    found = pair({**FULL, "has_exchanges": "no"}, FULL)
    for key in ("training", "training_year", "training_since"):
        assert (found[key].outcome, found[key].detail) == (
            "skipped",
            "side A: section 'training' not relevant",
        )


def test_skipped_beats_missing():
    a = {**FULL, "has_exchanges": "no", "students": "dk"}
    b = {**FULL, "students": "rf"}
    assert pair(a, b)["students"].outcome == "skipped"
    assert pair(b, a)["students"].outcome == "skipped"
    assert pair({**FULL, "has_exchanges": "no"}, None)["students"].detail == (
        "side A: not relevant"
    )


def test_skipped_on_both_sides():
    found = pair({**FULL, "training": "no"}, {**FULL, "has_exchanges": "no"})["training_year"]
    assert found.detail == "side A: not relevant; side B: section 'training' not relevant"


def test_relevance_reads_a_non_relevant_answer_as_blank():
    # Side A left the training section (has_exchanges = no) but a stale `training: yes`
    # remains stored; training_year depends on it and must not come back to life.
    stale = {**FULL, "has_exchanges": "no"}
    assert pair(stale, FULL)["training_year"].outcome == "skipped"


def test_dont_know_makes_dependent_questions_not_relevant():
    found = pair({**FULL, "training": "dk"}, FULL)
    assert found["training"].outcome == "missing"
    assert found["training_year"].outcome == "skipped"


def test_relevance_uses_today():
    assert pair(FULL, FULL, today=date(2009, 6, 1))["training_since"].outcome == "agree"
    found = pair(FULL, FULL, today=date(2008, 6, 1))["training_since"]
    assert found.detail == "side A: not relevant; side B: not relevant"


def test_review_rule_in_a_pair():
    assert pair(FULL, {**FULL, "account": "Something else"})["account"].outcome == "review"
    assert pair(FULL, {**FULL, "account": "dk"})["account"].outcome == "missing"


def test_unreadable_stored_value_in_a_pair_goes_to_review():
    found = pair({**FULL, "founded": "nineteen"}, FULL)["founded"]
    assert (found.outcome, found.value_a) == ("review", "nineteen")


def test_none_rule_and_notes_are_never_reported():
    found = pair(FULL, {**FULL, "opinion": "1"})
    assert "opinion" not in found
    assert "explanation" not in found


def test_a_mirror_naming_no_question_is_refused():
    broken = Questionnaire.from_dict(
        {
            "key": "x",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "x"},
            "sections": [
                {
                    "key": "s",
                    "title": {"en": "s"},
                    "questions": [_question("a", "integer", mirror="nothing")],
                }
            ],
        }
    )
    with pytest.raises(ValueError, match="mirrors 'nothing'"):
        compare_pair(broken, {}, {})


def test_a_reference_cycle_does_not_recurse_forever():
    cyclic = Questionnaire.from_dict(
        {
            "key": "x",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "x"},
            "sections": [
                {
                    "key": "s",
                    "title": {"en": "s"},
                    "questions": [
                        _question("a", "yesno", relevant="${b} = 'yes'"),
                        _question("b", "yesno", relevant="${a} = 'yes'"),
                    ],
                }
            ],
        }
    )
    answers = {"a": "yes", "b": "yes"}
    assert len(compare_pair(cyclic, answers, answers, today=TODAY)) == 2


# ---------------------------------------------------------------------------- compare_round


def test_compare_round_equals_compare_pair_and_compiles_once(monkeypatch):
    pairs = [
        ("p1", FULL, FULL),
        ("p2", {**FULL, "has_exchanges": "no"}, None),
        ("p3", None, {**FULL, "founded": 1990}),
    ]
    expected = [(pid, compare_pair(QUESTIONNAIRE, a, b, today=TODAY)) for pid, a, b in pairs]
    compiled = []
    original = compare._Plan.__init__

    def counting(self: Any, q: Questionnaire) -> None:
        compiled.append(q)
        original(self, q)

    monkeypatch.setattr(compare._Plan, "__init__", counting)
    monkeypatch.setattr(compare, "_PLANS", type(compare._PLANS)())
    assert list(compare_round(QUESTIONNAIRE, iter(pairs), today=TODAY)) == expected
    assert list(compare_round(QUESTIONNAIRE, pairs, today=TODAY)) == expected
    assert compiled == [QUESTIONNAIRE]


def test_compare_round_is_lazy():
    def pairs():
        yield ("p1", FULL, FULL)
        raise AssertionError("read too far")

    rounds = compare_round(QUESTIONNAIRE, pairs(), today=TODAY)
    assert next(rounds)[0] == "p1"


# ---------------------------------------------------------------------------- symmetry

SPECIALS = st.sampled_from([None, "", "dk", "rf", Special.DONT_KNOW])
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "yesno": st.sampled_from(["yes", "no"]),
    "integer": st.integers(0, 12),
    "number": st.decimals(0, 200, places=1).map(float),
    "year": st.integers(1979, 1990),
    "date": st.dates(date(2008, 1, 1), date(2008, 4, 1)).map(date.isoformat),
    "multi": st.lists(st.sampled_from(CODES), unique=True),
    "scale": st.sampled_from(["1", "2", "3", "4", "5"]),
    "text": st.sampled_from(["Boulder", " boulder", "ＢＯＵＬＤＥＲ", "Lhasa", "拉萨"]),
}


@st.composite
def side_answers(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 9)) == 0:
        return None
    answers = {}
    for question in QUESTIONNAIRE.questions():
        if question.type == "note" or draw(st.integers(0, 9)) == 0:
            continue
        real = VALUES[question.type]
        answers[question.key] = draw(st.one_of(real, real, real, SPECIALS))
    return answers


@settings(max_examples=300, deadline=None)
@given(side_answers(), side_answers())
def test_swapping_sides_gives_the_same_outcomes(a, b):
    before = by_key(compare_pair(QUESTIONNAIRE, a, b, today=TODAY))
    after = by_key(compare_pair(QUESTIONNAIRE, b, a, today=TODAY))
    assert before.keys() == after.keys()
    for key, swapped in after.items():
        original = before[QUESTIONNAIRE.question(key).mirror or key]
        assert swapped.outcome == original.outcome
        assert (swapped.value_a, swapped.value_b) == (original.value_b, original.value_a)
        assert (swapped.key_a, swapped.key_b) == (original.key_b, original.key_a)


@settings(max_examples=300, deadline=None)
@given(side_answers(), side_answers())
def test_precedence_skipped_then_missing_then_rule(a, b):
    for found in compare_pair(QUESTIONNAIRE, a, b, today=TODAY):
        detail = found.detail
        if found.outcome == "skipped":
            assert "relevant" in detail
        elif found.outcome == "missing":
            assert "relevant" not in detail
            assert any(
                side is None or compare.missing_reason(side.get(key)) is not None
                for side, key in ((a, found.key_a), (b, found.key_b))
            )
        else:
            assert compare.missing_reason(found.value_a) is None
            assert compare.missing_reason(found.value_b) is None
            assert found.outcome in ("agree", "disagree", "review")


@given(st.sampled_from(list(VALUES)), st.data())
def test_compare_values_is_symmetric(type_, data):
    rules = {
        "integer": [{"tolerance": {"abs": 2}}, {"tolerance": {"rel": 0.1}}, "exact"],
        "number": [{"tolerance": {"abs": 0.5}}, {"tolerance": {"rel": 0.2}}, "exact"],
        "multi": ["set", {"overlap": 0.5}, {"overlap": 0.34}],
        "date": [{"within_days": 31}, "exact"],
        "scale": [{"tolerance": {"abs": 1}}, "exact"],
    }.get(type_, ["exact"])
    rule = data.draw(st.sampled_from(rules))
    a, b = data.draw(VALUES[type_]), data.draw(VALUES[type_])
    assert outcome(type_, rule, a, b) == outcome(type_, rule, b, a)
