"""A repeat inside a repeat: a roster of its own after its outer roster, each row naming its
outer row in a first integer column `<outer>_row` (as ODK Central exports it); what it
cannot keep (repeat_count, expressions reading an outer column) left out or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import dump_xlsform, read_xlsform
from tests.core.test_xlsform import CORPUS, needs_corpus, write_form

HEADER = (
    "type", "name", "label::English (en)", "label::Chinese (zh-Hans)", "hint::English (en)",
    "hint::Chinese (zh-Hans)", "relevant", "constraint", "repeat_count", "max",
)  # fmt: skip
WIDTH = len(HEADER)


def row(*cells):
    return (*cells, *(None,) * (WIDTH - len(cells)))


def children(*inner, outer_cells=(), before=(), after=()):
    """A form: a yes/no question, a repeat 'children' holding a name and `inner`, then `after`."""
    return [
        HEADER,
        row("select_one yn", "any", "Any children?", "有孩子吗？"),
        *before,
        row("begin repeat", "children", "3. Children", "3. 孩子", None, None, "${any} = 'yes'",
            *outer_cells),
        row("text", "name", "Name", "名字"),
        row("integer", "age", "Age", "年龄"),
        *inner,
        row("end repeat"),
        *after,
    ]  # fmt: skip


CARTOONS = (
    row("begin group", "tv", "TV", "电视", None, None, "${any} != 'no'"),
    row(
        "begin repeat",
        "cartoons",
        "Cartoons",
        "动画片",
        "Each one",
        "每一部",
        "string-length(${any}) > 0",
    ),
    row("text", "title", "Title", "片名"),
    row("end repeat"),
    row("end group"),
)
YN = (
    ("list_name", "name", "label::English (en)", "label::Chinese (zh-Hans)"),
    ("yn", "yes", "Yes", "是"),
    ("yn", "no", "No", "否"),
)


def read(path: Path, **flags):
    return read_xlsform(path, source="form.xlsx", **flags)


def problems(path: Path, **flags) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        read(path, **flags)
    return [str(problem) for problem in caught.value.problems]


def form(tmp_path: Path, survey) -> Path:
    return write_form(tmp_path / "form.xlsx", survey, YN)


def test_a_repeat_in_a_repeat_becomes_a_roster_after_it_naming_its_outer_row(tmp_path):
    after = (row("text", "name2", "After", "之后"),)
    result = read(form(tmp_path, children(*CARTOONS, outer_cells=(None, None, 5), after=after)))
    q = result.questionnaire
    assert [x.key for x in q.questions()] == ["any", "children", "cartoons", "name2"]
    assert [x.key for x in q.question("children").columns] == ["name", "age"]
    cartoons = q.question("cartoons")
    assert cartoons.type == "roster"
    assert dict(cartoons.text) == {"en": "Cartoons", "zh-Hans": "动画片"}
    assert dict(cartoons.help) == {"en": "Each one", "zh-Hans": "每一部"}
    # its outer roster's relevant, the group's between them, its own
    assert (
        cartoons.relevant == "(${any} = 'yes') and (${any} != 'no') and (string-length(${any}) > 0)"
    )
    assert [c.key for c in cartoons.columns] == ["children_row", "title"]
    link = cartoons.columns[0]
    assert (link.type, link.required, link.min, link.max) == ("integer", True, 1, 5)
    assert link.specials() == ()  # a row number: no "don't know" or "refused" beside it
    assert dict(link.text) == {"en": "3. Children #", "zh-Hans": "3. 孩子 #"}
    assert dict(link.help) == {}
    assert [str(w) for w in result.warnings] == [
        "form.xlsx:7: 'cartoons' (row 7) is a repeat inside the repeat 'children': it becomes"
        " the roster 'cartoons' after it, each row naming its 'children' row in the column"
        " 'children_row'"
    ]


def test_the_link_column_has_no_max_when_the_outer_roster_has_none(tmp_path):
    q = read(form(tmp_path, children(*CARTOONS))).questionnaire
    assert q.question("cartoons").columns[0].max is None


def test_a_link_name_taken_by_a_column_of_the_inner_repeat_gets_2(tmp_path):
    inner = (
        row("begin repeat", "toys", "Toys", "玩具"),
        row("integer", "children_row", "Shelf", "架子"),
        row("end repeat"),
    )
    q = read(form(tmp_path, children(*inner))).questionnaire
    assert [c.key for c in q.question("toys").columns] == ["children_row_2", "children_row"]


def test_three_levels_are_three_rosters_in_form_order(tmp_path):
    inner = (
        row("begin repeat", "cartoons", "Cartoons", "动画片"),
        row("text", "title", "Title", "片名"),
        row("begin repeat", "characters", "Characters", "角色"),
        row("text", "name", "Name", "名字"),
        row("end repeat"),
        row("end repeat"),
        row("begin repeat", "toys", "Toys", "玩具"),
        row("text", "toy", "Toy", "玩具"),
        row("end repeat"),
    )
    result = read(form(tmp_path, children(*inner)))
    q = result.questionnaire
    assert [x.key for x in q.questions()] == ["any", "children", "cartoons", "characters", "toys"]
    links = {key: q.question(key).columns[0] for key in ("cartoons", "characters", "toys")}
    assert {key: c.key for key, c in links.items()} == {
        "cartoons": "children_row",
        "characters": "cartoons_row",
        "toys": "children_row",
    }
    assert dict(links["characters"].text) == {"en": "Cartoons #", "zh-Hans": "动画片 #"}
    # a nested roster is not relevant where its outer one is not
    assert q.question("characters").relevant == "${any} = 'yes'"
    assert [w.line for w in result.warnings] == [6, 8, 12]


def test_a_nested_repeat_named_as_a_question_of_the_form_is_refused(tmp_path):
    inner = (
        row("begin repeat", "any", "Any", "任何"),
        row("text", "title", "Title", "片名"),
        row("end repeat"),
    )
    assert problems(form(tmp_path, children(*inner))) == [
        "form.xlsx:6: the name 'any' is already used at row 2 (question names must be unique"
        " in the whole form)"
    ]


def test_the_repeat_count_of_a_nested_repeat_is_left_out_with_a_warning(tmp_path):
    inner = (
        row("begin repeat", "cartoons", "Cartoons", "动画片", None, None, None, None, "${age}"),
        row("text", "title", "Title", "片名"),
        row("end repeat"),
    )
    result = read(form(tmp_path, children(*inner, outer_cells=(None, "3"))))
    q = result.questionnaire
    assert q.question("children").count == "3"  # the outer repeat keeps its own
    assert q.question("cartoons").count is None
    assert [str(w) for w in result.warnings][1] == (
        "form.xlsx:6: the repeat_count of 'cartoons' (${age}) is left out: it counts the rows"
        " of each 'children' row, and the roster 'cartoons' holds the rows of all of them"
    )


READS_OUTER = (
    row("begin repeat", "cartoons", "Cartoons", "动画片"),
    row("text", "title", "Title", "片名"),
    row("integer", "minutes", "Minutes", "分钟", None, None, "${age} > 3", ". < ${age} * 60"),
    row("integer", "times", "Times", "次数", None, None, None, ". < ${age}"),
    row("end repeat"),
)


def test_an_expression_reading_a_column_of_the_outer_repeat_is_refused(tmp_path):
    assert problems(form(tmp_path, children(*READS_OUTER))) == [
        "form.xlsx:8: the relevant of 'minutes' in 'cartoons' reads ${age} (row 5), a column"
        " of the outer repeat 'children': survey cannot evaluate it, because the roster"
        " 'cartoons' is apart from the rows of 'children'",
        "form.xlsx:8: the constraint of 'minutes' in 'cartoons' reads ${age} (row 5), a"
        " column of the outer repeat 'children': survey cannot evaluate it, because the"
        " roster 'cartoons' is apart from the rows of 'children'",
        "form.xlsx:9: the constraint of 'times' in 'cartoons' reads ${age} (row 5), a column"
        " of the outer repeat 'children': survey cannot evaluate it, because the roster"
        " 'cartoons' is apart from the rows of 'children'",
    ]


def test_with_the_flag_what_reads_an_outer_column_is_dropped_as_rules_drop(tmp_path):
    result = read(form(tmp_path, children(*READS_OUTER)), skip_unsupported=True)
    cartoons = result.questionnaire.question("cartoons")
    assert [c.key for c in cartoons.columns] == ["children_row", "title", "times"]
    assert cartoons.column("times").constraint is None
    assert [str(w) for w in result.warnings][1:] == [
        "form.xlsx:8: dropped 'minutes': its relevant uses ${age} (row 5, a column of the"
        " outer repeat 'children')",
        "form.xlsx:9: the constraint of 'times' is left out: it uses ${age} (row 5, a column"
        " of the outer repeat 'children')",
    ]


def test_a_nested_repeat_whose_relevant_reads_an_outer_column_is_dropped_with_the_flag(
    tmp_path,
):
    inner = (
        row("begin group", "older", "Older", "大的", None, None, "${age} > 3"),
        row("begin repeat", "cartoons", "Cartoons", "动画片"),
        row("text", "title", "Title", "片名"),
        row("end repeat"),
        row("end group"),
    )
    path = form(tmp_path, children(*inner))
    assert problems(path)[0].startswith(
        "form.xlsx:7: the relevant of 'cartoons' reads ${age} (row 5), a column of the outer"
    )
    result = read(path, skip_unsupported=True)
    assert [x.key for x in result.questionnaire.questions()] == ["any", "children"]
    assert str(result.warnings[-1]) == (
        "form.xlsx:7: dropped 'cartoons': its relevant uses ${age} (row 5, a column of the"
        " outer repeat 'children')"
    )


def test_a_column_named_as_an_outer_one_reads_its_own_row(tmp_path):
    inner = (
        row("begin repeat", "pets", "Pets", "宠物"),
        row("integer", "age", "Age", "年龄"),
        row("integer", "weight", "Weight", "体重", None, None, "${age} > 1"),
        row("end repeat"),
    )
    q = read(form(tmp_path, children(*inner))).questionnaire
    assert q.question("pets").column("weight").relevant == "${age} > 1"


def test_the_export_writes_a_nested_roster_as_its_own_repeat_and_reads_back_the_same(
    tmp_path,
):
    inner = (
        *CARTOONS[:3],
        row("begin repeat", "characters", "Characters", "角色"),
        row("text", "who", "Who", "谁"),
        row("end repeat"),
        *CARTOONS[3:],
    )
    survey = children(*inner, outer_cells=(None, None, 4), after=(row("text", "name2", "A", "乙"),))
    q = read(form(tmp_path, survey)).questionnaire
    out = tmp_path / "out.xlsx"
    dump_xlsform(q, out)
    again = read_xlsform(out)
    assert again.warnings == []  # a plain roster with an integer column: nothing nested
    assert again.questionnaire.content_hash() == q.content_hash()
    assert [x.key for x in again.questionnaire.questions()] == [
        "any", "children", "cartoons", "characters", "name2"
    ]  # fmt: skip


@needs_corpus
@pytest.mark.parametrize(
    ("name", "rosters"),
    [
        ("onadata__childrens_survey_sw.xlsx", ["children", "cartoons", "characters"]),
        ("onadata__nested_repeats.xlsx", ["kids_details", "kids_immunization"]),
        ("pyxform__UCL_Biomass_Plot_Form.xlsx", ["trees", "stems", "stumps", "subplot1",
                                                 "subplot2"]),
    ],
)  # fmt: skip
def test_corpus_forms_keep_their_nested_repeats_as_rosters_with_the_flag(name, rosters):
    q = read_xlsform(CORPUS / name, skip_unsupported=True).questionnaire
    assert [x.key for x in q.questions() if x.type == "roster"] == rosters


def test_a_calculation_in_a_nested_repeat_reading_an_outer_column_is_refused_or_dropped(
    tmp_path,
):
    inner = (
        row("begin repeat", "cartoons", "Cartoons", "动画片"),
        row("integer", "minutes", "Minutes", "分钟"),
        row("calculate", "share", None, None),
        row("end repeat"),
    )
    survey = [*children(*inner)]
    header = (*HEADER, "calculation")
    survey = [header, *(r + (None,) for r in survey[1:])]
    survey[7] = (*survey[7][:-1], "${minutes} div ${age}")
    path = form(tmp_path, survey)
    assert problems(path) == [
        "form.xlsx:8: the calculation of 'share' in 'cartoons' reads ${age} (row 5), a column"
        " of the outer repeat 'children': survey cannot evaluate it, because the roster"
        " 'cartoons' is apart from the rows of 'children'"
    ]
    result = read(path, skip_unsupported=True)
    cartoons = result.questionnaire.question("cartoons")
    assert [c.key for c in cartoons.columns] == ["children_row", "minutes"]
    assert str(result.warnings[-1]) == (
        "form.xlsx:8: dropped 'share': its calculation uses ${age} (row 5, a column of the"
        " outer repeat 'children')"
    )
