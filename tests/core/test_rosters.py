"""Rosters in the core: the YAML and its canonical form, answers parsed, checked and shown
by the column types, the roster compare rule (mirrored codes, mirrored rosters, rows of one
side only), its words in three languages, and XLSForm both ways."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.core.compare import compare_pair
from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import CompareRule, Questionnaire
from survey.core.types import AnswerError, check_answer, type_of
from survey.core.types.roster import RosterError, pair_rows
from survey.core.xlsform import dump_xlsform, load_xlsform
from survey.wording import rule_words

ROSTER = """\
key: r
version: "1"
languages: [en]
title: R
sections:
  - key: s
    title: S
    questions:
      - key: any
        type: yesno
        text: Any delegations?
      - key: delegations
        type: roster
        text: Delegations
        relevant: "${any} = 'yes'"
        min: 1
        max: 4
        compare:
          roster:
            match: [year, direction]
            mirror: {direction: {sent: received}}
            compare: {size: {tolerance: {abs: 2}}}
        columns:
          - {key: year, type: year, text: Year, required: true}
          - key: direction
            type: single
            text: Direction
            options:
              - {code: sent, label: Sent}
              - {code: received, label: Received}
          - {key: size, type: integer, text: People, min: 1}
          - {key: purpose, type: text, text: Purpose, compare: none}
"""


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_yaml(ROSTER, "r.yaml")


def row(year, direction, size=None, purpose=None):
    found = {"year": year, "direction": direction, "size": size, "purpose": purpose}
    return {key: value for key, value in found.items() if value is not None}


def test_the_roster_rule_gives_its_column_rules_to_the_columns(q):
    roster = q.question("delegations")
    assert [c.key for c in roster.columns] == ["year", "direction", "size", "purpose"]
    assert roster.column("size").compare == CompareRule("tolerance", 2)
    assert roster.column("purpose").compare == CompareRule("none")
    assert roster.compare.match == ("year", "direction")
    assert roster.compare.swaps() == {"direction": {"sent": "received", "received": "sent"}}
    assert (roster.min, roster.max) == (1, 4)


def test_the_canonical_form_holds_the_roster_and_reads_back_to_the_same_hash(q):
    data = q.to_dict()["sections"][0]["questions"][1]
    assert data["compare"] == {
        "roster": {"match": ["year", "direction"], "mirror": {"direction": {
            "received": "sent", "sent": "received"}}}
    }  # fmt: skip
    assert [c["key"] for c in data["columns"]] == ["year", "direction", "size", "purpose"]
    assert Questionnaire.from_dict(q.to_dict()).content_hash() == q.content_hash()
    assert load_yaml(dump_yaml(q), "again.yaml").content_hash() == q.content_hash()
    without = dataclasses.replace(
        q.sections[0], questions=(q.sections[0].questions[0],)
    )  # the roster is part of the hash
    assert dataclasses.replace(q, sections=(without,)).content_hash() != q.content_hash()


def test_rows_are_parsed_by_their_columns_and_blank_rows_dropped(q):
    roster = q.question("delegations")
    raw = [
        {"year": "２００９", "direction": "sent", "size": " 5 ", "purpose": "Trade"},
        {"year": "", "direction": None, "size": "", "purpose": ""},
    ]
    assert type_of(roster).parse(roster, raw) == [row(2009, "sent", 5, "Trade")]
    assert type_of(roster).parse(roster, '[{"year": "2010", "direction": "received"}]') == [
        row(2010, "received")
    ]
    assert type_of(roster).parse(roster, []) is None


def test_a_refused_cell_names_its_row_and_column_and_keeps_the_row(q):
    roster = q.question("delegations")
    with pytest.raises(RosterError) as caught:
        type_of(roster).parse(roster, [{"year": "2009"}, {"year": "lots", "size": "x"}])
    assert {key: e.code for key, e in caught.value.cells.items()} == {
        (1, "year"): "not_year",
        (1, "size"): "not_integer",
    }
    with pytest.raises(AnswerError) as caught:
        type_of(roster).parse(roster, "not json")
    assert caught.value.code == "not_rows"


def test_checks_count_rows_and_check_each_cell_in_its_row(q):
    roster = q.question("delegations")
    assert check_answer(roster, [row(2009, "sent", 3)], {}) is None
    assert check_answer(roster, [row(2009, "sent")] * 5, {}).code == "too_many_rows"
    at_least_two = dataclasses.replace(roster, min=2)
    assert check_answer(at_least_two, [row(2009, "sent")], {}).code == "too_few_rows"
    missing_year = check_answer(roster, [row(2009, "sent"), {"size": 0}], {})
    assert {key: e.code for key, e in missing_year.cells.items()} == {
        (1, "year"): "required",
        (1, "size"): "below_min",
    }


def test_rows_are_shown_one_a_line_by_their_columns(q):
    roster = q.question("delegations")
    value = [row(2009, "sent", 5, "Trade"), row(2010, "received")]
    shown = type_of(roster).display(roster, value, "en")
    assert shown == "2009 · Sent · 5 · Trade\n2010 · Received · – · –"


def test_rows_pair_by_their_keys_with_the_mirrored_codes(q):
    a = {"any": "yes", "delegations": [row(2009, "sent", 5), row(2010, "received", 3)]}
    b = {"any": "yes", "delegations": [row(2009, "received", 6), row(2010, "sent", 3)]}
    (outcome,) = [o for o in compare_pair(q, a, b) if o.question == "delegations"]
    assert (outcome.outcome, outcome.detail) == ("agree", "matched rows: 2")


def test_unmatched_rows_on_either_side_and_a_column_beyond_its_tolerance_disagree(q):
    a = {"any": "yes", "delegations": [row(2009, "sent", 5), row(2010, "received", 3)]}
    b = {"any": "yes", "delegations": [row(2009, "received", 8), row(2011, "sent", 3)]}
    (outcome,) = [o for o in compare_pair(q, a, b) if o.question == "delegations"]
    assert outcome.outcome == "disagree"
    assert outcome.detail == (
        "matched rows: 1; 2009 sent: size difference 3 > tolerance 2; "
        "only side A: 2010 received; only side B: 2011 sent"
    )


def test_a_skipped_or_empty_roster_is_reported_as_other_questions_are(q):
    a = {"any": "no"}
    b = {"any": "yes", "delegations": [row(2009, "received")]}
    (outcome,) = [o for o in compare_pair(q, a, b) if o.question == "delegations"]
    assert outcome.outcome == "skipped"
    (outcome,) = [o for o in compare_pair(q, {"any": "yes"}, b) if o.question == "delegations"]
    assert (outcome.outcome, outcome.detail) == ("missing", "side A: no answer")


MIRRORED = """\
key: m
version: "1"
languages: [en]
title: M
sections:
  - key: s
    title: S
    questions:
      - key: sent
        type: roster
        text: Delegations sent
        mirror: received
        compare: {roster: {match: [year]}}
        columns:
          - {key: year, type: year, text: Year}
          - {key: size, type: integer, text: People, compare: {tolerance: {abs: 1}}}
      - key: received
        type: roster
        text: Delegations received
        mirror: sent
        compare: {roster: {match: [year]}}
        columns:
          - {key: year, type: year, text: Year}
          - {key: size, type: integer, text: People, compare: {tolerance: {abs: 1}}}
