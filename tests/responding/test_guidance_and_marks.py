"""Interviewers' guidance (never shown to web respondents), the required mark of a
required_if question while its condition holds, and piping into choice labels, on the
respondent's page, the interviewer's entry page and the questionnaire preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.questionnaires.models import QuestionnaireVersion
from survey.responding.services import answers_of
from survey.rounds import services as rounds
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import location, start, submit_page

GUIDANCE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "guidance.yaml"
ADVICE = "Ask for the official name."
# A required_if question's mark is drawn hidden while its condition does not hold (the
# page script shows it live); shown while it does.
MARK = '<span class="required" data-mark><span aria-hidden="true">*</span>'
HIDDEN_MARK = '<span class="required" data-mark hidden><span aria-hidden="true">*</span>'


@pytest.fixture
def world(session, make_user, make_study, make_round):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=GUIDANCE)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    pair = rounds.round_pairs(session, round_)[0]
    entry = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    return owner, by_side["us"], entry, round_.questionnaire_version_id


def title_of(html: str, key: str) -> str:
    """The label or legend of a question's widget."""
    start = html.index(f'id="q-{key}"')
    closing = "</label>" if 'id="label-' in html[start : start + 300] else "</legend>"
    end = html.index(closing, start)
    return html[start:end]


def test_web_respondents_never_see_the_guidance(client, world):
    _, us, _, _ = world
    page = text_of(client.get(start(client, us)))
    assert "Your city" in page
    assert ADVICE not in page


def test_the_required_mark_follows_the_condition(client, world):
    _, us, _, _ = world
    path = start(client, us)
    title = title_of(text_of(client.get(path)), "partner_name")
    assert HIDDEN_MARK in title
    assert MARK not in title
    response = submit_page(client, path, {"has_partner": "yes"})
    html = text_of(response)
    assert MARK in title_of(html, "partner_name")  # the condition holds now
    assert "Questions marked * need an answer." in html
    response = submit_page(client, path, {"has_partner": "no"})
    assert response.status_code == 303
    title = title_of(text_of(client.get(path)), "partner_name")
    assert HIDDEN_MARK in title
    assert MARK not in title


def test_answers_are_piped_into_choice_labels_escaped(client, world):
    _, us, _, _ = world
    path = start(client, us)
    answers = {"home": "<b>Lyon</b>", "has_partner": "yes", "partner_name": "Nanjing & Co"}
    response = submit_page(client, path, answers)
    assert response.status_code == 303
    html = text_of(client.get(location(response)))
    assert 'value="partner" id="f-closer"> Nanjing &amp; Co</label>' in html
    assert "Which is closer to the sea than &lt;b&gt;Lyon&lt;/b&gt;?" in html
    assert "<b>Lyon</b>" not in html


def test_the_entry_page_shows_guidance_marks_and_piped_answers(client, world):
    owner, us, entry, _ = world
    path = start(client, us)
    submit_page(client, path, {"home": "Lyon", "has_partner": "yes", "partner_name": "<i>N</i>"})
    login(client, owner.email)
    html = text_of(client.get(entry))
    assert f"<strong>Interviewer guidance:</strong> {ADVICE}" in html
    assert MARK in title_of(html, "partner_name")
    assert "&lt;i&gt;N&lt;/i&gt;</label>" in html
    assert "<i>N</i>" not in html


def test_the_preview_shows_guidance_and_where_answers_are_piped(client, session, world):
    owner, _, _, version_id = world
    login(client, owner.email)
    row = session.get(QuestionnaireVersion, version_id)
    html = text_of(client.get(f"/questionnaires/{row.id}/preview?language=zh-Hant"))
    assert "請詢問正式名稱。" in html
    assert "[partner_name]</label>" in html


def test_a_read_only_choices_default_is_shown_never_stored(client, session, world):
    _, us, _, _ = world
    path = start(client, us)
    response = submit_page(client, path, {"home": "Lyon", "has_partner": "no"})
    assert response.status_code == 303
    html = text_of(client.get(location(response)))
    assert 'value="coast" id="f-region" checked disabled' in html  # displayed as chosen
    forged = submit_page(client, location(response), {"region": "inland"})
    assert forged.status_code == 303
    assert "region" not in answers_of(session, us)  # neither the default nor a forged value
