"""XLSForm import and export: ODK workbooks in, the questionnaire model out, and back again."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from survey.core.questionnaire import (
    CompareRule,
    Option,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)
from survey.core.validate import validate
from survey.core.xlsform import (
    SUPPORTED,
    compare_from_text,
    compare_to_text,
    dump_xlsform,
    language_header,
    language_tag,
    load_xlsform,
)

SURVEY = ("type", "name", "label::English (en)")
FIXTURES = Path(__file__).parent / "xlsform"


def write_form(path: Path, survey, choices=None, settings=None) -> Path:
    """Write sheets given as rows (the first row holds the headers) to an .xlsx workbook."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def form(tmp_path):
    """A writer of small workbooks to form.xlsx in a temporary folder."""

    def make(survey, choices=None, settings=None, name="form.xlsx") -> Path:
        return write_form(tmp_path / name, survey, choices, settings)

    return make


def refusal(path: Path) -> list[str]:
    """The problems, as `file:row: message`, of a workbook that must not import."""
    with pytest.raises(QuestionnaireError) as caught:
        load_xlsform(path, source="form.xlsx")
    return [str(problem) for problem in caught.value.problems]


COLOURS = (
    ("list_name", "name", "label::English (en)"),
    ("colours", "red", "Red"),
    ("colours", "blue", "Blue"),
)


# ---------------------------------------------------------------------------- languages


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("English (en)", "en"),
        ("English (EN)", "en"),
        ("english", "en"),
        ("ENGLISH", "en"),
        ("EN", "en"),
        ("Chinese (zh)", "zh-Hans"),
        ("中文 (zh-CN)", "zh-Hans"),
        ("Chinese (zh-SG)", "zh-Hans"),
        ("Chinese (zh-TW)", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh_MO", "zh-Hant"),
        ("zh-Hans", "zh-Hans"),
        ("zh-hant", "zh-Hant"),
        ("chinese", "zh-Hans"),
        ("中文", "zh-Hans"),
        ("简体中文", "zh-Hans"),
        ("Simplified Chinese", "zh-Hans"),
        ("Chinese (Simplified)", "zh-Hans"),
        ("繁體中文", "zh-Hant"),
        ("traditional chinese", "zh-Hant"),
        ("French", "fr"),
        ("Français", "fr"),
        ("Swahili (sw)", "sw"),
        ("Deutsch (de)", "de"),
        ("العربية", "ar"),
        ("Tetun", "tet"),
        ("Portuguese (pt-br)", "pt-BR"),
        ("English (UK version)", "en"),
    ],
)
def test_language_names_and_codes_map_to_tags(name, tag):
    assert language_tag(name) == tag


@pytest.mark.parametrize("name", ["Local language", "Klingon", "", "Local language (local)"])
def test_unknown_language_names_map_to_nothing(name):
    assert language_tag(name) is None


@pytest.mark.parametrize("tag", ["en", "zh-Hans", "zh-Hant", "fr", "sw", "pt-BR", "xh"])
def test_written_language_headers_map_back_to_their_tag(tag):
    assert language_tag(language_header(tag)) == tag


def test_written_language_headers_name_the_language_and_its_code():
    headers = [language_header(tag) for tag in ("en", "zh-Hans", "zh-Hant")]
    assert headers == [
        "English (en)",
        "Simplified Chinese (zh-Hans)",
        "Traditional Chinese (zh-Hant)",
    ]


def test_a_column_in_an_unknown_language_is_refused_with_its_header(form):
    path = form([(*SURVEY, "label::Klingon"), ("text", "q", "Name?", "Pong?")])
    assert refusal(path) == [
        "form.xlsx:1: survey sheet: the column 'label::Klingon' names the language 'Klingon',"
        " which survey does not know (write it with its BCP 47 code, e.g. 'label::Klingon (xx)')"
    ]


def test_an_empty_column_declares_no_language(form):
    path = form([(*SURVEY, "label::Local language"), ("text", "q", "Name?")])
    assert load_xlsform(path).languages == ("en",)


def test_bare_columns_take_the_default_language_of_the_settings(form):
    survey = [("type", "name", "label", "hint"), ("text", "q", "Nom ?", "En lettres")]
    path = form(survey, settings=[("default_language",), ("Français",)])
    question = load_xlsform(path).question("q")
    assert (question.text, question.help) == ({"fr": "Nom ?"}, {"fr": "En lettres"})


def test_bare_columns_are_english_without_a_default_language(form):
    path = form([("type", "name", "label"), ("text", "q", "Name?")])
    assert load_xlsform(path).question("q").text == {"en": "Name?"}


def test_a_language_column_wins_over_the_bare_column_of_the_same_language(form):
    survey = [
        ("type", "name", "label", "label::English"),
        ("text", "q", "bare", "own"),
        ("text", "r", "bare only", None),
    ]
    q = load_xlsform(form(survey))
    assert (q.question("q").text, q.question("r").text) == ({"en": "own"}, {"en": "bare only"})


def test_old_single_colon_headers_are_read_as_pyxform_reads_them(form):
    survey = [
        ("type", "name", "label:English", "label:中文 (zh-TW)"),
        ("text", "q", "Name?", "名字？"),
    ]
    q = load_xlsform(form(survey))
    assert (q.languages, q.question("q").text) == (
        ("en", "zh-Hant"),
        {"en": "Name?", "zh-Hant": "名字？"},
    )