"""


def test_a_roster_mirrored_across_sides_compares_sent_against_received():
    q = load_yaml(MIRRORED, "m.yaml")
    a = {"sent": [{"year": 2009, "size": 4}], "received": [{"year": 2008, "size": 2}]}
    b = {"sent": [{"year": 2008, "size": 2}], "received": [{"year": 2009, "size": 6}]}
    outcomes = {o.question: o for o in compare_pair(q, a, b)}
    assert (outcomes["sent"].key_a, outcomes["sent"].key_b) == ("sent", "received")
    assert outcomes["sent"].outcome == "disagree"
    assert outcomes["sent"].detail == "matched rows: 1; 2009: size difference 2 > tolerance 1"
    assert outcomes["received"].outcome == "agree"


def test_mirrored_rosters_need_the_same_columns():
    text = MIRRORED.replace(
        "          - {key: size, type: integer, text: People, compare: {tolerance: {abs: 1}}}\n",
        "",
        1,
    )
    with pytest.raises(Exception) as caught:
        load_yaml(text, "m.yaml")
    assert "roster question 'sent' and its mirror 'received' have different columns" in str(
        caught.value
    )


YEARS = st.sampled_from([2008, 2009, 2010])
DIRECTIONS = st.sampled_from(["sent", "received"])
ROWS = st.lists(
    st.builds(row, YEARS, DIRECTIONS, st.one_of(st.none(), st.integers(1, 9))), max_size=5
)


@settings(max_examples=200, deadline=None)
@given(ROWS, ROWS)
def test_roster_matching_is_symmetric_when_the_sides_are_swapped(rows_a, rows_b):
    q = load_yaml(ROSTER.replace("max: 4", "max: 10"), "r.yaml")
    rule = q.question("delegations").compare
    pairs = pair_rows(rule, rows_a, rows_b)
    swapped = pair_rows(rule, rows_b, rows_a)
    assert {(b, a) for a, b in swapped} == set(pairs)
    one = {"any": "yes", "delegations": rows_a}
    other = {"any": "yes", "delegations": rows_b}
    forward = [o for o in compare_pair(q, one, other) if o.question == "delegations"][0]
    backward = [o for o in compare_pair(q, other, one) if o.question == "delegations"][0]
    assert forward.outcome == backward.outcome


@pytest.mark.parametrize(
    ("locale", "words", "plain"),
    [
        (
            "en",
            "rows paired by year, direction (received ↔ sent on the other side);"
            " each column compared by its own rule",
            "rows paired by year; each column compared by its own rule",
        ),
        (
            "zh_Hans",
            "按 year, direction 配对各行（对方的 received ↔ sent 互换）；每一栏按其自身规则比较",
            "按 year 配对各行；每一栏按其自身规则比较",
        ),
        (
            "zh_Hant",
            "依 year, direction 配對各列（對方的 received ↔ sent 互換）；每一欄依其自身規則比較",
            "依 year 配對各列；每一欄依其自身規則比較",
        ),
    ],
)
def test_the_roster_rule_in_words_in_three_languages(q, locale, words, plain):
    assert rule_words(q.question("delegations").compare, locale) == words
    assert rule_words(CompareRule.roster(["year"], {}).to_dict(), locale) == plain


def test_a_roster_goes_to_xlsform_and_back_to_the_same_hash(q, tmp_path):
    counted = dataclasses.replace(q.question("delegations"), max=None, count="${n}", relevant=None)
    number = dataclasses.replace(
        q.sections[0].questions[0], key="n", type="integer", compare=CompareRule("exact")
    )
    sections = (dataclasses.replace(q.sections[0], questions=(number, counted)),)
    for model in (q, dataclasses.replace(q, sections=sections)):
        dump_xlsform(model, tmp_path / "r.xlsx")
        again = load_xlsform(tmp_path / "r.xlsx")
        assert again.content_hash() == model.content_hash()


def test_the_valid_fixture_has_a_roster_that_loads():
    q = load_file(Path(__file__).parent / "fixtures" / "valid.yaml")
    assert q.question("visits").compare.match == ("visit_year", "direction")
