"""The respondent's form through the test client: link, pages, saving, languages, review, submit.

Security-specific cases (hostile tokens, throttling, cross-side access, CSRF on
autosave) are in test_flow_security.py; parallel requests in test_concurrency.py.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from survey import sealing
from survey.audit import AuditEntry
from survey.core.loader import load_file
from survey.core.questionnaire import Question, Section
from survey.core.types import ERROR_MESSAGES
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import flow
from survey.responding import services as answers
from survey.responding.messages import ANSWER_MESSAGES
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from tests.fixtures.web import text_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"
MINI = FIXTURES / "mini.yaml"
SISTER = Path(__file__).resolve().parents[2] / "questionnaires" / "sister-cities.yaml"

# A questionnaire whose second section applies only after a "yes".
BRANCHING = """\
key: branching
version: "1"
languages: [en, zh-Hans, zh-Hant]
title: {en: Branching interview, zh-Hans: 分支访谈, zh-Hant: 分支訪談}
introduction: {en: Welcome., zh-Hans: 欢迎参加分支访谈。, zh-Hant: 歡迎參加分支訪談。}
closing: {en: That was all., zh-Hans: 访谈结束。, zh-Hant: 訪談結束。}
sections:
  - key: first
    title: {en: First part, zh-Hans: 第一部分, zh-Hant: 第一部分}
    questions:
      - key: trade
        type: yesno
        required: true
        text: {en: Any trade missions, zh-Hans: 是否有贸易代表团, zh-Hant: 是否有貿易訪問團}
  - key: trade_part
    title: {en: Trade, zh-Hans: 贸易, zh-Hant: 貿易}
    relevant: "${trade} = 'yes'"
    questions:
      - key: missions
        type: integer
        required: true
        min: 0
        text: {en: How many missions, zh-Hans: 多少个代表团, zh-Hant: 多少個訪問團}
  - key: last
    title: {en: Last part, zh-Hans: 最后部分, zh-Hant: 最後部分}
    questions:
      - key: remarks
        type: text
        text: {en: Remarks, zh-Hans: 备注, zh-Hant: 備註}
"""


# ---------------------------------------------------------------------------- helpers


class _FormReader(HTMLParser):
    """What a browser would send for the page's form (buttons aside), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def browser_fields(html: str) -> MultiDict:
    reader = _FormReader()
    reader.feed(html)
    return MultiDict(reader.fields)


def link_path(invitation: Invitation) -> str:
    link = rounds.link_of(invitation)
    return link[link.index("/r/") :]


def submit_page(client, path: str, answers_: dict | None = None, *, nav: str = "next", **extra):
    """Load `path`, change the given answers as a person would, press a button."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
    fields = browser_fields(text_of(page))
    for key, value in (answers_ or {}).items():
        fields.setlist(key, value if isinstance(value, list) else [value])
    for key, value in extra.items():
        fields.setlist(key, [value])
    if nav:
        fields["_nav"] = nav
    return client.post(path, data=fields)


def location(response) -> str:
    return response.headers.get("Location", "")


@pytest.fixture
def mini(session, make_round):
    """An open round of the mini questionnaire: (round, US invitation, CN invitation, model)."""
    return make_mini(session, make_round)


def make_mini(session, make_round):  # noqa: ANN001, ANN201
    round_ = make_round(pairs=1, questionnaire=MINI)
    rows = rounds.invitation_rows(session, round_)
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    by_side = {row.side.code: row.invitation for row in rows}
    return round_, by_side["us"], by_side["cn"], q


def start(client, invitation: Invitation) -> str:
    """Open the link and press Start; returns the first page's path."""
    assert client.get(link_path(invitation)).status_code == 303
    response = submit_page(client, "/respond/welcome", nav="start")
    assert response.status_code == 303
    return location(response)


def reload(session, invitation: Invitation) -> Invitation:
    """The invitation as the database has it now (requests end their own sessions)."""
    session.expire_all()
    return session.get(Invitation, invitation.id)