def test_three_languages_label_hint_message_and_choices(form):
    headers = (
        "type",
        "name",
        "label::English (en)",
        "label::Chinese (zh)",
        "label::繁體中文",
        "hint::English (en)",
        "hint::Chinese (zh)",
        "hint::繁體中文",
        "constraint",
        "constraint_message::English (en)",
        "constraint_message::Chinese (zh)",
        "constraint_message::繁體中文",
    )
    row = (
        "integer",
        "n",
        "How many?",
        "多少？",
        "多少？",
        "A count",
        "数量",
        "數量",
        ". >= 0",
        "Not negative",
        "不能为负",
        "不能為負",
    )
    question = load_xlsform(form([headers, row])).question("n")
    assert question.text == {"en": "How many?", "zh-Hans": "多少？", "zh-Hant": "多少？"}
    assert question.help == {"en": "A count", "zh-Hans": "数量", "zh-Hant": "數量"}
    assert question.constraint_message == {
        "en": "Not negative",
        "zh-Hans": "不能为负",
        "zh-Hant": "不能為負",
    }


# ---------------------------------------------------------------------------- sheets and headers


def test_a_survey_sheet_without_type_or_name_is_refused(form):
    assert refusal(form([("kind", "label"), ("text", "Name?")])) == [
        "form.xlsx:1: the survey sheet has no 'type' column",
        "form.xlsx:1: the survey sheet has no 'name' column",
    ]


def test_a_workbook_without_a_survey_sheet_is_refused(tmp_path):
    path = write_form(
        tmp_path / "form.xlsx", None, choices=COLOURS, settings=[("form_id",), ("x",)]
    )
    assert refusal(path) == ["form.xlsx:0: the workbook has no 'survey' sheet"]


def test_two_headers_for_the_same_column_are_refused(form):
    path = form([(*SURVEY, "relevant", "relevance"), ("text", "q", "Name?", None, None)])
    assert refusal(path) == [
        "form.xlsx:1: survey sheet: the columns 'relevant' and 'relevance' mean the same (keep one)"
    ]


