"""`begin loop over L` … `end loop`: the loop's rows asked once per choice of L, as pyxform
expands it, flattened into survey's questions `<row>_<choice>`; the bad loops refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import CORPUS, needs_corpus, write_form

BILINGUAL = ("type", "name", "label::English (en)", "label::Chinese (zh-Hans)")
TOILETS = (
    ("list_name", "name", "label::English (en)", "label::Chinese (zh-Hans)"),
    ("toilet", "flush", "Flush toilet", "冲水厕所"),
    ("toilet", "pit", "Pit latrine", "旱厕"),
)


def read(path: Path, **flags):
    return read_xlsform(path, source="form.xlsx", **flags)


def problems(path: Path, **flags) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        read(path, **flags)
    return [str(problem) for problem in caught.value.problems]


def loop_form(tmp_path: Path, body, header=BILINGUAL, choices=TOILETS, before=(), after=()):
    survey = [
        header,
        *before,
        ("begin loop over toilet", "toilets", "Toilets", "厕所"),
        *body,
        ("end loop",),
        *after,
    ]
    return write_form(tmp_path / "form.xlsx", survey, choices)


def test_each_choice_gets_a_copy_of_every_row_with_its_name_and_label_put_in(tmp_path):
    header = (*BILINGUAL, "hint::English (en)", "hint::Chinese (zh-Hans)", "relevant",
              "constraint", "constraint_message::English (en)",
              "constraint_message::Chinese (zh-Hans)")  # fmt: skip
    body = [
        ("select_one yn", "has", "Is there a %(label)s?", "有%(label)s吗？", "code %(name)s",
         "代码 %(name)s"),
        (
            "integer", "number", "How many %(label)s (100%%)?", "几个%(label)s？", None, None,
            "${has} = 'yes'", ". < 10", "Fewer %(label)s, please", "%(label)s太多",
        ),
    ]  # fmt: skip
    choices = [*TOILETS, ("yn", "yes", "Yes", "是"), ("yn", "no", "No", "否")]
    result = read(loop_form(tmp_path, body, header, choices))
    q = result.questionnaire
    assert [x.key for x in q.questions()] == ["has_flush", "number_flush", "has_pit", "number_pit"]
    number = q.question("number_pit")
    assert dict(number.text) == {"en": "How many Pit latrine (100%)?", "zh-Hans": "几个旱厕？"}
    assert dict(number.constraint_message) == {
        "en": "Fewer Pit latrine, please",
        "zh-Hans": "旱厕太多",
    }
    assert dict(q.question("has_flush").help) == {"en": "code flush", "zh-Hans": "代码 flush"}
    # a reference to another row of the loop is to this choice's copy of it
    assert number.relevant == "${has_pit} = 'yes'"
    assert q.question("number_flush").relevant == "${has_flush} = 'yes'"
    assert number.constraint == ". < 10"
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:2: 'toilets' (begin loop over toilet) became 2 × 2 questions: has_flush,"
        " number_flush, has_pit, number_pit"
    ]


def test_a_key_taken_elsewhere_falls_back_to_loop_choice_row(tmp_path):
    path = loop_form(
        tmp_path,
        [("integer", "n", "How many %(label)s?", "几个%(label)s？")],
        after=[("text", "n_pit", "Something else", "别的")],
    )
    keys = [x.key for x in load_xlsform(path).questions()]
    assert keys == ["n_flush", "toilets_pit_n", "n_pit"]


def test_a_choice_name_a_key_cannot_hold_is_made_one(tmp_path):
    choices = [*TOILETS, ("toilet", "open-pit.2", "Open pit", "露天坑")]
    path = loop_form(tmp_path, [("integer", "n", "How many %(label)s?", "几个%(label)s？")],
                     choices=choices)  # fmt: skip
    assert [x.key for x in load_xlsform(path).questions()] == ["n_flush", "n_pit", "n_open_pit_2"]


def test_the_choice_none_is_skipped_and_or_other_adds_other_as_pyxform_does(tmp_path):
    choices = [*TOILETS, ("toilet", "none", "None", "没有")]
    path = loop_form(
        tmp_path,
        [("integer", "n", "How many %(label)s?", "几个%(label)s？")],
        choices=choices,
        before=[("select_multiple toilet or_other", "kinds", "Which?", "哪些？")],
    )
    q = load_xlsform(path)
    assert [x.key for x in q.questions()] == [
        "kinds", "kinds_other", "n_flush", "n_pit", "n_other",
    ]  # fmt: skip
    assert dict(q.question("n_other").text) == {"en": "How many Other?", "zh-Hans": "几个其他？"}


def test_the_loops_relevant_and_a_group_inside_it_join_each_questions_relevant(tmp_path):
    header = (*BILINGUAL, "relevant")
    survey = [
        header,
        ("integer", "people", "People", "人数", None),
        ("begin loop over toilet", "toilets", "Toilets", "厕所", "${people} > 0"),
        ("begin group", "inner", None, None, "${people} > 2"),
        ("integer", "n", "How many %(label)s?", "几个%(label)s？", None),
        ("end group",),
        ("end loop",),
        ("text", "after", "After", "之后", None),
    ]
    q = load_xlsform(write_form(tmp_path / "form.xlsx", survey, TOILETS))
    assert [(s.key, [x.key for x in s.questions]) for s in q.sections] == [
        ("section_1", ["people", "n_flush", "n_pit", "after"])  # the section the loop is in
    ]
    assert q.question("n_pit").relevant == "(${people} > 0) and (${people} > 2)"


def test_the_export_writes_the_questions_and_reads_back_to_the_same_hash(tmp_path):
    path = loop_form(tmp_path, [("integer", "n", "How many %(label)s?", "几个%(label)s？")])
    original = load_xlsform(path)
    dump_xlsform(original, tmp_path / "again.xlsx")
    again = load_xlsform(tmp_path / "again.xlsx")
    assert again.content_hash() == original.content_hash()
    assert [x.key for x in again.questions()] == ["n_flush", "n_pit"]
    assert convert(xlsform=str(tmp_path / "again.xlsx")).xform  # no loop left for ODK either


def test_a_loop_over_a_list_the_form_does_not_have_is_refused_with_the_flag_too(tmp_path):
    survey = [BILINGUAL, ("text", "q", "Q", "Q"), ("begin loop over toilets", "t", "T", "T"),
              ("integer", "n", "N", "N"), ("end loop",)]  # fmt: skip
    path = write_form(tmp_path / "form.xlsx", survey, TOILETS)
    expected = [
        "form.xlsx:3: 't' (begin loop over toilets) loops over the choice list 'toilets',"
        " which the choices sheet does not have"
    ]
    assert problems(path) == expected
    assert problems(path, skip_unsupported=True) == expected


def test_a_loop_without_a_list_or_never_ended_is_refused(tmp_path):
    survey = [BILINGUAL, ("begin loop", "t", "T", "T"), ("integer", "n", "N", "N"), ("end loop",)]
    assert problems(write_form(tmp_path / "a.xlsx", survey, TOILETS)) == [
        "form.xlsx:2: 't' (begin loop) names no choice list to loop over (begin loop over LIST)"
    ]
    survey = [BILINGUAL, ("begin loop over toilet", "t", "T", "T"), ("integer", "n", "N", "N")]
    assert problems(write_form(tmp_path / "b.xlsx", survey, TOILETS)) == [
        "form.xlsx:2: the 'begin loop' of this row is never ended"
    ]


def test_a_repeat_inside_a_loop_is_refused_and_dropped_with_its_rows_with_the_flag(tmp_path):
    body = [
        ("integer", "n", "How many %(label)s?", "几个%(label)s？"),
        ("begin repeat", "users", "Users", "用户"),
        ("text", "who", "Who?", "谁？"),
        ("end repeat",),
    ]
    path = loop_form(tmp_path, body)
    message = (
        "'users' is a repeat inside the loop 'toilets', which survey cannot store (a loop's rows"
        " become questions, one per choice, and cannot hold a roster)"
    )
    assert problems(path) == [f"form.xlsx:4: {message}"]
    result = read(path, skip_unsupported=True)
    assert [x.key for x in result.questionnaire.questions()] == ["n_flush", "n_pit"]
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:2: 'toilets' (begin loop over toilet) became 2 × 1 questions: n_flush, n_pit",
        f"form.xlsx:4: dropped: {message}",
        "form.xlsx:5: dropped 'who': it is inside the repeat 'users' of row 4",
    ]


def test_a_loop_inside_a_repeat_is_dropped_with_its_rows_with_the_flag(tmp_path):
    survey = [
        BILINGUAL,
        ("begin repeat", "houses", "Houses", "房子"),
        ("text", "address", "Address", "地址"),
        ("begin loop over toilet", "toilets", "Toilets", "厕所"),
        ("integer", "n", "How many %(label)s?", "几个%(label)s？"),
        ("end loop",),
        ("end repeat",),
    ]
    result = read(write_form(tmp_path / "form.xlsx", survey, TOILETS), skip_unsupported=True)
    houses = result.questionnaire.question("houses")
    assert [c.key for c in houses.columns] == ["address"]
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:4: dropped: 'toilets' is a loop inside the repeat 'houses', which survey"
        " cannot store (a loop's rows become questions, one per choice, not columns of a"
        " roster)",
        "form.xlsx:5: dropped 'n': it is inside the loop 'toilets' of row 4",
    ]


@pytest.mark.parametrize("alias", ["lgroup", "looped group"])
def test_the_old_names_of_a_repeat_are_read_as_a_repeat(tmp_path, alias):
    survey = [BILINGUAL, (f"begin {alias}", "houses", "Houses", "房子"),
              ("text", "address", "Address", "地址"), (f"end {alias}",)]  # fmt: skip
    q = load_xlsform(write_form(tmp_path / "form.xlsx", survey))
    houses = q.question("houses")
    assert (houses.type, [c.key for c in houses.columns]) == ("roster", ["address"])


@needs_corpus
def test_pyxforms_loop_form_imports_without_the_flag():
    result = read_xlsform(CORPUS / "pyxform__loop.md", source="loop.md")
    q = result.questionnaire
    assert [x.key for x in q.questions()] == [
        "available_toilet_types", "available_toilet_types_other", "number_pit_latrine_with_slab",
        "number_open_pit_latrine", "number_bucket_system", "number_other",
    ]  # fmt: skip
    assert q.question("number_bucket_system").text == {
        "en": "How many Bucket system are on the premises?"
    }
    assert [str(w) for w in result.warnings] == [
        "loop.md:3: 'loop_toilet_types' (begin loop over toilet_type) became 4 × 1 questions:"
        " number_pit_latrine_with_slab, number_open_pit_latrine, number_bucket_system,"
        " number_other"
    ]