def stored(session, invitation: Invitation) -> dict:
    session.expire_all()
    return answers.answers_of(session, invitation)


def audit_count(session, action: str) -> int:
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


# ---------------------------------------------------------------------------- link and welcome


def test_link_is_exchanged_for_a_session_and_left_behind(client, session, mini):
    _, us, _, _ = mini
    response = client.get(link_path(us))
    assert response.status_code == 303
    assert location(response) == "/respond/"
    us = reload(session, us)
    assert us.state == "opened"
    assert us.opened_at is not None
    assert audit_count(session, "invitation.open") == 1
    assert client.get(link_path(us)).status_code == 303  # a second visit
    assert audit_count(session, "invitation.open") == 1
    assert location(client.get("/respond/")) == "/respond/welcome"


def test_welcome_names_study_pair_and_side_in_the_respondents_language(client, session, mini):
    _, _, cn, _ = mini
    client.get(link_path(cn))
    page = text_of(client.get("/respond/welcome"))
    assert '<html lang="zh-Hans">' in page
    assert "简短访谈" in page  # the questionnaire's title in zh-Hans
    assert "城市" in page  # the place, in Chinese
    for name in ("English", "简体中文", "繁體中文"):
        assert name in page
    assert 'name="_lang" value="en"' in page
    assert "/respond/decline" in page


def test_respondent_pages_are_private_and_script_free_inline(client, mini):
    _, us, _, _ = mini
    client.get(link_path(us))
    response = client.get("/respond/welcome")
    # Posts carry their page's own address (Flask-WTF's Referer check on HTTPS); nothing
    # goes to another site, and nothing at all from the link's address.
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get(link_path(us)).headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = text_of(response)
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # no inline scripts
    assert "http://" not in page.replace('action="http', "")
    assert "https://" not in page


def test_introduction_is_shown_in_paragraphs(client, session, make_round):
    round_ = make_round(pairs=1)  # the sister-city questionnaire
    invitation = rounds.invitation_rows(session, round_)[0].invitation
    client.get(link_path(invitation))
    page = text_of(client.get("/respond/welcome"))
    assert page.count("<p>") >= 4
    assert "Thank you for agreeing to take part" in page


# ---------------------------------------------------------------------------- pages


def test_start_shows_the_first_part_with_progress(client, mini):
    _, us, _, _ = mini
    first = start(client, us)
    assert first == "/respond/p/basics"
    page = text_of(client.get(first))
    assert "Part 1 of 2" in page
    assert 'for="f-established"' in page
    assert "<fieldset" in page
    assert "<legend>" in page
    assert "Back" in page
    assert "Next" in page