def test_a_file_that_is_no_form_is_refused(tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_bytes(b"\x00not a workbook")
    (problem,) = refusal(path)
    assert problem.startswith("form.xlsx:0: cannot read the form: ")


def test_a_number_as_a_header_is_refused(form):
    (problem,) = refusal(form([(*SURVEY, 2024), ("text", "q", "Q", "x")]))
    assert problem.startswith("form.xlsx:0: cannot read the form (")
    assert problem.endswith("; check that the header rows hold only text)")


def test_a_missing_file_is_refused(tmp_path):
    assert refusal(tmp_path / "nothing.xlsx") == [
        "form.xlsx:0: cannot read the file: No such file or directory (check the path)"
    ]


def test_pyxform_markdown_and_csv_forms_are_read(tmp_path):
    markdown = tmp_path / "pets.md"
    markdown.write_text(
        "| survey |\n|  | type | name | label::English (en) |\n|  | integer | pets | Pets? |\n",
        encoding="utf-8",
    )
    csv = tmp_path / "pets.csv"
    csv.write_text(
        "survey,,,\n,type,name,label::中文 (zh)\n,integer,pets,宠物？\n", encoding="utf-8"
    )
    assert load_xlsform(markdown).question("pets").text == {"en": "Pets?"}
    assert load_xlsform(csv).question("pets").text == {"zh-Hans": "宠物？"}


# ---------------------------------------------------------------------------- types


def test_xlsform_types_map_to_survey_types(form):
    survey = [
        (*SURVEY, "appearance"),
        ("text", "t", "T", None),
        ("text", "lt", "LT", "multiline"),
        ("integer", "i", "I", None),
        ("decimal", "d", "D", None),
        ("date", "dt", "DT", None),
        ("date", "y", "Y", "year"),
        ("note", "n", "N", None),
        ("select_one colours", "s", "S", None),
        ("select_multiple colours", "m", "M", None),
        ("select_one colours", "sc", "SC", "likert"),
        ("select_one yes_no", "yn", "YN", None),
        ("string", "st", "ST", None),
    ]
    yes_no = [("yes_no", "yes", "Yes"), ("yes_no", "no", "No")]
    q = load_xlsform(form(survey, choices=[*COLOURS, *yes_no]))
    assert [(x.key, x.type) for x in q.questions()] == [
        ("t", "text"),
        ("lt", "longtext"),
        ("i", "integer"),
        ("d", "number"),
        ("dt", "date"),
        ("y", "year"),
        ("n", "note"),
        ("s", "single"),
        ("m", "multi"),
        ("sc", "scale"),
        ("yn", "yesno"),
        ("st", "text"),
    ]


def test_choices_become_options_with_their_rows_and_yes_no_lists_become_yesno(form):
    survey = [SURVEY, ("select_one colours", "s", "S"), ("select_one yes_no", "yn", "Y/N")]
    yes_no = [("yes_no", "no", "No"), ("yes_no", "yes", "Yes")]
    q = load_xlsform(form(survey, choices=[*COLOURS, *yes_no]))
    assert q.question("s").options == (Option("red", {"en": "Red"}), Option("blue", {"en": "Blue"}))
    assert [o.line for o in q.question("s").options] == [2, 3]
    assert (q.question("yn").options, q.question("yn").option_codes) == ((), ("yes", "no"))


def test_default_compare_rules_follow_the_type(form):
    survey = [
        SURVEY,
        ("text", "t", "T"),
        ("select_multiple colours", "m", "M"),
        ("integer", "i", "I"),
        ("note", "n", "N"),
    ]
    q = load_xlsform(form(survey, choices=COLOURS))
    rules = [(x.key, x.compare) for x in q.questions()]
    assert rules == [
        ("t", CompareRule("review")),
        ("m", CompareRule("set")),
        ("i", CompareRule("exact")),
        ("n", None),
    ]


@pytest.mark.parametrize(
    ("type_text", "name"),
    [
        ("image", "photo"),
        ("audio", "a"),
        ("video", "v"),
        ("file", "f"),
        ("geopoint", "g"),
        ("geotrace", "g"),
        ("geoshape", "g"),
        ("barcode", "b"),
        ("background-audio", "ba"),
        ("select_one_from_file places.geojson", "p"),
        ("select_multiple_from_file p.xml", "p"),
    ],
)
def test_what_survey_cannot_store_is_refused_naming_row_question_and_type(form, type_text, name):
    path = form([SURVEY, ("text", "before", "Before"), (type_text, name, "Label")], COLOURS)
    assert refusal(path) == [
        f"form.xlsx:3: question '{name}' has type '{type_text}', which survey cannot store"
        f" (supported: {SUPPORTED})"
    ]


def test_a_loop_in_a_repeat_is_refused_at_its_row(form):
    # (a calculate row in a repeat imports as a calculate column: test_roster_calculations)
    survey = [
        SURVEY,
        ("begin repeat", "children", "Children"),
        ("integer", "age", "Age"),
        ("begin loop over colours", "each", "Each"),
        ("integer", "n", "How many?"),
        ("end loop", None, None),
        ("end repeat", None, None),
    ]
    assert refusal(form(survey, COLOURS)) == [
        "form.xlsx:4: 'each' is a loop inside the repeat 'children', which survey cannot"
        " store (a loop's rows become questions, one per choice, not columns of a roster)",
    ]


def test_a_select_without_a_list_is_refused(form):
    assert refusal(form([SURVEY, ("select_one", "c", "Colour")], COLOURS)) == [
        "form.xlsx:2: question 'c' has type 'select_one' but names no choice list"
    ]


def test_an_unknown_type_is_refused(form):
    assert refusal(form([SURVEY, ("essay", "e", "Write")])) == [
        f"form.xlsx:2: question 'e' has the unknown type 'essay' (supported: {SUPPORTED})"
    ]


def test_metadata_rows_are_left_out(form):
    meta = [
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "phonenumber",
        "audit",
        "simserial",
        "subscriberid",
        "start-geopoint",
        "email",
    ]
    survey = [SURVEY, *((kind, kind.replace("-", "_"), None) for kind in meta), ("text", "q", "Q")]
    assert [x.key for x in load_xlsform(form(survey)).questions()] == ["q"]


def test_a_note_without_a_name_gets_one_from_its_row(form):
    q = load_xlsform(form([SURVEY, ("note", None, "Welcome"), ("text", "q", "Q")]))
    assert [(x.key, x.type) for x in q.questions()] == [("note_2", "note"), ("q", "text")]


def test_disabled_rows_are_left_out(form):
    path = form(
        [(*SURVEY, "disabled"), ("image", "photo", "Photo", "yes"), ("text", "q", "Q", "no")]
    )
    assert [x.key for x in load_xlsform(path).questions()] == ["q"]


# ---------------------------------------------------------------------------- choices and names


def test_a_missing_choice_list_is_refused(form):
    assert refusal(form([SURVEY, ("select_one colors", "c", "Colour")], COLOURS)) == [
        "form.xlsx:2: question 'c' uses the choice list 'colors', which the choices sheet does"
        " not have"
    ]


def test_a_choice_list_with_a_name_twice_is_refused(form):
    choices = [*COLOURS, ("colours", "red", "Crimson")]
    assert refusal(form([SURVEY, ("select_one colours", "c", "Colour")], choices)) == [
        "form.xlsx:4: choices sheet: the list 'colours' has the name 'red' more than once"
    ]


def test_a_choice_without_a_list_name_is_refused(form):
    choices = [*COLOURS, (None, "green", "Green")]
    assert refusal(form([SURVEY, ("select_one colours", "c", "Colour")], choices)) == [
        "form.xlsx:4: choices sheet: the row needs both a list_name and a name"
    ]


def test_a_question_name_used_twice_is_refused_even_in_another_group(form):
    survey = [
        SURVEY,
        ("text", "name", "Name"),
        ("begin group", "g", "G"),
        ("text", "name", "Name again"),
        ("end group", None, None),
    ]
    assert refusal(form(survey)) == [
        "form.xlsx:4: the name 'name' is already used at row 2 (question names must be unique"
        " in the whole form)"
    ]


def test_a_row_without_a_type_is_refused_but_comment_rows_are_skipped(form):
    path = form([(*SURVEY, "notes"), (None, "q", "Q?", None), (None, None, None, "a comment")])
    assert refusal(path) == ["form.xlsx:2: the row 'q' has no type"]


def test_all_problems_are_reported_at_once(form):
    survey = [
        (*SURVEY, "compare"),
        ("image", "photo", "Photo", None),
        ("integer", "n", "N", "tolerance:abc"),
        ("select_one nope", "s", "S", None),
    ]
    assert refusal(form(survey)) == [
        "form.xlsx:2: question 'photo' has type 'image', which survey cannot store (supported:"
        f" {SUPPORTED})",
        "form.xlsx:3: question 'n': compare 'tolerance:abc': tolerance needs a number or a"
        " percentage, e.g. tolerance:1 or tolerance:10%",
        "form.xlsx:4: question 's' uses the choice list 'nope', which the choices sheet does not"
        " have",
    ]


# ---------------------------------------------------------------------------- columns


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("exact", CompareRule("exact")),
        ("set", CompareRule("set")),
        ("review", CompareRule("review")),
        ("None", CompareRule("none")),
        ("overlap:0.5", CompareRule("overlap", 0.5)),
        ("tolerance:1", CompareRule("tolerance", 1)),
        ("tolerance: 2.5", CompareRule("tolerance", 2.5)),
        ("tolerance:10%", CompareRule("tolerance", 0.1, relative=True)),
        ("within_days:31", CompareRule("within_days", 31)),
    ],
)
def test_compare_cells_become_rules(cell, rule):
    assert compare_from_text(cell) == rule


