"""A roster's calculate columns in the core: loaded and checked, computed in each row from
that row's earlier cells and the questions before the roster, never read from what is
posted, compared by their value across sides, and XLSForm's calculate rows inside a
repeat imported as such columns and written back."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from survey.core.calculations import calculated, changed
from survey.core.compare import compare_pair
from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import CompareRule, Questionnaire, QuestionnaireError
from survey.core.types import type_of
from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import SURVEY, write_form

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster_calc.yaml"

TRIPS = """\
key: t
version: "1"
languages: [en]
title: T
sections:
  - key: s
    title: S
    questions:
      - {key: rate, type: number, text: Daily rate}
      - key: rate_plus
        type: calculate
        calculation: "${rate} + 10"
      - key: trips
        type: roster
        text: Trips
        columns:
          - {key: days, type: integer, text: Days}
          - {key: paid, type: yesno, text: "Paid?"}
          - key: cost
            type: calculate
            calculation: "${days} * ${rate_plus}"
          - key: cost_label
            type: calculate
            relevant: "${paid} = 'yes'"
            calculation: "concat('paid ', ${cost})"
"""


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_file(FIXTURE)


@pytest.fixture(scope="module")
def trips() -> Questionnaire:
    return load_yaml(TRIPS, "t.yaml")


def test_a_calculate_column_loads_with_its_rule_and_reads_back_to_the_same_hash(q):
    roster = q.question("delegations")
    column = roster.column("person_nights")
    assert (column.type, column.calculation) == ("calculate", "${size} * ${nights}")
    assert column.compare == CompareRule("tolerance", 1)
    assert roster.column("tag").compare == CompareRule("none")
    again = load_yaml(dump_yaml(q), "again.yaml")
    assert again.content_hash() == q.content_hash()
    assert "delegations" in q.calculation_keys  # a save computes its rows


def test_each_row_gets_its_own_value_and_a_row_missing_an_input_none(q):
    rows = [
        {"year": 2009, "direction": "sent", "size": 5},
        {"year": 2010, "direction": "received"},  # no size: no person-nights
    ]
    found = calculated(q, {"nights": 3, "delegations": rows})
    assert found["delegations"] == [
        {"year": 2009, "direction": "sent", "size": 5, "person_nights": "15", "tag": "2009-sent"},
        {"year": 2010, "direction": "received", "tag": "2010-received"},
    ]
    assert rows[1] == {"year": 2010, "direction": "received"}  # the answer itself untouched
    # without the question before the roster, no row has person-nights (NaN is no value)
    bare = calculated(q, {"delegations": rows})["delegations"]
    assert [("person_nights" in row) for row in bare] == [False, False]


def test_a_row_reads_earlier_calculations_its_relevant_and_its_own_earlier_columns(trips):
    rows = [{"days": 2, "paid": "yes"}, {"days": 3, "paid": "no"}, {"paid": "yes"}]
    found = calculated(trips, {"rate": 90, "trips": rows})
    assert found["rate_plus"] == "100"
    assert found["trips"] == [
        {"days": 2, "paid": "yes", "cost": "200", "cost_label": "paid 200"},
        {"days": 3, "paid": "no", "cost": "300"},  # not paid: no label
        {"paid": "yes", "cost_label": "paid "},  # no days: no cost, and the label says so
    ]


def test_a_stale_value_in_a_row_is_replaced_and_a_changed_input_changes_the_rows(q):
    rows = [{"year": 2009, "direction": "sent", "size": 5, "person_nights": "999"}]
    stored = {"nights": 2, "delegations": rows}
    assert calculated(q, stored)["delegations"][0]["person_nights"] == "10"
    fresh = {"nights": 2, "delegations": calculated(q, stored)["delegations"]}
    assert changed(q, fresh, fresh) == {}  # nothing to store again
    later = {**fresh, "nights": 4}  # the question outside the roster changed
    assert changed(q, fresh, later)["delegations"][0]["person_nights"] == "20"


def test_a_posted_or_imported_value_of_a_calculate_column_is_not_read(q):
    roster = q.question("delegations")
    posted = [{"year": "2009", "direction": "sent", "size": "5", "person_nights": "1000"}]
    assert type_of(roster).parse(roster, posted) == [{"year": 2009, "direction": "sent", "size": 5}]
    # a row holding nothing but a calculated value is no row
    assert type_of(roster).parse(roster, [{"person_nights": "7", "tag": "x"}]) is None


def test_the_respondent_never_sees_a_field_for_a_calculate_column(q):
    from survey.roster_widgets import roster_html

    roster = q.question("delegations")
    rows = [{"year": 2009, "direction": "sent", "size": 5, "person_nights": "15"}]
    html = roster_html(roster, "en", rows, locale="en")
    assert 'name="delegations.0.size"' in html
    # only its saved value, hidden, for the page script's relevance; no label, no field
    assert (
        '<div class="roster-calculated" data-key="delegations.0.person_nights"'
        ' data-type="calculate" hidden><input type="hidden" name="delegations.0.person_nights"'
        ' value="15"></div>'
    ) in html
    assert 'id="label-delegations.0.person_nights"' not in html
    assert 'name="delegations.0.tag" value=""' in html
    # the column whose relevant reads it is shown in this row (15 >= 10)
    assert 'id="q-delegations.0.hosts" data-key="delegations.0.hosts" data-type="text"' in html
    tag = html[html.index('id="q-delegations.0.hosts"') :]
    assert not tag[: tag.index(">")].endswith(" hidden")


def _compared(q, a, b):
    (outcome,) = [o for o in compare_pair(q, a, b) if o.question == "delegations"]
    return outcome.outcome, outcome.detail


def test_two_sides_calculated_columns_compare_by_their_values(q):
    def side(nights, sizes, direction):
        rows = [{"year": 2009 + i, "direction": direction, "size": s} for i, s in enumerate(sizes)]
        return calculated(q, {"nights": nights, "delegations": rows}) | {"nights": nights}

    us = side(2, [5, 4], "sent")  # 10 and 8 person-nights
    assert _compared(q, us, side(2, [5, 4], "received")) == ("agree", "matched rows: 2")
    one_off = side(3, [3, 3], "received")  # 9 and 9: each within 1
    assert _compared(q, us, one_off) == ("agree", "matched rows: 2")
    far = side(3, [4, 3], "received")  # 12 and 9: 2009 is 2 apart
    assert _compared(q, us, far) == (
        "disagree",
        "matched rows: 2; 2009 sent: person_nights difference 2 > tolerance 1",
    )
    # the partner gave the size but not the nights: no person-nights in its row
    missing = {"delegations": [{"year": 2009, "direction": "received", "size": 5}]}
    outcome, detail = _compared(q, side(3, [5], "sent"), missing | calculated(q, missing))
    assert (outcome, detail) == (
        "disagree",
        "matched rows: 1; 2009 sent: person_nights answered on one side only",
    )


# ---------------------------------------------------------------------------- XLSForm

REPEAT = [
    (*SURVEY, "calculation", "compare"),
    ("integer", "nights", "Nights", None, None),
    ("begin repeat", "delegations", "Delegations", None, "roster:year"),
    ("integer", "year", "Year", None, None),
    ("integer", "size", "People", None, None),
    ("calculate", "person_nights", None, "${size} * ${nights}", "tolerance:1"),
    ("end repeat", None, None, None, None),
]


def test_a_calculate_row_in_a_repeat_imports_as_a_calculate_column(tmp_path):
    path = write_form(tmp_path / "form.xlsx", REPEAT)
    q = load_xlsform(path)
    roster = q.question("delegations")
    column = roster.column("person_nights")
    assert [c.key for c in roster.columns] == ["year", "size", "person_nights"]
    assert (column.type, column.calculation, column.compare) == (
        "calculate", "${size} * ${nights}", CompareRule("tolerance", 1)
    )  # fmt: skip
    rows = [{"year": 2009, "size": 4}, {"year": 2010}]
    assert calculated(q, {"nights": 2, "delegations": rows})["delegations"] == [
        {"year": 2009, "size": 4, "person_nights": "8"},
        {"year": 2010},
    ]


def test_the_export_writes_it_back_inside_the_repeat_to_the_same_hash(q, tmp_path):
    dump_xlsform(q, tmp_path / "out.xlsx")
    again = load_xlsform(tmp_path / "out.xlsx")
    assert again.content_hash() == q.content_hash()
    assert again.question("delegations").column("person_nights").calculation == (
        "${size} * ${nights}"
    )
    xform = convert(tmp_path / "out.xlsx", validate=False, warnings=[]).xform
    # pyxform reads it as ODK does: ${size} is the row's own (../size), ${nights} the form's
    assert (
        '<bind nodeset="/data/exchanges/delegations/person_nights" type="string"'
        ' calculate=" ../size  *  /data/exchanges/nights "/>'
    ) in xform


def test_a_calculate_row_in_a_repeat_that_uses_a_dropped_row_is_dropped_with_the_flag(tmp_path):
    survey = [
        (*SURVEY, "calculation"),
        ("geopoint", "where", "Where", None),
        ("begin repeat", "visits", "Visits", None),
        ("integer", "size", "People", None),
        ("calculate", "far", None, "${where} + ${size}"),
        ("calculate", "double", None, "${size} * 2"),
        ("end repeat", None, None, None),
    ]
    path = write_form(tmp_path / "form.xlsx", survey)
    with pytest.raises(QuestionnaireError):
        load_xlsform(path)  # the geopoint, not the calculations, refuses it
    read = read_xlsform(path, source="form.xlsx", skip_unsupported=True)
    assert [c.key for c in read.questionnaire.question("visits").columns] == ["size", "double"]
    assert "form.xlsx:5: dropped 'far': its calculation uses ${where} (row 2, left out)" in [
        str(w) for w in read.warnings
    ]


def test_a_calculate_row_in_a_repeat_naming_a_later_row_is_refused_at_its_row(tmp_path):
    survey = [
        (*SURVEY, "calculation"),
        ("begin repeat", "visits", "Visits", None),
        ("calculate", "double", None, "${size} * 2"),
        ("integer", "size", "People", None),
        ("end repeat", None, None, None),
    ]
    path = write_form(tmp_path / "form.xlsx", survey)
    with pytest.raises(QuestionnaireError) as caught:
        load_xlsform(path, source="form.xlsx")
    assert [str(p) for p in caught.value.problems] == [
        "form.xlsx:3: calculation of column 'double' of roster 'visits' refers to ${size},"
        " which does not come before it (a question can only depend on earlier questions)"
    ]


CHOICE_NAME = """\
key: c
version: "1"
languages: [zh-Hans, en]
title: {zh-Hans: 访问, en: Visits}
sections:
  - key: s
    title: {zh-Hans: 访问, en: Visits}
    questions:
      - key: mode
        type: single
        text: {zh-Hans: 方式, en: Mode}
        options:
          - {code: air, label: {zh-Hans: 飞机, en: By air}}
          - {code: rail, label: {zh-Hans: 火车, en: By rail}}
      - key: visits
        type: roster
        text: {zh-Hans: 访问, en: Visits}
        columns:
          - key: mode
            type: single
            text: {zh-Hans: 方式, en: Mode}
            options:
              - {code: air, label: {zh-Hans: 航空, en: Flight}}
              - {code: sea, label: {zh-Hans: 海运, en: Ship}}
          - key: row_mode
            type: calculate
            calculation: "jr:choice-name(${mode}, '${mode}')"
"""


def test_choice_name_in_a_row_names_the_row_own_column_option_in_the_base_language():
    q = load_yaml(CHOICE_NAME, "c.yaml")
    rows = [{"mode": "air"}, {"mode": "sea"}, {}]
    found = calculated(q, {"mode": "rail", "visits": rows})["visits"]
    # the column `mode` shadows the question `mode` in its row, even where the row has no
    # mode (as ${mode} inside an ODK repeat is the row's own): no value, not the question's
    assert [row.get("row_mode") for row in found] == ["航空", "海运", None]
