"""XLSForm's message and behaviour columns: a conditional `required` and `required_message`
per language, read, checked and written back."""

from __future__ import annotations

from survey.core.xlsform import dump_xlsform, load_xlsform, read_xlsform
from tests.core.test_xlsform import COLOURS, refusal
from tests.core.test_xlsform import form as form  # noqa: PLC0414  (the fixture, shared)

HEAD = ("type", "name", "label::English (en)", "label::Chinese (zh)", "required",
        "required_message::English (en)", "required_message::Chinese (zh)")  # fmt: skip


def test_a_conditional_required_and_its_messages_import_and_export(form, tmp_path):
    path = form(
        [
            HEAD,
            ("select_one colours", "c", "Colour", "颜色", "yes", None, None),
            ("text", "why", "Why?", "为什么？", "${c} = 'red'", "Say why.", "请说明原因。"),
        ],
        (("list_name", "name", "label::English (en)", "label::Chinese (zh)"),
         ("colours", "red", "Red", "红"), ("colours", "blue", "Blue", "蓝")),
    )  # fmt: skip
    q = load_xlsform(path)
    why = q.question("why")
    assert (why.required, why.required_if) == (False, "${c} = 'red'")
    assert why.required_message == {"en": "Say why.", "zh-Hans": "请说明原因。"}
    assert q.question("c").required
    dump_xlsform(q, tmp_path / "again.xlsx")
    assert load_xlsform(tmp_path / "again.xlsx").content_hash() == q.content_hash()


def test_a_required_expression_on_a_later_question_is_refused(form):
    path = form(
        [
            ("type", "name", "label::English (en)", "required"),
            ("text", "a", "A", "${b} = 'x'"),
            ("text", "b", "B", None),
        ]
    )
    assert refusal(path) == [
        "form.xlsx:2: required_if of question 'a' refers to ${b}, which does not come before it"
        " (a question can only depend on earlier questions)"
    ]


def test_with_the_flag_a_condition_on_a_dropped_row_is_left_out(form):
    path = form(
        [
            ("type", "name", "label::English (en)", "required"),
            ("geopoint", "where", "Where?", None),
            ("text", "a", "A", "${where} != ''"),
        ],
        COLOURS,
    )
    read = read_xlsform(path, source="form.xlsx", skip_unsupported=True)
    a = read.questionnaire.question("a")
    assert (a.required, a.required_if) == (False, None)
    assert [str(w) for w in read.warnings][-1] == (
        "form.xlsx:3: the condition of required of 'a' is left out: it uses ${where}"
        " (row 2, left out)"
    )


def test_default_read_only_and_minimal_import_and_export(form, tmp_path):
    path = form(
        [
            ("type", "name", "label::English (en)", "default", "read_only", "appearance"),
            ("select_one colours", "c", "Colour", "blue", None, "minimal"),
            ("integer", "wave", "Wave", "2009", "yes", None),
            ("text", "t", "T", None, None, "numbers"),
        ],
        COLOURS,
    )
    read = read_xlsform(path, source="form.xlsx")
    q = read.questionnaire
    assert (q.question("c").dropdown, q.question("c").default) == (True, "blue")
    assert (q.question("wave").read_only, q.question("wave").default) == (True, "2009")
    assert [str(w) for w in read.warnings] == [
        "form.xlsx:4: the appearance 'numbers' of 't' is ignored: survey has no such widget"
        " and shows the question as usual"
    ]
    dump_xlsform(q, tmp_path / "again.xlsx")
    assert load_xlsform(tmp_path / "again.xlsx").content_hash() == q.content_hash()


def test_a_default_that_is_no_answer_is_refused(form):
    path = form([("type", "name", "label::English (en)", "default"), ("integer", "n", "N", "many")])
    assert refusal(path) == [
        "form.xlsx:2: default 'many' of question 'n' is not a valid answer: Enter a whole"
        " number using digits only, without commas or decimals."
    ]