@pytest.mark.parametrize(
    "rule",
    [
        CompareRule("tolerance", 0.07, relative=True),
        CompareRule("tolerance", 0.125, relative=True),
        CompareRule("tolerance", 1),
        CompareRule("tolerance", 0.5),
        CompareRule("overlap", 1),
        CompareRule("overlap", 0.3),
        CompareRule("within_days", 7),
        CompareRule("exact"),
    ],
)
def test_written_compare_cells_read_back_as_the_same_rule(rule):
    again = compare_from_text(compare_to_text(rule))
    assert (again, type(again.value)) == (rule, type(rule.value))


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        (
            "tolerance:abc",
            "tolerance needs a number or a percentage, e.g. tolerance:1 or tolerance:10%",
        ),
        (
            "tolerance:-1",
            "tolerance needs a number or a percentage, e.g. tolerance:1 or tolerance:10%",
        ),
        ("overlap:2", "overlap needs a share between 0 and 1, e.g. overlap:0.5"),
        ("within_days:1.5", "within_days needs a whole number of days, e.g. within_days:31"),
    ],
)
def test_bad_compare_values_are_refused_with_an_example(form, cell, why):
    path = form([(*SURVEY, "compare"), ("integer", "n", "N", cell)])
    assert refusal(path) == [f"form.xlsx:2: question 'n': compare '{cell}': {why}"]


@pytest.mark.parametrize("cell", ["similar", "exact:1"])
def test_unknown_compare_rules_are_refused_with_the_list_of_rules(form, cell):
    path = form([(*SURVEY, "compare"), ("integer", "n", "N", cell)])
    assert refusal(path) == [
        f"form.xlsx:2: question 'n': compare '{cell}' is not a rule (use exact, set, overlap:J,"
        " tolerance:X, tolerance:P%, within_days:D, within_minutes:M, rank_agreement:R, review"
        " or none)"
    ]


def test_a_compare_rule_that_does_not_fit_the_type_is_refused_by_validation(form):
    (problem,) = refusal(form([(*SURVEY, "compare"), ("text", "t", "T", "overlap:0.5")]))
    assert problem.startswith("form.xlsx:2: compare rule 'overlap' does not fit text question 't'")


def test_mirror_columns_pair_questions(form):
    survey = [
        (*SURVEY, "mirror"),
        ("integer", "sent", "Sent", "received"),
        ("integer", "received", "Received", "sent"),
    ]
    q = load_xlsform(form(survey))
    assert (q.question("sent").mirror, q.question("received").mirror) == ("received", "sent")


def test_a_mirror_to_no_question_is_refused(form):
    (problem,) = refusal(form([(*SURVEY, "mirror"), ("integer", "sent", "Sent", "recieved")]))
    assert problem.startswith(
        "form.xlsx:2: question 'sent' mirrors 'recieved', which does not exist"
    )


@pytest.mark.parametrize(
    ("cell", "answers"),
    [
        (None, (True, True, True)),
        ("dk rf", (True, True, True)),
        ("dk", (True, False, True)),
        ("rf", (False, True, True)),
        ("none", (False, False, True)),
        ("hidden", (True, True, False)),
        ("DK, hidden", (True, False, False)),
    ],
)
def test_special_column_sets_dont_know_refused_and_offer(form, cell, answers):
    question = load_xlsform(form([(*SURVEY, "special"), ("integer", "n", "N", cell)])).question("n")
    assert (question.dont_know, question.refused, question.offer_special) == answers


@pytest.mark.parametrize("cell", ["maybe", "none dk"])
def test_a_bad_special_cell_is_refused(form, cell):
    assert refusal(form([(*SURVEY, "special"), ("integer", "n", "N", cell)])) == [
        f"form.xlsx:2: question 'n': special must be dk, rf, 'dk rf' or none, maybe with hidden;"
        f" not '{cell}'"
    ]


