"""`select_one L or_other` as pyxform builds it: an 'other' choice and a text question
`<name>_other` asked when it is chosen; compared and exported as two variables."""

from __future__ import annotations

from survey.core.compare import compare_pair
from survey.core.questionnaire import CompareRule
from survey.core.relevance import question_relevant
from survey.core.xlsform import dump_xlsform, load_xlsform
from tests.core.test_xlsform import COLOURS, SURVEY, refusal
from tests.core.test_xlsform import form as form  # noqa: PLC0414  (the fixture, shared)

ZH = ("type", "name", "label::English (en)", "label::Chinese (zh)")
ZH_COLOURS = (
    ("list_name", "name", "label::English (en)", "label::Chinese (zh)"),
    ("colours", "red", "Red", "红"),
    ("colours", "blue", "Blue", "蓝"),
)


def test_or_other_adds_the_other_choice_and_its_text_question(form):
    path = form(
        [
            (*ZH, "relevant"),
            ("integer", "n", "How many?", "多少？", None),
            ("select_one colours or_other", "c", "Colour", "颜色", "${n} > 0"),
            ("select_multiple colours or specify other", "m", "Colours", "颜色", None),
        ],
        ZH_COLOURS,
    )
    q = load_xlsform(path)
    assert [x.key for x in q.questions()] == ["n", "c", "c_other", "m", "m_other"]
    colour = q.question("c")
    assert colour.option_codes == ("red", "blue", "other")
    assert colour.option("other").label == {"en": "Other", "zh-Hans": "其他"}
    other = q.question("c_other")
    assert (other.type, other.compare) == ("text", CompareRule("review"))
    assert other.text == {"en": "Specify other.", "zh-Hans": "请注明其他。"}
    assert other.relevant == "(${n} > 0) and (selected(${c}, 'other'))"
    assert q.question("m_other").relevant == "selected(${m}, 'other')"


def test_the_other_text_is_asked_only_when_other_is_chosen(form):
    q = load_xlsform(form([SURVEY, ("select_one colours or_other", "c", "Colour")], COLOURS))
    other, section = q.question("c_other"), q.section_of("c_other")
    assert not question_relevant(section, other, {"c": "red"})
    assert question_relevant(section, other, {"c": "other"})


def test_a_list_that_has_other_already_keeps_its_own(form):
    choices = (*COLOURS, ("colours", "other", "Something else"))
    q = load_xlsform(form([SURVEY, ("select_one colours or_other", "c", "Colour")], choices))
    assert q.question("c").option_codes == ("red", "blue", "other")
    assert q.question("c").option("other").label == {"en": "Something else"}


def test_a_name_taken_by_the_other_question_is_refused(form):
    survey = [SURVEY, ("select_one colours or_other", "c", "Colour"), ("text", "c_other", "X")]
    assert refusal(form(survey, COLOURS)) == [
        "form.xlsx:3: the name 'c_other' is already used at row 2"
        " (question names must be unique in the whole form)"
    ]


def test_the_choice_and_its_text_are_compared_as_two_variables(form):
    q = load_xlsform(form([SURVEY, ("select_one colours or_other", "c", "Colour")], COLOURS))
    outcomes = {
        o.question: o.outcome
        for o in compare_pair(
            q, {"c": "other", "c_other": "Teal"}, {"c": "other", "c_other": "teal"}
        )
    }
    assert outcomes == {"c": "agree", "c_other": "review"}


def test_an_or_other_form_exports_and_imports_to_the_same_hash(form, tmp_path):
    q = load_xlsform(form([SURVEY, ("select_one colours or_other", "c", "Colour")], COLOURS))
    dump_xlsform(q, tmp_path / "again.xlsx")
    assert load_xlsform(tmp_path / "again.xlsx").content_hash() == q.content_hash()


def test_a_ranking_or_other_ranks_other_too_and_asks_what_it_is(form):
    q = load_xlsform(form([SURVEY, ("rank colours or_other", "r", "Order")], COLOURS))
    assert q.question("r").option_codes == ("red", "blue", "other")
    assert q.question("r_other").relevant == "selected(${r}, 'other')"  # as pyxform builds it
