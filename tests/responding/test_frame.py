"""A section page's frame is drawn once per section, language and place, then filled.

`templating.framed` keeps the page's frame and fills in what changes per request
(values, errors, notes, the CSRF token). These tests hold it to the page a full
drawing gives, and to pages that must not share a frame.
"""

from __future__ import annotations

import re

import pytest
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup, escape

from survey import templating
from survey.core.loader import load_file
from survey.core.questionnaire import QuestionnaireError
from tests.fixtures.web import text_of
from tests.responding.test_flow import (
    MINI,
    browser_fields,
    make_mini,
    start,
    submit_page,
)


class _Frames:
    """The frames kept (`templating._frame`'s cache), by number."""

    def __len__(self) -> int:
        return templating._frame.cache_info().currsize

    def clear(self) -> None:
        templating._frame.cache_clear()


@pytest.fixture
def frames():
    """No frames kept when this test begins or after it ends; their number for inspection."""
    templating._frame.cache_clear()
    yield _Frames()
    templating._frame.cache_clear()


def drawn_in_full(monkeypatch) -> None:  # noqa: ANN001
    """Make every frame come out unusable, so that each page is drawn in full."""
    monkeypatch.setattr(templating, "_SLOT", Markup(""))


def _steady(html: str) -> str:
    """A page without what differs between two drawings of it: the CSRF token, and the
    signed moment it was drawn (`_since`, the paradata's time on the page)."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    return re.sub(r'name="_since" value="[^"]*"', 'name="_since" value=""', html)


def test_a_frame_is_drawn_once_and_filled_per_request(client, session, make_round, frames):
    _round, us, _cn, _q = make_mini(session, make_round)
    first = start(client, us)
    page = text_of(client.get(first))
    assert len(frames) == 1
    saved = submit_page(client, first, {"established": "1986"}, nav="stay")
    assert saved.status_code == 303
    again = text_of(client.get(first))
    assert len(frames) == 1  # the same frame, filled with the saved value
    assert browser_fields(again).getlist("established") == ["1986"]
    assert browser_fields(page).getlist("established") == [""]
    # Each drawing fills in a token of its own (Flask-WTF signs it with the time): the
    # later one is good for the next save.
    assert submit_page(client, first, {"established": "1987"}, nav="stay").status_code == 303


def test_a_filled_frame_equals_the_page_drawn_in_full(
    client, session, make_round, monkeypatch, frames
):
    """Errors, their summary, a note, typed values and a language switch: byte for byte."""
    _round, us, _cn, _q = make_mini(session, make_round)
    first = start(client, us)

    def pages() -> list[str]:
        wrong = submit_page(client, first, {"established": "1850", "training": "yes"})
        switched = submit_page(client, first, {"established": "1850"}, _lang="zh_Hant")
        drawn = [text_of(wrong), text_of(switched), text_of(client.get(first))]
        submit_page(client, first, {"established": "1850"}, _lang="en")  # back as it began
        return drawn

    framed = pages()
    assert "error-summary" in framed[0]
    assert "建立年份" in framed[1]
    assert len(frames) == 2  # English and Traditional Chinese
    frames.clear()
    drawn_in_full(monkeypatch)
    full = pages()
    assert len(frames) == 0  # frames that did not come out right are not kept
    assert [_steady(page) for page in framed] == [_steady(page) for page in full]


def test_pages_that_differ_outside_the_slots_do_not_share_a_frame(
    client, session, make_round, frames
):
    _round, us, cn, _q = make_mini(session, make_round)
    first = start(client, us)
    client.get(first)
    chinese = text_of(client.get(start(client, cn)))  # the other side's link, in Chinese
    assert len(frames) == 2  # another language: another frame
    assert "基本情况" in chinese
    assert "Basics" not in chinese.split("<main", 1)[1]


def test_an_imported_text_cannot_hold_the_placeholder_character(tmp_path):
    """Texts reach a frame only through an import, which refuses control characters."""
    source = MINI.read_text("utf-8").replace("title: {en: Basics,", 'title: {en: "Ba\\0sics",')
    questionnaire = tmp_path / "mini.yaml"
    questionnaire.write_text(source, "utf-8")
    with pytest.raises(QuestionnaireError) as refused:
        load_file(questionnaire)
    assert "sections[0].title.en contains the control character U+0000" in str(refused.value)


TEMPLATES = {
    "frame.html": "<p>{{ title }}</p><p>{{ one }}</p><p>{{ two }}</p>",
    "twice.html": "<p>{{ one }}</p><p>{{ one }}{{ two }}</p>",
}


@pytest.fixture
def with_templates(app, monkeypatch):
    """The app's templates and TEMPLATES, in a request."""
    loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    with app.test_request_context("/"):
        yield


def test_a_frame_is_filled_with_each_requests_slots(with_templates, frames):
    first = templating.framed(
        "frame.html", ("k",), {"one": escape("<1>"), "two": Markup("<b>2</b>")}, title="T"
    )
    second = templating.framed(
        "frame.html", ("k",), {"one": escape("x"), "two": Markup("")}, title="T"
    )
    assert first == "<p>T</p><p>&lt;1&gt;</p><p><b>2</b></p>"
    assert second == "<p>T</p><p>x</p><p></p>"
    assert len(frames) == 1


@pytest.mark.parametrize(
    ("template", "title"),
    [("twice.html", "T"), ("frame.html", "a\x00one\x00b")],
    ids=["a slot used twice", "a placeholder in a text"],
)
def test_a_frame_that_does_not_come_out_as_expected_is_not_kept(
    with_templates, frames, template, title
):
    slots = {"one": escape("1"), "two": escape("2")}
    drawn = templating.framed(template, ("k",), slots, title=title)
    assert drawn == render_template(template, title=title, **slots)
    assert len(frames) == 0  # frames that did not come out right are not kept


def test_frames_are_not_kept_while_templates_reload_on_change(
    app, with_templates, frames, monkeypatch
):
    """A developer editing a template (debug) sees the edit on the next request."""
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    templating._fragment.cache_clear()  # noqa: SLF001
    slots = {"one": escape("1"), "two": escape("2")}
    assert templating.framed("frame.html", ("k",), slots, title="T") == "<p>T</p><p>1</p><p>2</p>"
    assert "A title" in templating.fragment("responding/_parts.html", "header", "A title")
    assert len(frames) == 0  # frames that did not come out right are not kept
    assert templating._fragment.cache_info().currsize == 0  # noqa: SLF001