@pytest.mark.parametrize(
    ("cell", "required"),
    [
        ("yes", True),
        ("TRUE()", True),
        ("true", True),
        ("1", True),
        ("Yes", True),
        ("no", False),
        ("false()", False),
        (None, False),
    ],
)
def test_required_cells(form, cell, required):
    path = form([(*SURVEY, "required"), ("integer", "n", "N", cell)])
    assert load_xlsform(path).question("n").required is required


def test_a_required_expression_naming_an_unknown_question_is_refused(form):
    path = form([(*SURVEY, "required"), ("integer", "n", "N", "${m} > 1")])
    assert refusal(path) == [
        "form.xlsx:2: required_if of question 'n': unknown question ${m}"
        " (only earlier questions can be referred to)"
    ]


def test_answer_check_columns(form):
    survey = [
        (*SURVEY, "min", "max", "pattern", "min_length"),
        ("integer", "n", "N", "0", "10", None, None),
        ("decimal", "d", "D", "0.5", "1e3", None, None),
        ("date", "dt", "DT", "2008-01-01", None, None, None),
        ("text", "t", "T", None, None, "^[A-Z]+$", "2"),
    ]
    q = load_xlsform(form(survey))
    bounds = [(x.min, x.max) for x in q.questions()][:3]
    assert bounds == [(0, 10), (0.5, 1000.0), ("2008-01-01", None)]
    assert (q.question("t").pattern, q.question("t").min_length) == ("^[A-Z]+$", 2)


def test_expressions_are_kept_verbatim_except_typographic_quotes(form):
    survey = [
        (*SURVEY, "relevant", "constraint"),
        ("select_one colours", "c", "Colour", None, None),
        ("text", "why", "Why “red”?", "${c} = ‘red’", "string-length(.) > 2"),
    ]
    question = load_xlsform(form(survey, COLOURS)).question("why")
    assert (question.relevant, question.constraint) == ("${c} = 'red'", "string-length(.) > 2")
    assert question.text == {"en": "Why “red”?"}


def test_validation_problems_refuse_the_import_unless_validation_is_off(form):
    survey = [(*SURVEY, "relevant"), ("text", "a", "A", "${b} = 'x'"), ("text", "b", "B", None)]
    path = form(survey)
    (problem,) = refusal(path)
    assert problem.startswith("form.xlsx:2: relevant of question 'a' refers to ${b}")
    assert load_xlsform(path, validate=False).question("a").relevant == "${b} = 'x'"


# ---------------------------------------------------------------------------- groups and settings


def test_groups_become_sections_and_loose_questions_implicit_ones(form):
    survey = [
        (*SURVEY, "hint::English (en)", "relevant"),
        ("select_one yes_no", "a", "A", None, None),
        ("begin group", "about", "About you", "Some questions", "${a} = 'yes'"),
        ("integer", "b", "B", None, None),
        ("begin_group", "inner", "Inner", None, "${b} > 1"),
        ("integer", "c", "C", None, "${b} < 9"),
        ("end_group", None, None, None, None),
        ("end group", None, None, None, None),
        ("text", "d", "D", None, None),
    ]
    settings = [("form_title",), ("Sister cities",)]
    yes_no = [("yes_no", "yes", "Yes"), ("yes_no", "no", "No")]
    q = load_xlsform(form(survey, [*COLOURS, *yes_no], settings))
    assert [(s.key, s.title, [x.key for x in s.questions]) for s in q.sections] == [
        ("section_1", {"en": "Sister cities"}, ["a"]),
        ("about", {"en": "About you"}, ["b", "c"]),
        ("section_3", {"en": "Sister cities"}, ["d"]),
    ]
    about = q.section_of("b")
    assert (about.relevant, about.description, about.line) == (
        "${a} = 'yes'",
        {"en": "Some questions"},
        3,
    )
    assert q.question("c").relevant == "(${b} > 1) and (${b} < 9)"


def test_a_group_that_is_not_ended_is_refused(form):
    survey = [SURVEY, ("begin group", "g", "G"), ("text", "q", "Q")]
    assert refusal(form(survey)) == ["form.xlsx:2: the 'begin group' of this row is never ended"]


def test_an_end_without_a_begin_is_refused(form):
    survey = [SURVEY, ("text", "q", "Q"), ("end group", None, None)]
    assert refusal(form(survey)) == ["form.xlsx:3: 'end group' has no 'begin group' before it"]


def test_an_end_of_another_kind_is_refused(form):
    survey = [SURVEY, ("begin group", "g", "G"), ("text", "q", "Q"), ("end repeat", None, None)]
    assert refusal(form(survey)) == ["form.xlsx:4: 'end repeat' ends the 'begin group' of row 2"]


def test_a_group_without_a_name_is_refused(form):
    survey = [SURVEY, ("begin group", None, "G"), ("text", "q", "Q"), ("end group", None, None)]
    assert refusal(form(survey)) == ["form.xlsx:2: the group has no name"]


def test_a_group_holding_only_metadata_leaves_no_section(form):
    survey = [
        SURVEY,
        ("begin group", "meta", None),
        ("start", "start", None),
        ("end group", None, None),
        ("text", "q", "Q"),
    ]
    assert [s.key for s in load_xlsform(form(survey)).sections] == ["section_1"]