def test_next_blocks_on_missing_required_answers_and_keeps_what_was_typed(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    response = submit_page(client, first, {"established": "1985"})
    assert response.status_code == 200  # the same page again, not the next one
    page = text_of(response)
    assert 'role="alert"' in page
    assert 'id="error-summary"' in page
    assert "Please answer this question." in page
    assert 'href="#f-training"' in page
    assert 'aria-describedby="training-error"' in page
    assert 'value="1985"' in page
    assert stored(session, us) == {"established": 1985}  # the valid answer was saved


def test_invalid_values_are_explained_beside_the_field_and_reshown(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    page = text_of(submit_page(client, first, {"established": "nineteen", "training": "no"}))
    assert "Enter a year as four digits, for example 2009." in page
    assert 'value="nineteen"' in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="established-error"' in page
    assert stored(session, us) == {"training": "no"}
    page = text_of(submit_page(client, first, {"established": "2020", "training": "no"}))
    assert "Enter a year no later than 2010." in page


def test_next_and_back_save_and_move(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    response = submit_page(client, first, {"established": "1985", "training": "no"})
    assert location(response) == "/respond/p/exchanges"
    page = text_of(client.get("/respond/p/exchanges"))
    assert "Part 2 of 2" in page
    response = submit_page(client, "/respond/p/exchanges", {"sent": "3"}, nav="back")
    assert location(response) == "/respond/p/basics"
    assert stored(session, us)["sent"] == 3
    assert location(submit_page(client, "/respond/p/basics", nav="back")) == "/respond/welcome"


def test_back_with_an_invalid_value_stays_so_nothing_typed_is_lost(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    submit_page(client, first, {"established": "1985", "training": "no"})
    response = submit_page(client, "/respond/p/exchanges", {"sent": "many"}, nav="back")
    assert response.status_code == 200
    assert 'value="many"' in text_of(response)


def test_relevance_hides_questions_on_the_server_and_keeps_their_answers(client, session, mini):
    _, us, _, q = mini
    first = start(client, us)
    page = text_of(client.get(first))
    assert re.search(r'id="q-sectors"[^>]*\bhidden\b', page)
    assert "data-relevant=" in page
    submit_page(client, first, {"established": "1985", "training": "yes", "sectors": ["water"]})
    page = text_of(client.get(first))
    assert not re.search(r'id="q-sectors"[^>]*\bhidden\b', page)
    submit_page(client, first, {"training": "no"})
    assert stored(session, us)["sectors"] == ["water"]  # kept, though it no longer applies
    submit_page(client, "/respond/p/exchanges", {})
    review = text_of(client.get("/respond/review"))
    assert "Which sectors" not in review  # not counted


def test_without_script_questions_that_appear_are_shown_before_moving_on(client, mini):
    _, us, _, _ = mini
    first = start(client, us)
    response = submit_page(
        client, first, {"established": "1985", "training": "yes"}, _shown="established,training"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "further questions" in page
    assert not re.search(r'id="q-sectors"[^>]*\bhidden\b', page)
    assert location(submit_page(client, first)) == "/respond/p/exchanges"


def test_irrelevant_sections_are_skipped(client, session, make_round, tmp_path):
    path = tmp_path / "branching.yaml"
    path.write_text(BRANCHING, encoding="utf-8")
    round_ = make_round(pairs=1, questionnaire=path)
    invitation = rounds.invitation_rows(session, round_)[0].invitation
    first = start(client, invitation)
    assert "Part 1 of 2" in text_of(client.get(first))
    assert location(submit_page(client, first, {"trade": "no"})) == "/respond/p/last"
    assert "Part 2 of 2" in text_of(client.get("/respond/p/last"))
    assert location(client.get("/respond/p/trade_part")) == "/respond/"
    assert location(submit_page(client, "/respond/p/last", nav="back")) == "/respond/p/first"
    assert location(submit_page(client, first, {"trade": "yes"})) == "/respond/p/trade_part"
    assert "Part 2 of 3" in text_of(client.get("/respond/p/trade_part"))


def test_pages_after_an_unfinished_one_cannot_be_reached(client, mini):
    _, us, _, _ = mini
    start(client, us)
    assert location(client.get("/respond/p/exchanges")) == "/respond/"
    assert location(client.get("/respond/review")) == "/respond/"


def test_special_answers_are_offered_secondary_and_stored(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    page = text_of(client.get(first))
    assert 'name="established__special" value="dk"' in page
    assert 'class="special"' in page
    submit_page(client, first, {"established__special": "dk", "training": "rf"})
    assert stored(session, us) == {"established": "dk", "training": "rf"}
    response = submit_page(client, first, {"established": "1990", "established__special": "dk"})
    assert response.status_code == 200
    assert "please clear one of them" in text_of(response)
    assert 'value="1990"' in text_of(response)


def test_language_switch_keeps_unsaved_input_and_rerenders(client, session, mini):
    _, us, _, q = mini
    first = start(client, us)
    response = submit_page(
        client, first, {"established": "abc", "training": "yes"}, nav="", _lang="zh_Hant"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="zh-Hant">' in page
    assert "建立年份" in page
    assert "是否舉辦過培訓" in page
    assert 'value="abc"' in page  # invalid, so unsaved, but still there
    assert stored(session, us) == {"training": "yes"}
    response = submit_page(client, first, {"established": "1985"}, nav="", _lang="en")
    assert location(response) == first  # all saved: back to the page, now in English
    assert '<html lang="en">' in text_of(client.get(first))


def test_welcome_language_switch_sticks_for_the_session(client, mini):
    _, us, _, _ = mini
    client.get(link_path(us))
    response = submit_page(client, "/respond/welcome", nav="", _lang="zh_Hans")
    assert location(response) == "/respond/welcome"
    assert '<html lang="zh-Hans">' in text_of(client.get("/respond/welcome"))
    bogus = submit_page(client, "/respond/welcome", nav="", _lang="en'--")
    assert bogus.status_code == 303
    assert '<html lang="zh-Hans">' in text_of(client.get("/respond/welcome"))


# ------------------------------------------------------------------ CSRF, expiry, conflicts


def test_csrf_failure_rerenders_with_values_and_a_note(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    response = submit_page(
        client, first, {"established": "1985", "training": "yes"}, csrf_token="stale"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "please press the button again" in page
    assert 'value="1985"' in page
    assert re.search(r'value="yes"[^>]*checked', page)
    assert stored(session, us) == {}
    assert location(submit_page(client, first, {"established": "1985", "training": "no"})) == (
        "/respond/p/exchanges"
    )


def test_lost_session_keeps_the_input_and_restores_it_after_the_link(client, session, mini, app):
    _, us, _, _ = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    fields.setlist("established", ["1987"])
    fields.setlist("training", ["yes"])
    fields["_nav"] = "next"
    with client.session_transaction() as cookie:
        cookie.pop("respondent")
    response = client.post(first, data=fields, headers={"Origin": "http://localhost"})
    assert response.status_code == 403
    page = text_of(response)
    assert "Your session has ended" in page
    assert "1987" in page
    assert stored(session, us) == {}
    assert client.get(link_path(us)).status_code == 303
    assert location(client.get("/respond/")) == first
    restored = text_of(client.get(first))
    assert 'value="1987"' in restored
    assert "We kept what you typed" in restored
    assert stored(session, us) == {}  # shown again, saved only when the respondent says so
    fields = browser_fields(restored)
    fields["_nav"] = "next"
    assert location(client.post(first, data=fields)) == "/respond/p/exchanges"
    assert stored(session, us) == {"established": 1987, "training": "yes"}


def test_get_without_a_session_asks_to_reopen_the_link(client, mini):
    response = client.get("/respond/p/basics")
    assert response.status_code == 403
    assert "open your personal link again" in text_of(response)
    assert client.post("/respond/autosave", json={}).status_code == 401


def interviewer_saves(session, invitation, q, user, established: str) -> None:
    """An interviewer saves the year of establishment for the respondent."""
    actor = answers.Actor("interviewer", user)
    answers.record_answers(session, invitation, q, {"established": established}, actor=actor)


def test_concurrent_interviewer_save_is_never_overwritten(client, session, mini, make_user):
    _, us, _, q = mini
    first = start(client, us)
    submit_page(client, first, {"established": "1985", "training": "no"})
    page = client.get(first)
    fields = browser_fields(text_of(page))
    interviewer_saves(session, reload(session, us), q, make_user(), "1990")
    fields.setlist("established", ["1986"])
    fields["_nav"] = "next"
    response = client.post(first, data=fields)
    assert response.status_code == 200
    text = text_of(response)
    assert "Someone else" in text
    assert "1990" in text
    assert 'value="1986"' in text
    assert stored(session, us)["established"] == 1990
    again = browser_fields(text)
    again["_nav"] = "next"
    assert client.post(first, data=again).status_code == 200  # no choice made: still asks
    again["_c.established"] = "mine"
    assert location(client.post(first, data=again)) == "/respond/p/exchanges"
    assert stored(session, us)["established"] == 1986


def test_conflict_resolved_by_keeping_the_saved_answer(client, session, mini, make_user):
    _, us, _, q = mini
    first = start(client, us)
    submit_page(client, first, {"established": "1985", "training": "no"})
    fields = browser_fields(text_of(client.get(first)))
    interviewer_saves(session, reload(session, us), q, make_user(), "1990")
    fields.setlist("established", ["1986"])
    fields["_nav"] = "next"
    again = browser_fields(text_of(client.post(first, data=fields)))
    again["_c.established"] = "theirs"
    again["_nav"] = "next"
    assert location(client.post(first, data=again)) == "/respond/p/exchanges"
    assert stored(session, us)["established"] == 1990


def _save_in_between(monkeypatch, invitation_id: int, q, user, value: str) -> None:
    """Another save (an interviewer's) lands after the page was read and its save planned,
    before it is written."""
    from survey.db import db
    from survey.responding import saving

    original = saving.plan_page
    calls = []

    def interleaved(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        planned = original(*args, **kwargs)
        if not calls:
            calls.append(1)
            interviewer_saves(db.session, db.session.get(Invitation, invitation_id), q, user, value)
        return planned

    monkeypatch.setattr(saving, "plan_page", interleaved)


def test_a_save_landing_between_read_and_write_is_not_overwritten(
    client, session, mini, make_user, monkeypatch
):
    _, us, _, q = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    fields.setlist("established", ["1986"])
    fields.setlist("training", ["no"])
    fields["_nav"] = "next"
    _save_in_between(monkeypatch, us.id, q, make_user(), "1990")
    response = client.post(first, data=fields)
    monkeypatch.undo()
    assert response.status_code == 200
    text = text_of(response)
    assert "Someone else" in text
    assert "1990" in text
    assert 'value="1986"' in text
    assert stored(session, us) == {"established": 1990, "training": "no"}  # the rest is saved
    query = select(AuditEntry).where(AuditEntry.action == "answer.save").order_by(AuditEntry.id)
    saves = session.scalars(query).all()
    opened = sealing.open_all(session, saves)  # the values are sealed (issue 20)
    assert [opened[entry.id]["changes"] for entry in saves] == [
        {"established": [None, 1990]},
        {"training": [None, "no"]},
    ]
    again = browser_fields(text)
    again["_c.established"] = "mine"
    again["_nav"] = "next"
    assert location(client.post(first, data=again)) == "/respond/p/exchanges"
    assert stored(session, us)["established"] == 1986


def test_an_autosave_racing_another_save_reports_the_conflict(
    client, session, mini, make_user, monkeypatch
):
    _, us, _, q = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    fields.setlist("established", ["1999"])
    _save_in_between(monkeypatch, us.id, q, make_user(), "1990")
    data = autosave(client, "basics", fields).get_json()
    monkeypatch.undo()
    assert data["conflicts"] == ["established"]
    assert data["saved"] == []
    assert stored(session, us)["established"] == 1990
    assert reload(session, us).current_section == "basics"


# ---------------------------------------------------------------------------- autosave


def autosave(client, section: str, fields: MultiDict, **headers):
    token = fields["csrf_token"]
    body = {
        "section": section,
        "fields": [[k, v] for k, v in fields.items(multi=True) if k not in ("csrf_token", "_nav")],
    }
    return client.post("/respond/autosave", json=body, headers={"X-CSRFToken": token, **headers})


def test_autosave_saves_and_returns_the_new_versions(client, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    fields.setlist("established", ["1999"])
    response = autosave(client, "basics", fields, Origin="http://localhost")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["saved"] == ["established"]
    assert data["versions"]["established"] == 1
    assert stored(session, us) == {"established": 1999}
    us = reload(session, us)
    assert us.current_section == "basics"
    assert us.state == "in_progress"
    fields.setlist("established", ["x"])
    data = autosave(client, "basics", fields).get_json()
    assert "established" in data["errors"]
    assert "established" not in data["versions"]


def test_autosave_reports_a_conflict_and_writes_nothing(client, session, mini, make_user):
    _, us, _, q = mini
    first = start(client, us)
    fields = browser_fields(text_of(client.get(first)))
    interviewer_saves(session, reload(session, us), q, make_user(), "1990")
    fields.setlist("established", ["1999"])
    data = autosave(client, "basics", fields).get_json()
    assert data["conflicts"] == ["established"]
    assert "established" not in data["versions"]
    assert stored(session, us)["established"] == 1990


# ---------------------------------------------------------------------------- resume


def test_resume_from_another_device_lands_on_the_right_page(client, app, session, mini):
    _, us, _, _ = mini
    first = start(client, us)
    submit_page(client, first, {"established": "1985", "training": "yes", "sectors": ["health"]})
    other = app.test_client()
    assert other.get(link_path(us)).status_code == 303
    assert location(other.get("/respond/")) == "/respond/p/exchanges"
    back = text_of(other.get("/respond/p/basics"))
    assert 'value="1985"' in back
    assert re.search(r'value="health"[^>]*checked', back)


# ---------------------------------------------------------------------------- review and submit


def finish(client, invitation: Invitation) -> None:
    first = start(client, invitation)
    submit_page(client, first, {"established": "1985", "training": "yes", "sectors": ["health"]})
    assert location(
        submit_page(client, "/respond/p/exchanges", {"sent": "2", "received__special": "dk"})
    ) == ("/respond/review")


def test_review_lists_answers_by_section_with_change_links(client, mini):
    _, us, _, _ = mini
    finish(client, us)
    page = text_of(client.get("/respond/review"))
    assert "Basics" in page
    assert "Exchanges" in page
    assert "Health" in page
    assert "1985" in page
    assert "Don&#39;t know" in page or "Don't know" in page
    assert 'href="/respond/p/basics#q-established"' in page
    assert "Submit my answers" in page


def test_review_in_chinese_shows_values_in_chinese(client, mini):
    _, _, cn, _ = mini
    finish(client, cn)
    page = text_of(client.get("/respond/review"))
    assert "卫生" in page
    assert "是" in page


def test_submit_is_idempotent_and_the_form_becomes_read_only(client, session, mini):
    _, us, _, _ = mini
    finish(client, us)
    fields = browser_fields(text_of(client.get("/respond/review")))
    fields["_nav"] = "submit"
    first = client.post("/respond/review", data=fields)
    replay = client.post("/respond/review", data=fields)
    assert location(first) == location(replay) == "/respond/thanks"
    assert audit_count(session, "invitation.submit") == 1
    us = reload(session, us)
    assert us.state == "submitted"
    thanks = text_of(client.get("/respond/thanks"))
    assert "Your answers have been submitted." in thanks
    assert "That was all" not in thanks  # mini has no closing text
    assert "1985" in thanks
    assert not re.search(r'<input(?![^>]*type="hidden")', thanks)  # read-only: no answer fields
    assert location(client.get("/respond/p/basics")) == "/respond/thanks"
    before = stored(session, us)
    response = submit_page(client, "/respond/thanks", nav="")  # the language form works
    assert response.status_code == 303
    posted = client.post("/respond/p/basics", data={"established": "2000", "_v.established": "1"})
    assert location(posted) == "/respond/thanks"
    assert stored(session, us) == before


def test_submitted_link_shows_the_thank_you_page_never_a_form(client, app, session, mini):
    _, us, _, _ = mini
    finish(client, us)
    submit_page(client, "/respond/review", nav="submit")
    other = app.test_client()
    other.get(link_path(us))
    response = other.get("/respond/", follow_redirects=True)
    assert response.request.path == "/respond/thanks"
    assert "Your answers have been submitted." in text_of(response)


def test_closing_text_on_the_thank_you_page(client, session, make_round, tmp_path):
    path = tmp_path / "branching.yaml"
    path.write_text(BRANCHING, encoding="utf-8")
    round_ = make_round(pairs=1, questionnaire=path)
    invitation = rounds.invitation_rows(session, round_)[0].invitation
    first = start(client, invitation)
    submit_page(client, first, {"trade": "no"})
    submit_page(client, "/respond/p/last", {"remarks": "好的 👍"})
    submit_page(client, "/respond/review", nav="submit")
    page = text_of(client.get("/respond/thanks"))
    assert "That was all." in page
    assert "好的 👍" in page


# ---------------------------------------------------------------------------- decline, closed


def test_decline_after_confirmation(client, session, mini):
    _, us, _, _ = mini
    client.get(link_path(us))
    confirm = text_of(client.get("/respond/decline"))
    assert "Yes, I decline" in confirm
    response = submit_page(client, "/respond/decline", nav="decline")
    assert location(response) == "/respond/decline"
    us = reload(session, us)
    assert us.state == "declined"
    assert audit_count(session, "invitation.decline") == 1
    assert "Thank you for letting us know" in text_of(client.get("/respond/decline"))
    assert location(client.get("/respond/p/basics")) == "/respond/decline"
    assert client.get(link_path(us)).status_code == 404


def test_closed_round_gives_its_valid_links_the_closed_page(client, session, mini):
    """The closed page (tests/responding/test_closed.py), never the form; unknown links keep
    the generic message (TOK-02)."""
    round_, us, _, _ = mini
    rounds.set_state(session, round_, "closed")
    closed = client.get(link_path(us))
    unknown = client.get("/r/" + "A" * 43)
    assert (closed.status_code, unknown.status_code) == (410, 404)
    assert "These interviews have closed" in text_of(closed)
    assert "These interviews have closed" not in text_of(unknown)
    for tag in ('lang="en"', 'lang="zh-Hans"', 'lang="zh-Hant"'):
        assert tag in text_of(closed)


def test_a_round_closed_mid_way_stops_the_form(client, session, mini):
    round_, us, _, _ = mini
    first = start(client, us)
    rounds.set_state(session, session.get(Round, round_.id), "closed")
    assert client.get(first).status_code == 410


# ---------------------------------------------------------------------------- messages and flow


def test_every_answer_error_has_a_translatable_message_with_the_same_placeholders():
    assert set(ANSWER_MESSAGES) == set(ERROR_MESSAGES)
    placeholder = re.compile(r"%\((\w+)\)s")
    for code, english in ERROR_MESSAGES.items():
        ours = ANSWER_MESSAGES[code]._args[0]
        assert set(placeholder.findall(ours)) == set(placeholder.findall(english)), code


def test_flow_order_progress_and_resume():
    path = SISTER
    q = load_file(path)
    order = flow.pages(q, {})
    assert [s.key for s in order][:2] == ["respondent", "relationship"]
    assert flow.progress(order, "relationship") == flow.Progress(2, len(order))
    assert flow.neighbour(order, "respondent", -1) is None
    assert flow.neighbour(order, order[-1].key, +1) is None
    assert flow.resume_at(order, None, None) is None
    assert flow.resume_at(order, "trust", order[1]) == "relationship"
    assert flow.resume_at(order, flow.REVIEW, None) == flow.REVIEW
    assert flow.resume_at(order, "gone", None) == "respondent"
    assert flow.reachable(order, "relationship", order[1])
    assert not flow.reachable(order, "trust", order[1])


def test_flow_finds_references_to_other_pages():
    q = load_file(SISTER)
    politics = flow.section(q, "politics")
    assert "established" in flow.references_outside(politics)
    tree = flow.relevance_tree(q.question("students_count"))
    assert tree == ["=", ["ref", "student_exchange"], ["str", "yes"]]


def test_references_to_other_pages_include_required_if_and_roster_columns():
    """What the page script needs from other pages: a required_if's and a roster column's
    relevant and choice_filter too; a column key in a column's expression is its row's."""
    year = Question(key="year", type="integer", text={"en": "Year"}, relevant="${since} > 1")
    size = Question(
        key="size", type="integer", text={"en": "Size"}, required_if="${year} > ${founded}"
    )
    roster = Question(key="visits", type="roster", text={"en": "Visits"}, columns=(year, size))
    note = Question(key="why", type="text", text={"en": "Why"}, required_if="${partner} = 'y'")
    part = Section(key="p", title={"en": "P"}, questions=(roster, note))
    assert flow.references_outside(part) == {"since", "founded", "partner"}
    alone = dataclasses.replace(part, questions=(roster,))
    assert "year" not in flow.references_outside(alone)  # the row's own cell
