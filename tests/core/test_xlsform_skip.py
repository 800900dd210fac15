"""XLSForm rows survey leaves out: metadata as paradata or with a warning, and with
`skip_unsupported` the rows it cannot store yet, each named with what depended on it."""

from __future__ import annotations

import pytest

from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import SUPPORTED, dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import COLOURS, SURVEY, refusal, write_form


@pytest.fixture
def form(tmp_path):
    """A writer of small workbooks to form.xlsx in a temporary folder."""

    def make(survey, choices=None, settings=None):
        return write_form(tmp_path / "form.xlsx", survey, choices, settings)

    return make


TWO = ("type", "name", "label::English (en)", "label::Simplified Chinese (zh-Hans)")


def warnings(path, **flags) -> list[str]:
    return [str(w) for w in read_xlsform(path, source="form.xlsx", **flags).warnings]


def skipped(path):
    return read_xlsform(path, source="form.xlsx", skip_unsupported=True)


def keys(q) -> list[str]:
    return [question.key for question in q.questions()]


# ---------------------------------------------------------------------------- metadata


def test_metadata_never_blocks_and_each_row_is_named_as_paradata_or_left_out(form):
    survey = [
        SURVEY,
        ("start", "started", None),
        ("end", "ended", None),
        ("today", "day", None),
        ("deviceid", "device", None),
        ("phonenumber", "phone", None),
        ("audit", "audit", None),
        ("text", "q", "Q"),
    ]
    path = form(survey)
    assert keys(load_xlsform(path)) == ["q"]
    assert warnings(path) == [
        "form.xlsx:2: 'started' (start) is not asked: survey records when the interview"
        " was started as paradata",
        "form.xlsx:3: 'ended' (end) is not asked: survey records when the interview was"
        " submitted as paradata",
        "form.xlsx:4: 'day' (today) is not asked: survey records the day the interview was"
        " started as paradata",
        "form.xlsx:5: 'device' (deviceid) is left out: a web form has no device id to record",
        "form.xlsx:6: 'phone' (phonenumber) is left out: a web form has no phone number to record",
        "form.xlsx:7: 'audit' (audit) is left out: a web form has no audit log of the device"
        " to record",
    ]


def test_old_aliases_are_read_as_pyxform_reads_them(form):
    survey = [SURVEY, ("string", "s", "S"), ("int", "i", "I"), ("imei", "imei", None)]
    read = read_xlsform(form(survey), source="form.xlsx")
    assert [(q.key, q.type) for q in read.questionnaire.questions()] == [
        ("s", "text"),
        ("i", "integer"),
    ]
    assert "a web form has no device id" in str(read.warnings[0])


def test_a_spreadsheet_true_or_false_in_relevant_reads_as_true_or_false(form):
    survey = [(*SURVEY, "relevant"), ("text", "a", "A", "FALSE"), ("text", "b", "B", "True")]
    q = load_xlsform(form(survey))
    assert [x.relevant for x in q.questions()] == ["false()", "true()"]


# ---------------------------------------------------------------------------- unsupported


def test_without_the_flag_an_unsupported_row_still_refuses_the_import(form):
    path = form([SURVEY, ("geopoint", "where", "Where?"), ("text", "q", "Q")])
    assert refusal(path) == [
        "form.xlsx:2: question 'where' has type 'geopoint', which survey cannot store"
        f" (supported: {SUPPORTED})"
    ]


def test_with_the_flag_an_unsupported_row_and_what_depended_on_it_are_dropped(form):
    survey = [
        (*SURVEY, "relevant", "constraint"),
        ("image", "photo", "Photo", None, None),
        ("text", "caption", "Caption", "${photo} != ''", None),
        ("integer", "n", "How many?", None, ". < string-length(${photo})"),
        ("text", "why", "Why no caption?", "${caption} = ''", None),
        ("text", "kept", "Kept", None, None),
    ]
    read = skipped(form(survey))
    assert keys(read.questionnaire) == ["n", "kept"]
    assert read.questionnaire.question("n").constraint is None
    assert [str(w) for w in read.warnings] == [
        "form.xlsx:2: dropped: question 'photo' has type 'image', which survey cannot store"
        f" (supported: {SUPPORTED})",
        "form.xlsx:3: dropped 'caption': its relevant uses ${photo} (row 2, left out)",
        "form.xlsx:4: the constraint of 'n' is left out: it uses ${photo} (row 2, left out)",
        "form.xlsx:5: dropped 'why': its relevant uses ${caption} (row 3, left out)",
    ]