def test_settings_give_key_version_title_and_default_language(form):
    survey = [(*SURVEY, "label::中文 (zh)"), ("text", "q", "Q", "问")]
    settings = [
        ("form_id", "form_title", "version", "default_language", "label::中文 (zh)"),
        ("Sister Cities 2009", "Sister cities", 2009.1, "中文 (zh)", "友好城市"),
    ]
    q = load_xlsform(form(survey, settings=settings))
    assert (q.key, q.version, q.default_language) == ("sister-cities-2009", "2009.1", "zh-Hans")
    assert q.title == {"en": "Sister cities", "zh-Hans": "友好城市"}


def test_without_settings_the_file_name_gives_key_and_title(form):
    q = load_xlsform(form([SURVEY, ("text", "q", "Q")], name="My Form.xlsx"))
    assert (q.key, q.version, q.title, q.default_language) == (
        "my-form",
        "1",
        {"en": "My Form"},
        None,
    )


def test_the_sister_city_fixture_in_three_languages_imports():
    q = load_xlsform(FIXTURES / "sister_cities.md")
    assert (q.key, q.version, q.languages) == (
        "sister-cities",
        "2009.1",
        ("en", "zh-Hans", "zh-Hant"),
    )
    assert q.title == {
        "en": "Sister city interview",
        "zh-Hans": "友好城市访谈",
        "zh-Hant": "友好城市訪談",
    }
    assert [(s.key, s.relevant) for s in q.sections] == [
        ("relationship", None),
        ("exchanges", "${has_exchanges} = 'yes'"),
    ]
    sent, exchanges = q.question("delegations_sent"), q.question("has_exchanges")
    assert (sent.mirror, sent.compare) == ("delegations_received", CompareRule("tolerance", 1))
    assert sent.help["zh-Hant"] == "僅限官方"
    assert (exchanges.type, exchanges.dont_know, exchanges.refused) == ("yesno", True, False)
    assert q.question("areas").compare == CompareRule("overlap", 0.5)
    assert (q.question("opinion").dont_know, q.question("opinion").refused) == (False, False)


# ---------------------------------------------------------------------------- export


def _texts(en: str, hans: str, hant: str) -> dict[str, str]:
    return {"en": en, "zh-Hans": hans, "zh-Hant": hant}


def _options(*codes: str) -> tuple[Option, ...]:
    return tuple(
        Option(code, _texts(code.title(), f"{code}（简）", f"{code}（繁）")) for code in codes
    )


def rich_questionnaire() -> Questionnaire:
    """Every type, three languages, every compare form, a mirror and every optional field."""
    exchanges = Section(
        "exchanges",
        _texts("Exchanges", "交流", "交流"),
        (
            Question(
                "has_exchanges",
                "yesno",
                _texts("Any exchanges?", "有交流吗？", "有交流嗎？"),
                required=True,
                compare=CompareRule("exact"),
            ),
            Question(
                "sent",
                "integer",
                _texts("Sent?", "派出？", "派出？"),
                help=_texts("Count them", "数一数", "數一數"),
                min=0,
                max=100,
                relevant="${has_exchanges} = 'yes'",
                constraint=". >= 0",
                constraint_message=_texts("No negatives", "不能为负", "不能為負"),
                compare=CompareRule("tolerance", 1),
                mirror="received",
            ),
            Question(
                "received",
                "integer",
                _texts("Received?", "接待？", "接待？"),
                compare=CompareRule("tolerance", 1),
                mirror="sent",
            ),
            Question(
                "budget",
                "number",
                _texts("Budget", "预算", "預算"),
                min=0.5,
                max=1e6,
                compare=CompareRule("tolerance", 0.07, relative=True),
            ),
            Question(
                "areas",
                "multi",
                _texts("Areas", "领域", "領域"),
                options=_options("trade", "waste", "culture"),
                compare=CompareRule("overlap", 0.5),
            ),
            Question(
                "programmes",
                "multi",
                _texts("Programmes", "项目", "項目"),
                options=_options("training", "youth"),
                compare=CompareRule("set"),
            ),
        ),
        description=_texts("About exchanges", "关于交流", "關於交流"),
    )
    details = Section(
        "details",
        _texts("Details", "细节", "細節"),
        (
            Question(
                "kind",
                "single",
                _texts("Kind", "类型", "類型"),
                options=_options("city", "state"),
                compare=CompareRule("review"),
            ),
            Question(
                "trust",
                "scale",
                _texts("Trust", "信任", "信任"),
                options=_options("low", "mid", "high"),
                compare=CompareRule("tolerance", 1),
            ),
            Question(
                "founded",
                "year",
                _texts("Founded", "成立", "成立"),
                min=1950,
                max=2030,
                compare=CompareRule("exact"),
            ),
            Question(
                "visit",
                "date",
                _texts("Last visit", "上次访问", "上次訪問"),
                min="2000-01-01",
                compare=CompareRule("within_days", 31),
            ),
            Question(
                "name",
                "text",
                _texts("=Name", "+名称", "@名稱"),
                pattern="^[A-Z]",
                min_length=1,
                max_length=80,
                compare=CompareRule("exact"),
                dont_know=False,
                offer_special=False,
            ),
            Question(
                "story",
                "longtext",
                _texts("Story", "故事“引号”", "故事「引號」"),
                compare=CompareRule("none"),
                refused=False,
            ),
            Question(
                "opinion",
                "text",
                _texts("Opinion", "意见", "意見"),
                compare=CompareRule("none"),
                dont_know=False,
                refused=False,
            ),
            Question("thanks", "note", _texts("Thanks", "谢谢", "謝謝")),
        ),
        relevant="${has_exchanges} = 'yes'",
    )
    return Questionnaire(
        "sister-cities",
        "2009.1",
        ("en", "zh-Hans", "zh-Hant"),
        _texts("Sister city interview", "友好城市访谈", "友好城市訪談"),
        (exchanges, details),
        default_language="en",
        introduction=_texts("Hello", "你好", "你好"),
        closing=_texts("Thank you", "谢谢", "謝謝"),
    )


