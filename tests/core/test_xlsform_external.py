"""`select_one_external L`: choices from the workbook's external_choices sheet, stored in the
version and filtered like any cascading select; `hidden` rows left out with a warning."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from survey.core.choices import offered
from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import CORPUS, needs_corpus

HEADER = ("type", "name", "label::English (en)", "label::French (fr)", "choice_filter")
STATES = (
    ("list_name", "name", "label::English (en)", "label::French (fr)"),
    ("states", "texas", "Texas", "Le Texas"),
    ("states", "washington", "Washington", "La Washington"),
)
EXTERNAL = (
    ("list_name", "name", "label::English (en)", "label::French (fr)", "state", "size"),
    ("counties", "king", "King", "Le King", "washington", "big"),
    ("counties", "pierce", "Pierce", "La Pierce", "washington", "big"),
    ("counties", "cameron", "Cameron", "La Cameron", "texas", "small"),
)
COUNTY = ("select_one_external counties", "county", "County", "Comté", "state=${state}")


def write_book(path: Path, survey, choices=STATES, external=EXTERNAL) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheets = (("survey", survey), ("choices", choices), ("external_choices", external))
    for name, rows in sheets:
        if rows is not None:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(list(row))
    book.save(path)
    return path


def county_form(tmp_path: Path, row=COUNTY, external=EXTERNAL) -> Path:
    survey = [HEADER, ("select_one states", "state", "State", "État"), row]
    return write_book(tmp_path / "form.xlsx", survey, external=external)


def problems(path: Path, **flags) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        read_xlsform(path, source="form.xlsx", **flags)
    return [str(problem) for problem in caught.value.problems]


def test_the_choices_come_from_the_external_choices_sheet_with_their_filter_columns(tmp_path):
    result = read_xlsform(county_form(tmp_path), source="form.xlsx")
    county = result.questionnaire.question("county")
    assert (county.type, county.choice_filter) == ("single", "state=${state}")
    assert not county.dropdown
    assert [(o.code, dict(o.label), dict(o.columns)) for o in county.options] == [
        ("king", {"en": "King", "fr": "Le King"}, {"state": "washington"}),
        ("pierce", {"en": "Pierce", "fr": "La Pierce"}, {"state": "washington"}),
        ("cameron", {"en": "Cameron", "fr": "La Cameron"}, {"state": "texas"}),
    ]  # 'size' is no column its filter names
    assert [o.code for o in offered(county, {"state": "texas"})] == ["cameron"]
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:3: 'county' (select_one_external counties): ODK searches its list on the"
        " external_choices sheet as one types; survey stores its 3 choices and shows them as a"
        " usual select"
    ]


def test_select_multiple_external_is_a_multi(tmp_path):
    row = ("select_multiple_external counties", "counties", "Counties", "Comtés", None)
    q = load_xlsform(county_form(tmp_path, row))
    assert q.question("counties").type == "multi"
    assert [o.code for o in q.question("counties").options] == ["king", "pierce", "cameron"]


def test_a_long_external_list_is_one_drop_down(tmp_path):
    rows = [("counties", f"c{n}", f"C{n}", f"C{n}", "texas", None) for n in range(21)]
    result = read_xlsform(county_form(tmp_path, external=[EXTERNAL[0], *rows]), source="f")
    assert result.questionnaire.question("county").dropdown
    shown = "survey stores its 21 choices and shows them as one drop-down"
    assert result.warnings[-1].message.endswith(shown)


def test_a_name_twice_in_an_external_list_is_stored_under_a_free_code(tmp_path):
    external = [*EXTERNAL, ("counties", "king", "King", "Le King", "texas", "small")]
    result = read_xlsform(county_form(tmp_path, external=external), source="form.xlsx")
    county = result.questionnaire.question("county")
    assert [(o.code, o.columns["state"]) for o in county.options][-1] == ("king_2", "texas")
    assert [o.code for o in offered(county, {"state": "texas"})] == ["cameron", "king_2"]
    assert str(result.warnings[0]) == (
        "form.xlsx:3: 'county': the list 'counties' of the external_choices sheet has the name"
        " 'king' more than once (rows 2 and 5): row 5 is stored as 'king_2'"
    )


def test_a_missing_external_list_or_sheet_is_refused_and_dropped_with_the_flag(tmp_path):
    row = ("select_one_external towns", "town", "Town", "Ville", "state=${state}")
    message = (
        "question 'town' has type 'select_one_external towns', but the external_choices sheet"
        " has no list 'towns'"
    )
    path = county_form(tmp_path, row)
    assert problems(path) == [f"form.xlsx:3: {message}"]
    result = read_xlsform(path, source="form.xlsx", skip_unsupported=True)
    assert [q.key for q in result.questionnaire.questions()] == ["state"]
    assert [str(w) for w in result.warnings] == [f"form.xlsx:3: dropped: {message}"]
    survey = [HEADER, ("select_one states", "state", "State", "État"), COUNTY]
    path = write_book(tmp_path / "none.xlsx", survey, external=None)
    assert problems(path) == [
        "form.xlsx:3: question 'county' has type 'select_one_external counties', but the"
        " workbook has no external_choices sheet"
    ]


def test_the_export_writes_a_plain_select_and_reads_back_to_the_same_hash(tmp_path):
    original = load_xlsform(county_form(tmp_path))
    dump_xlsform(original, tmp_path / "again.xlsx")
    again = load_xlsform(tmp_path / "again.xlsx")
    assert again.content_hash() == original.content_hash()
    assert again.question("county").options == original.question("county").options
    assert convert(xlsform=str(tmp_path / "again.xlsx")).xform  # a plain select for ODK


def test_the_version_hash_covers_the_external_choices(tmp_path):
    first = load_xlsform(county_form(tmp_path))
    external = [*EXTERNAL[:3], ("counties", "cameron", "Cameron", "La Cameron", "texas", None)]
    (tmp_path / "b").mkdir()
    same = load_xlsform(county_form(tmp_path / "b", external=external))
    assert same.content_hash() == first.content_hash()  # a column no filter names
    external = [*EXTERNAL, ("counties", "harris", "Harris", "Le Harris", "texas", None)]
    (tmp_path / "c").mkdir()
    other = load_xlsform(county_form(tmp_path / "c", external=external))
    assert other.content_hash() != first.content_hash()


def test_a_choice_filter_on_a_row_without_choices_is_ignored_as_pyxform_ignores_it(tmp_path):
    row = ("text", "note_it", "Other county", "Autre comté", "state=${state}")
    result = read_xlsform(county_form(tmp_path, row), source="form.xlsx")
    assert result.questionnaire.question("note_it").choice_filter is None
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:3: the choice_filter of 'note_it' is ignored: a text question has no choices"
        " to filter (as in ODK)"
    ]


@pytest.mark.parametrize("default", [None, "b"])
def test_a_hidden_row_is_left_out_with_a_warning_naming_it(tmp_path, default):
    survey = [
        ("type", "name", "label::English (en)", "default"),
        ("hidden", "form_kind", None, default),
        ("text", "q", "Q", None),
    ]
    path = write_book(tmp_path / "form.xlsx", survey, choices=None, external=None)
    result = read_xlsform(path, source="form.xlsx")
    assert [q.key for q in result.questionnaire.questions()] == ["q"]
    warning = (
        "form.xlsx:2: 'form_kind' (hidden) is left out: a hidden value is neither shown nor"
        " answered, and on a web form nothing sets it"
    )
    if default:
        warning += " (its default 'b' is a constant survey does not store)"
    assert [str(w) for w in result.warnings] == [warning]


def test_an_expression_using_a_hidden_row_is_refused_without_the_flag(tmp_path):
    survey = [
        ("type", "name", "label::English (en)", "relevant"),
        ("hidden", "kind", None, None),
        ("text", "q", "Q", "${kind} = 'b'"),
        ("text", "r", "R", None),
    ]
    path = write_book(tmp_path / "form.xlsx", survey, choices=None, external=None)
    assert problems(path) == [
        "form.xlsx:3: relevant of question 'q': unknown question ${kind} (only earlier"
        " questions can be referred to)"
    ]
    result = read_xlsform(path, source="form.xlsx", skip_unsupported=True)
    assert [q.key for q in result.questionnaire.questions()] == ["r"]


@needs_corpus
def test_the_corpus_external_itemsets_form_imports_without_the_flag():
    q = load_xlsform(CORPUS / "xlsform-offline__external-itemsets.xlsx")
    city = q.question("city")
    assert city.choice_filter == "state=${state} and county=${county}"
    chosen = {"state": "texas", "county": "cameron"}
    assert [o.code for o in offered(city, chosen)] == ["brownsville", "harlingen"]
    assert dict(city.options[0].label) == {"en": "Dumont", "fr": "Le Dumont"}


def test_an_external_name_that_is_no_code_is_made_one_and_expressions_follow(tmp_path):
    external = (*EXTERNAL, ("counties", "King County", "King County", "Le King", "texas", "x"))
    survey = [
        (*HEADER, "relevant"),
        ("select_one states", "state", "State", "État"),
        COUNTY,
        ("text", "why", "Why?", "Pourquoi ?", None, "selected(${county}, 'King County')"),
    ]
    path = write_book(tmp_path / "form.xlsx", survey, external=external)
    result = read_xlsform(path, source="form.xlsx")
    county = result.questionnaire.question("county")
    assert [o.code for o in county.options][-1] == "King_County"
    assert result.questionnaire.question("why").relevant == "selected(${county}, 'King_County')"
    renamed = [str(w) for w in result.warnings if "is renamed" in str(w)]
    assert renamed == [
        "form.xlsx:5: external_choices sheet: the choice name 'King County' of the list"
        " 'counties' is renamed 'King_County' (a code has only letters, digits, '_', '-' and"
        " '.'); expressions and filter columns naming it follow"
    ]
    texas = offered(county, {"state": "texas"})
    assert [o.code for o in texas] == ["cameron", "King_County"]
