"""Cascading selects (`choice_filter`): the filter expression over choice columns, the
options it offers given the answers, its checks, and XLSForm in and out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from survey.core.choices import offered
from survey.core.expressions import ExpressionError, parse, parse_filter
from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import Special
from survey.core.types import check_answer
from survey.core.xlsform import dump_xlsform, load_xlsform
from tests.core.test_xlsform import SURVEY, refusal, write_form

CASCADE = Path(__file__).parent / "fixtures" / "cascade.yaml"


@pytest.fixture(scope="module")
def cascade():
    return load_file(CASCADE)


def codes(options) -> list[str]:
    return [option.code for option in options]


# ---------------------------------------------------------------------------- the expression


def test_a_bare_name_in_a_filter_is_a_column_of_the_choice():
    expression = parse_filter("province = ${province} and name != 'x'")
    assert expression.columns == {"province", "name"}
    assert expression.references == {"province"}
    assert expression.to_json() == [
        "and",
        ["=", ["col", "province"], ["ref", "province"]],
        ["!=", ["col", "name"], ["str", "x"]],
    ]
    assert expression.test({"province": "on"}, choice={"province": "on", "name": "t"})
    assert not expression.test({"province": "bc"}, choice={"province": "on", "name": "t"})


def test_a_column_the_choice_lacks_reads_empty():
    assert parse_filter("region = ''").test({}, choice={"name": "a"})


def test_elsewhere_a_bare_name_stays_an_error():
    with pytest.raises(ExpressionError, match="unknown name 'province'"):
        parse("province = ${province}")


def test_in_a_filter_functions_and_operator_words_keep_their_meaning():
    expression = parse_filter("selected(${areas}, name) or not(true())")
    assert expression.columns == {"name"}
    assert expression.test({"areas": ["a", "b"]}, choice={"name": "b"})
    assert not expression.test({"areas": ["a"]}, choice={"name": "b"})
    with pytest.raises(ExpressionError):
        parse_filter("province and")


# ---------------------------------------------------------------------------- offered options


def test_the_options_offered_follow_the_earlier_answer(cascade):
    city = cascade.question("city")
    assert codes(offered(city, {"province": "on"})) == ["toronto", "ottawa"]
    assert codes(offered(city, {"province": "bc"})) == ["vancouver", "victoria"]
    assert codes(offered(city, {})) == []  # nothing chosen yet: nothing fits


def test_a_literal_in_the_filter_offers_options_whatever_the_answer(cascade):
    district = cascade.question("district")
    assert codes(offered(district, {"city": "vancouver"})) == ["downtown", "kitsilano"]
    assert codes(offered(district, {})) == ["downtown"]


def test_a_question_without_a_filter_offers_every_option(cascade):
    assert codes(offered(cascade.question("province"), {})) == ["on", "bc"]


def test_an_answer_the_filter_no_longer_offers_is_refused(cascade):
    city = cascade.question("city")
    error = check_answer(city, "toronto", {"province": "bc", "city": "toronto"})
    assert error is not None
    assert error.code == "not_offered"
    assert error.params == {"code": "toronto"}
    assert check_answer(city, "vancouver", {"province": "bc"}) is None


def test_a_multi_answer_is_refused_for_the_codes_no_longer_offered(cascade):
    district = cascade.question("district")
    error = check_answer(district, ["downtown", "yorkville"], {"city": "vancouver"})
    assert error is not None
    assert error.params == {"code": "yorkville"}
    assert check_answer(district, ["downtown", "kitsilano"], {"city": "vancouver"}) is None


def test_dont_know_and_refused_are_never_filtered_out(cascade):
    city = cascade.question("city")
    assert check_answer(city, Special.DONT_KNOW.value, {}) is None
    assert check_answer(city, Special.REFUSED.value, {"province": "bc"}) is None


# ---------------------------------------------------------------------------- YAML


def test_the_yaml_format_keeps_filters_and_columns(cascade):
    city = cascade.question("city")
    assert city.choice_filter == "province = ${province}"
    assert city.options[0].columns == {"province": "on"}
    assert cascade.question("province").options[0].to_dict() == {
        "code": "on",
        "label": {"en": "Ontario", "zh-Hans": "安大略", "zh-Hant": "安大略"},
    }  # no columns: nothing added to the hash of forms without them
    again = load_yaml(dump_yaml(cascade), "again.yaml")
    assert again.content_hash() == cascade.content_hash()


def test_columns_must_be_a_mapping_of_single_values():
    text = CASCADE.read_text(encoding="utf-8").replace(
        'columns: {province: "on"}', "columns: [on]", 1
    )
    with pytest.raises(Exception, match="columns of option 'toronto'") as caught:
        load_yaml(text, "src.yaml")
    assert "must be a mapping" in str(caught.value)


# ---------------------------------------------------------------------------- XLSForm

CHOICES = (
    ("list_name", "name", "label::English (en)", "province", "note"),
    ("provinces", "on", "Ontario", None, "n1"),
    ("provinces", "bc", "British Columbia", None, None),
    ("cities", "toronto", "Toronto", "on", "big"),
    ("cities", "ottawa", "Ottawa", "on", None),
    ("cities", "vancouver", "Vancouver", "bc", None),
)


def test_an_xlsform_choice_filter_imports_with_the_columns_it_names(tmp_path):
    survey = [
        (*SURVEY, "choice_filter"),
        ("select_one provinces", "province", "Province", None),
        ("select_one cities", "city", "City", "province=${province}"),
    ]
    q = load_xlsform(write_form(tmp_path / "form.xlsx", survey, CHOICES))
    city = q.question("city")
    assert city.choice_filter == "province=${province}"
    assert [o.columns for o in city.options] == [{"province": "on"}] * 2 + [{"province": "bc"}]
    assert all(not o.columns for o in q.question("province").options)  # no filter: no columns
    assert codes(offered(city, {"province": "bc"})) == ["vancouver"]


def test_an_xlsform_filter_naming_a_missing_column_is_refused(tmp_path):
    survey = [
        (*SURVEY, "choice_filter"),
        ("select_one provinces", "province", "Province", None),
        ("select_one cities", "city", "City", "state=${province}"),
    ]
    assert refusal(write_form(tmp_path / "form.xlsx", survey, CHOICES)) == [
        "form.xlsx:3: choice_filter of question 'city' names the column 'state', which none"
        " of its options has (their columns: none; 'name' is an option's code)"
    ]


def test_an_xlsform_filter_on_a_later_question_is_refused(tmp_path):
    survey = [
        (*SURVEY, "choice_filter"),
        ("select_one cities", "city", "City", "province=${province}"),
        ("select_one provinces", "province", "Province", None),
    ]
    assert refusal(write_form(tmp_path / "form.xlsx", survey, CHOICES)) == [
        "form.xlsx:2: choice_filter of question 'city' refers to ${province}, which does not"
        " come before it (a question can only depend on earlier questions)"
    ]


def test_the_export_reads_back_to_the_same_hash_and_is_valid_for_pyxform(cascade, tmp_path):
    path = tmp_path / "cascade.xlsx"
    dump_xlsform(cascade, path)
    again = load_xlsform(path)
    assert again.content_hash() == cascade.content_hash()
    xform = convert(path, validate=False, warnings=[]).xform
    assert "instance('city')/root/item[province =  /data/place/province ]" in xform