def test_the_rich_questionnaire_is_valid():
    assert validate(rich_questionnaire(), "rich") == []


def test_a_dump_loads_back_to_the_same_content_hash(tmp_path):
    original = rich_questionnaire()
    dump_xlsform(original, tmp_path / "rich.xlsx")
    again = load_xlsform(tmp_path / "rich.xlsx")
    assert again.to_dict() == original.to_dict()
    assert again.content_hash() == original.content_hash()


def test_a_dump_has_survey_choices_and_settings_sheets_with_language_headers(tmp_path):
    dump_xlsform(rich_questionnaire(), tmp_path / "rich.xlsx")
    book = openpyxl.load_workbook(tmp_path / "rich.xlsx")
    survey_headers = [cell.value for cell in book["survey"][1]]
    assert book.sheetnames == ["survey", "choices", "settings"]
    assert survey_headers[:5] == [
        "type",
        "name",
        "label::English (en)",
        "label::Simplified Chinese (zh-Hans)",
        "label::Traditional Chinese (zh-Hant)",
    ]
    assert {"compare", "mirror", "special"} <= set(survey_headers)
    rows = {row[1]: row for row in book["survey"].iter_rows(min_row=2, values_only=True)}
    compare = survey_headers.index("compare")
    assert rows["budget"][compare] == "tolerance:7%"
    assert [row[0] for row in book["survey"].iter_rows(min_row=2, max_row=2, values_only=True)] == [
        "begin group"
    ]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    dump_xlsform(rich_questionnaire(), tmp_path / "rich.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "rich.xlsx")["survey"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=Name"]
    assert [(cell.value, cell.data_type) for cell in cells] == [("=Name", "s")]
    assert load_xlsform(tmp_path / "rich.xlsx").question("name").text["en"] == "=Name"


def test_pyxform_converts_a_dump_into_an_xform(tmp_path):
    dump_xlsform(rich_questionnaire(), tmp_path / "rich.xlsx")
    xform = convert(tmp_path / "rich.xlsx", validate=False, warnings=[]).xform
    assert '<translation lang="Simplified Chinese (zh-Hans)">' in xform
    assert "<value>派出？</value>" in xform
    assert 'nodeset="/data/exchanges/sent"' in xform


# ---------------------------------------------------------------------------- the corpus