def test_with_the_flag_a_group_whose_relevant_uses_a_dropped_row_loses_its_questions(form):
    survey = [
        (*SURVEY, "relevant"),
        ("geopoint", "total", "Where", None),
        ("begin group", "g", "G", "${total} > 1"),
        ("text", "a", "A", None),
        ("end group", None, None, None),
        ("text", "b", "B", None),
    ]
    read = skipped(form(survey))
    assert keys(read.questionnaire) == ["b"]
    assert str(read.warnings[1]) == (
        "form.xlsx:4: dropped 'a': its group 'g' (row 3) has a relevant that uses ${total}"
        " (row 2, left out)"
    )


def test_with_the_flag_a_repeat_inside_a_repeat_is_kept_as_a_roster_after_its_outer_one(form):
    survey = [
        SURVEY,
        ("text", "head", "Head"),
        ("begin repeat", "kids", "Kids"),
        ("text", "name", "Name"),
        ("begin repeat", "toys", "Toys"),
        ("text", "toy", "Toy"),
        ("begin group", "inner", "Inner"),
        ("integer", "age", "Age"),
        ("end group", None, None),
        ("end repeat", None, None),
        ("end repeat", None, None),
        ("text", "name2", "After"),
    ]
    read = skipped(form(survey))
    # spec change: it is no longer dropped (tests/core/test_xlsform_nested.py)
    assert keys(read.questionnaire) == ["head", "kids", "toys", "name2"]
    assert [c.key for c in read.questionnaire.question("kids").columns] == ["name"]
    assert [c.key for c in read.questionnaire.question("toys").columns] == [
        "kids_row", "toy", "age"
    ]  # fmt: skip
    assert [str(w) for w in read.warnings] == [
        "form.xlsx:5: 'toys' (row 5) is a repeat inside the repeat 'kids': it becomes the"
        " roster 'toys' after it, each row naming its 'kids' row in the column 'kids_row'",
    ]


def test_with_the_flag_a_choice_filter_using_a_dropped_row_drops_its_question(form):
    survey = [
        (*SURVEY, "choice_filter", "required"),
        ("geopoint", "where", "Where", None, None),
        ("select_one colours", "a", "A", "name != ${where}", None),
        ("select_one colours or_other", "b", "B", "name != 'red'", None),
        ("text", "c", "C", None, "${a} = 'red'"),
        ("text", "d", "D", None, "yes"),
    ]
    read = skipped(form(survey, COLOURS))
    assert keys(read.questionnaire) == ["b", "b_other", "c", "d"]  # b's own filter imports
    assert read.questionnaire.question("b").choice_filter == "name != 'red'"
    messages = [w.message for w in read.warnings]
    assert messages[1] == "dropped 'a': its choice_filter uses ${where} (row 2, left out)"
    assert messages[2] == (
        "the condition of required of 'c' is left out: it uses ${a} (row 3, left out)"
    )


def test_with_the_flag_a_choice_name_is_made_a_code_as_without_it(form):
    choices = [*COLOURS, ("cities", "New York", "New York"), ("cities", "paris", "Paris")]
    survey = [SURVEY, ("select_one cities", "city", "City"), ("text", "d", "D")]
    read = skipped(form(survey, choices))
    assert [o.code for o in read.questionnaire.question("city").options] == ["New_York", "paris"]
    assert [w.message for w in read.warnings] == [
        "choices sheet: the choice name 'New York' of the list 'cities' is renamed 'New_York'"
        " (a code has only letters, digits, '_', '-' and '.'); expressions and filter columns"
        " naming it follow"
    ]


def test_the_flag_never_drops_what_is_wrong_in_any_tool(form):
    path = form([SURVEY, ("essay", "e", "Write"), ("text", "q", "Q")])
    with pytest.raises(QuestionnaireError) as caught:
        skipped(path)
    assert "has the unknown type 'essay'" in str(caught.value.problems[0])


