"""Question widgets: what a respondent's browser receives for each kind of question.

The widgets are built from strings (compiled once per question and language), so
these tests hold them to what Jinja's autoescaping and the accessibility rules of
docs/respondent.md would give: nothing from a questionnaire or a respondent arrives
unescaped, every input is labelled, groups have legends, help and errors are linked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale, gettext

from survey.core.questionnaire import Option, Question
from survey.widgets import question_html

HOSTILE = '<script>alert("x")</script>&"\''


def _question(**fields) -> Question:
    base = {"key": "sent", "type": "integer", "text": {"en": "How many?", "zh-Hans": "多少？"}}
    return Question(**(base | fields))


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of a fragment."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(k) == v for k, v in attrs.items())
        ]


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def test_nothing_from_a_questionnaire_or_a_respondent_arrives_unescaped(ctx):
    question = _question(
        type="single",
        text={"en": HOSTILE},
        help={"en": HOSTILE},
        options=(Option("a", {"en": HOSTILE}), Option("b", {"en": "B"})),
    )
    html = str(question_html(question, "en", value="a", errors=[HOSTILE], conflict=(HOSTILE, "")))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 5  # legend, help, option, error, their answer
    typed = str(question_html(_question(type="text"), "en", value=HOSTILE))
    assert "<script>" not in typed
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#34;&#39;"' in typed
    longtext = str(question_html(_question(type="longtext"), "en", value="</textarea>" + HOSTILE))
    assert longtext.count("</textarea>") == 1


def test_a_typed_answer_is_labelled_and_linked_to_its_help_and_error(ctx):
    question = _question(required=True, help={"en": "Count them all."}, max_length=5)
    tags = _Tags(
        str(question_html(question, "en", value="12x", errors=["Not a number."], version=3))
    )
    (group,) = tags.find("div", role="group")
    assert group["aria-labelledby"] == "label-sent"
    assert group["data-type"] == "integer"
    (label,) = tags.find("label", id="label-sent")
    assert label["for"] == "f-sent"
    (field,) = tags.find("input", id="f-sent")
    assert field["value"] == "12x"
    assert field["inputmode"] == "numeric"
    assert field["maxlength"] == "5"
    assert field["aria-describedby"] == "sent-help sent-error"
    assert field["aria-invalid"] == "true"
    assert tags.find("p", id="sent-help")
    assert tags.find("p", id="sent-error")
    assert tags.find("input", type="hidden", name="_v.sent", value="3")
    assert "Not a number." in "".join(tags.text)
    assert "(required)" in "".join(tags.text)
    boxes = [tag["value"] for tag in tags.find("input", type="checkbox", name="sent__special")]
    assert boxes == ["dk", "rf"]  # offered last, after the field


def test_a_stored_dont_know_ticks_its_box_and_leaves_the_field_empty(ctx):
    tags = _Tags(str(question_html(_question(), "en", value="dk")))
    assert tags.find("input", id="f-sent")[0]["value"] == ""
    (ticked,) = [t for t in tags.find("input", name="sent__special") if "checked" in t]
    assert ticked["value"] == "dk"


def test_choices_are_a_fieldset_with_a_legend_and_numbered_ids(ctx):
    question = _question(
        key="sectors",
        type="multi",
        options=(Option("health", {"en": "Health"}), Option("trade", {"en": "Trade"})),
    )
    html = str(question_html(question, "en", value=["trade", "rf"], hidden=True, tree={"op": "x"}))
    tags = _Tags(html)
    (fieldset,) = tags.find("fieldset")
    assert "hidden" in fieldset
    assert fieldset["data-relevant"] == '{"op": "x"}'
    assert re.search(r"<legend>How many\?</legend>", html)
    boxes = tags.find("input", type="checkbox", name="sectors")
    assert [b.get("id") for b in boxes[:2]] == ["f-sectors", "f-sectors-2"]
    assert {b["value"] for b in boxes if "checked" in b} == {"trade", "rf"}
    assert [b["value"] for b in boxes if "data-special" in b] == ["dk", "rf"]


def test_yes_no_and_a_conflict_offer_both_answers(ctx):
    question = _question(key="training", type="yesno", offer_special=False)
    tags = _Tags(str(question_html(question, "en", value="no", conflict=("Yes", "No"))))
    radios = tags.find("input", type="radio", name="training")
    assert [(r["value"], "checked" in r) for r in radios] == [("yes", False), ("no", True)]
    assert [r["value"] for r in tags.find("input", name="_c.training")] == ["theirs", "mine"]
    assert tags.find("input", type="hidden", name="_pending", value="training")
    assert tags.find("fieldset")[0]["aria-describedby"] == "training-conflict"


def test_previews_disable_every_input(ctx):
    question = _question(type="single", options=(Option("a", {"en": "A"}),))
    tags = _Tags(str(question_html(question, "en", disabled=True)))
    assert all("disabled" in tag for tag in tags.find("input"))


def test_texts_follow_the_questionnaire_and_the_interface_language(ctx):
    question = _question(required=True)
    english = str(question_html(question, "en", errors=["x"]))
    with force_locale("zh_Hans"):
        chinese = str(question_html(question, "zh-Hans", errors=["x"]))
        required, error = gettext("(required)"), gettext("Error:")
    assert "How many?" in english
    assert "(required)" in english
    assert "多少？" in chinese
    assert required in chinese
    assert error in chinese
    assert required != "(required)"
    assert "(required)" not in chinese
    assert "How many?" in str(question_html(question, "en"))  # each language kept apart


def test_a_remembered_widget_is_the_widget_drawn_afresh(ctx):
    """Unanswered widgets without errors are remembered: each is what drawing it anew
    gives, and nothing shown by one is shown by another. A widget showing an answer is
    never remembered (no respondent's answer stays in the process)."""
    from survey import widgets

    single = _question(
        key="kind", type="single",
        options=(Option("a", {"en": "Alpha"}), Option("b", {"en": HOSTILE})),
    )  # fmt: skip
    many = _question(
        key="areas", type="multi",
        options=(Option("a", {"en": "Alpha"}), Option("b", {"en": "Beta"})),
    )  # fmt: skip
    typed = _question(required=True, help={"en": "Count them"})
    unanswered = [
        (typed, {}), (typed, {"value": ""}), (typed, {"version": 3}), (typed, {"version": 4}),
        (typed, {"hidden": True}), (typed, {"disabled": True}), (single, {}),
        (many, {"value": []}), (typed, {"tree": {"op": "=", "args": [1, 1]}}),
    ]  # fmt: skip
    answered = [
        (typed, {"value": "12"}), (typed, {"value": 12}), (typed, {"value": "dk"}),
        (typed, {"special": "rf"}), (typed, {"value": HOSTILE}), (single, {"value": "a"}),
        (single, {"value": "b"}), (many, {"value": ["a"]}), (many, {"value": ["a", "b"]}),
    ]  # fmt: skip
    cases = unanswered + answered

    def afresh(question, arguments):  # noqa: ANN001, ANN202
        widgets._unanswered.cache_clear()
        return question_html(question, "en", **arguments)

    fresh = [afresh(question, arguments) for question, arguments in cases]
    widgets._unanswered.cache_clear()
    for _round in range(2):  # the second time round, every unanswered widget from memory
        drawn = [question_html(question, "en", **arguments) for question, arguments in cases]
        assert drawn == fresh
    assert len(set(fresh)) == len(fresh) - 2  # each shows its own; "12" and 12, None and ""
    remembered = widgets._unanswered.cache_info()
    assert remembered.currsize == len(unanswered)
    assert remembered.hits == len(unanswered)
    same_tree = question_html(typed, "en", tree={"op": "=", "args": [1, 1]})  # an equal one
    assert same_tree == fresh[len(unanswered) - 1]
    assert widgets._unanswered.cache_info().currsize == len(unanswered) + 1  # by its tree
    with force_locale("zh_Hans"):
        chinese = question_html(typed, "en")
    assert chinese != fresh[0]
    assert gettext("(required)") in str(fresh[0])
    erroneous = question_html(typed, "en", errors=["Not a number"])
    assert "Not a number" in erroneous
    assert question_html(typed, "en") != erroneous  # errors are never remembered
    assert widgets._unanswered.cache_info().currsize == len(unanswered) + 2  # the Chinese one