CORPUS = Path(
    os.environ.get("SURVEY_XLSFORM_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "xlsform-corpus"
)

# file → ("imported", questions, languages) or ("refused", fragments every message list holds).
# Written from reading each form and the rules in docs/xlsform.md, not from running the import.
CORPUS_EXPECTED: dict[str, tuple] = {
    "central-frontend__all-question-types-v2024091201-3.xlsx": (
        "refused",
        (
            ":30: question 'image' has type 'image'",
            ":66: question 'geopoint' has type",
            ":83: question 'map' has type 'select_one_from_file cities.geojson'",
        ),
    ),
    # An old .xls workbook named .xlsx: read by its content, then refused for what it asks.
    "central-frontend__ifrc-distribution-site-assessment-v1.xlsx": (
        "refused",
        (
            ":18: question 'site_gps' has type 'geopoint'",
            ":109: question 'picture' has type 'image'",
        ),
    ),
    # Its repeat is a roster; choice names such as 'Thatta&ShahBunder' are made codes.
    "central-frontend__socio-economic-survey-v20240515.xlsx": ("imported", 12, ("en", "fr")),
    # Missing fr texts filled from en, dk/rf as survey's own, a bare null read as ''.
    "central-frontend__whova_form.xlsx": ("imported", 527, ("en", "fr")),
    "onadata__childrens_survey_sw.xlsx": (
        "refused",
        # its repeats are rosters (the one in another is linked to its row), but it has a gps row
        (":19: question 'geolocation' has type 'gps'",),
    ),
    "onadata__childrens_survey_sw_missing_en_label.xlsx": (
        "refused",
        (":19: question 'geolocation' has type 'gps'",),
    ),
    "onadata__form_with_unicode_in_relevant_column.xlsx": ("imported", 2, ("en", "tet")),
    "onadata__mali_health.xlsx": (
        "refused",
        (":16: question 'location' has type 'geopoint'",),
    ),
    "onadata__multi_lingual_form.xlsx": ("imported", 5, ("en", "sw", "fr")),
    "onadata__nested_repeats.xlsx": (
        "refused",
        (":17: question 'gps' has type 'geopoint'",),  # its repeat in a repeat imports
    ),
    "onadata__select_one_choices_test.xlsx": (
        "refused",
        (":373: question 'coord' has type 'geopoint'",),  # its choice_filters import
    ),
    # its select_one_external rows read their choices from the external_choices sheet
    "onadata__subdistrict_profiling_tool.xlsx": ("imported", 76, ("en", "ar")),
    "onadata__tutorial.xlsx": (
        "refused",
        (
            ":5: question 'photo' has type 'photo'",
            ":7: question 'location' has type 'geopoint'",
        ),
    ),
    "onadata__tutorial_arabic_labels.xlsx": (
        "refused",
        (":4: question 'picture' has type 'image'", ":6: question 'gps' has type 'geopoint'"),
    ),
    "pyxform__UCL_Biomass_Plot_Form.xlsx": (
        "refused",
        (
            ":16: question 'region_id' reads its choices from 'UCL_regions.csv', which is not"
            " beside the form",
            ":35: question 'latin_name_id' reads its choices from 'species_names.csv'",
            ":22: question 'center_point' has type 'geopoint'",
        ),
    ),
    "pyxform__attribute_columns_test.xlsx": (
        "refused",
        (":34: question 'geopoint_test' has type 'geopoint'",),
    ),
    "pyxform__cascading_select_test_equivalent.xls": ("imported", 9, ("en",)),
    "pyxform__case_insensitivity.md": (
        "refused",
        (":4: question 'q3' has type 'osm c1'",),  # its select_one_external imports
    ),
    # allow_choice_duplicates: the second 'king' is stored as 'king_2'.
    "pyxform__choice_filter_test.xlsx": ("imported", 3, ("en",)),
    "pyxform__duplicate_columns.xlsx": (
        "refused",
        (":0: cannot read the form: Duplicate column header: label",),
    ),
    # Chinese only in the choices: the question's zh-Hans text is filled from English.
    "pyxform__field-list.xlsx": ("imported", 1, ("en", "zh-Hans")),
    "pyxform__flat_xlsform_test.xlsx": (
        "refused",
        (":34: question 'geopoint_test' has type 'geopoint'",),
    ),
    "pyxform__group.csv": ("imported", 3, ("en",)),
    # the select and its 'other' text, and the loop as one question per toilet type
    "pyxform__loop.md": ("imported", 6, ("en",)),
    "pyxform__repeat_date_test.xls": ("imported", 4, ("en",)),  # with a roster
    "pyxform__tutorial.xls": ("imported", 1, ("en",)),  # one roster: the household members
    "pyxform__widgets.xls": (
        "refused",
        (":13: question 'my_image' has type 'image'",),
    ),
    "pyxform__xlsform_spec_test.xlsx": (
        "refused",
        (":34: question 'geopoint_test' has type 'geopoint'",),
    ),
    "xlsform-offline__external-itemsets.xlsx": ("imported", 3, ("en", "fr")),
    "xlsform2lstsv__all_types_survey.xlsx": ("imported", 35, ("de",)),  # hidden: left out
    # Keys renamed, texts filled, its e-mail regex and one-choice consent kept, and since
    # expressions have normalize-space() its calculation 'missing_coord' (row 14) too.
    "xlsform2lstsv__testB.xlsx": ("imported", 48, ("de", "en")),
}
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"no XLSForm corpus at {CORPUS} (set SURVEY_XLSFORM_CORPUS)"
)


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "MANIFEST.md")


@needs_corpus
def test_every_corpus_form_has_an_expectation():
    assert sorted(CORPUS_EXPECTED) == _corpus_files()


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_corpus_form_imports_or_is_refused_for_the_right_reason(name):
    expected = CORPUS_EXPECTED[name]
    if expected[0] == "imported":
        q = load_xlsform(CORPUS / name, source=name)
        assert (sum(1 for _ in q.questions()), q.languages) == expected[1:]
        return
    with pytest.raises(QuestionnaireError) as caught:
        load_xlsform(CORPUS / name, source=name)
    messages = "\n".join(str(problem) for problem in caught.value.problems)
    for fragment in expected[1]:
        # A fragment starting with ':' names a row, so it must follow the file name.
        located = f"{name}{fragment}" if fragment.startswith(":") else fragment
        assert located in messages


def test_a_calculation_imports_and_its_dump_loads_back_to_the_same_hash(form, tmp_path):
    path = form(
        [
            ("type", "name", "label", "calculation"),
            ("integer", "sent", "Sent", None),
            ("integer", "received", "Received", None),
            ("calculate", "total", None, "${sent} + ${received}"),
            ("note", "recap", "In total ${total}", None),
        ]
    )
    original = load_xlsform(path)
    total = original.question("total")
    assert (total.type, total.calculation, total.text) == ("calculate", "${sent} + ${received}", {})
    dump_xlsform(original, tmp_path / "again.xlsx")
    again = load_xlsform(tmp_path / "again.xlsx")
    assert again.content_hash() == original.content_hash()


def test_a_calculate_row_without_its_calculation_is_refused_naming_it(form):
    path = form([("type", "name", "label"), ("text", "a", "A"), ("calculate", "c", None)])
    assert refusal(path) == [
        "form.xlsx:3: calculate question 'c' has no calculation"
        ' (add calculation: e.g. "${a} + ${b}")'
    ]