def test_with_the_flag_a_form_of_nothing_but_unsupported_rows_is_refused(form):
    with pytest.raises(QuestionnaireError) as caught:
        skipped(form([SURVEY, ("geopoint", "where", "Where?")]))
    assert [p.message for p in caught.value.problems] == [
        "no question is left once the unsupported rows are dropped"
    ]


# ---------------------------------------------------------------------------- adapted


def test_with_the_flag_a_name_with_dots_gets_underscores_and_references_follow(form):
    survey = [(*SURVEY, "relevant"), ("integer", "tel.office", "Tel", None),
              ("text", "more", "More", "${tel.office} > 0")]  # fmt: skip
    read = skipped(form(survey))
    assert keys(read.questionnaire) == ["tel_office", "more"]
    assert read.questionnaire.question("more").relevant == "${tel_office} > 0"
    assert str(read.warnings[0]) == (
        "form.xlsx:2: 'tel.office' is renamed 'tel_office' (a key has only letters, digits and '_')"
    )


def test_with_the_flag_a_text_missing_in_a_language_is_filled_and_named(form):
    survey = [(*TWO, "hint::English (en)"), ("text", "a", "A", "甲", "Help"),
              ("text", "b", "B", None, None)]  # fmt: skip
    read = skipped(form(survey))
    b = read.questionnaire.question("b")
    assert b.text == {"en": "B", "zh-Hans": "B"}
    assert read.questionnaire.question("a").help == {"en": "Help", "zh-Hans": "Help"}
    assert [str(w) for w in read.warnings] == [
        "form.xlsx:2: 2 texts have no zh-Hans version: the en text is shown instead (rows 2, 3)"
    ]


def test_with_the_flag_a_dk_choice_is_the_special_answer_and_yes_no_dk_a_yesno(form):
    choices = [("list_name", "name", "label::English (en)"), ("ynd", "yes", "Yes"),
               ("ynd", "no", "No"), ("ynd", "dk", "Don't know")]  # fmt: skip
    read = skipped(form([SURVEY, ("select_one ynd", "q", "Q?")], choices))
    q = read.questionnaire.question("q")
    assert (q.type, q.options, q.dont_know) == ("yesno", (), True)
    assert read.warnings[0].message == "'q': the choice 'dk' is survey's own special answer"


def test_with_the_flag_a_reference_to_a_later_question_drops_the_row(form):
    survey = [(*SURVEY, "relevant"), ("note", "n", "Note", "${later} = 'x'"),
              ("text", "later", "Later", None)]  # fmt: skip
    read = skipped(form(survey))
    assert keys(read.questionnaire) == ["later"]
    assert read.warnings[0].message == (
        "dropped 'n': its relevant uses ${later} (row 3, which comes after it)"
    )


def test_with_the_flag_an_expression_survey_cannot_evaluate_yet_is_named(form):
    survey = [(*SURVEY, "relevant", "constraint"),
              ("date", "d", "D", None, ". >= pulldata('a', 'b', 'c', 'd')"),
              ("text", "t", "T", "position(..) = 1", None)]  # fmt: skip
    read = skipped(form(survey))
    assert keys(read.questionnaire) == ["d"]
    assert read.questionnaire.question("d").constraint is None
    assert [w.message for w in read.warnings] == [
        "the constraint of 'd' is left out: it uses what survey cannot evaluate yet"
        " (unknown function 'pulldata' at column 5)",
        "dropped 't': its relevant uses what survey cannot evaluate yet"
        " (unknown function 'position' at column 0)",
    ]


def test_a_form_imported_with_the_flag_exports_and_reimports_with_the_same_hash(form, tmp_path):
    choices = [*COLOURS, ("colours", "dk", "Don't know")]
    survey = [(*TWO, "relevant"), ("geopoint", "gps", "Where", None, None),
              ("select_one colours", "c.1", "Colour", None, None),
              ("text", "t", "T", "吗", "${c.1} = 'red'"),
              ("start", "start", None, None, None)]  # fmt: skip
    q = skipped(form(survey, choices)).questionnaire
    dump_xlsform(q, tmp_path / "out.xlsx")
    assert load_xlsform(tmp_path / "out.xlsx").content_hash() == q.content_hash()
