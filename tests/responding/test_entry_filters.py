"""Interviewer entry with cascading selects and conditional required marks, without
JavaScript: the options drawn are those the filter offers given the saved answers, or
what the interviewer typed when a save was refused; the page carries what the page
script needs to follow the answers live (its trees, the answers not on the page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.responding.services import answers_of
from survey.rounds import services as rounds
from tests.fixtures.web import csrf_token, login, text_of
from tests.responding.test_choice_filter import CASCADE, NONE_YET, REFUSED, shown_codes

REQUIRED_IF = (
    Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "required_if.yaml"
)
MARK = '<span class="required" data-mark><span aria-hidden="true">*</span>'
HIDDEN_MARK = '<span class="required" data-mark hidden><span aria-hidden="true">*</span>'


@pytest.fixture
def entering(client, session, make_user, make_study, make_round):
    """Log in as the study's owner; → make(questionnaire) giving (entry path, invitation)."""
    owner = make_user()
    study = make_study(owner=owner)
    login(client, owner.email)

    def make(questionnaire: Path) -> tuple[str, object]:
        round_ = make_round(study, pairs=1, questionnaire=questionnaire)
        pair = rounds.round_pairs(session, round_)[0]
        rows = rounds.invitation_rows(session, round_)
        us = next(r.invitation for r in rows if r.side.code == "us")
        return f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us", us

    return make


def enter(client, path: str, answers: dict[str, str]):  # noqa: ANN201
    versions = {f"_v.{key}": "0" for key in ("province", "city", "district")}
    data = {"csrf_token": csrf_token(client, path), "mode": "phone", "action": "save"}
    return client.post(path, data={**data, **versions, **answers})


def test_no_city_is_offered_before_the_province(client, entering):
    path, _ = entering(CASCADE)
    html = text_of(client.get(path))
    assert shown_codes(html, "province") == ["on", "bc"]
    assert shown_codes(html, "city") == []
    assert NONE_YET in html
    assert 'value="vancouver"' in html  # drawn hidden: the page script offers it live
    assert "respondent.js" in html
    assert 'data-filter="' in html


def test_the_cities_offered_follow_the_saved_province(client, session, entering):
    path, us = entering(CASCADE)
    assert enter(client, path, {"province": "bc"}).status_code == 302
    html = text_of(client.get(path))
    assert shown_codes(html, "city") == ["vancouver", "victoria"]
    assert shown_codes(html, "district") == ["downtown"]  # no city yet: only "any city"
    assert answers_of(session, us) == {"province": "bc"}


def test_a_city_of_another_province_is_refused_and_the_redraw_follows_what_was_typed(
    client, session, entering
):
    path, us = entering(CASCADE)
    assert enter(client, path, {"province": "on", "city": "toronto"}).status_code == 302
    response = enter(client, path, {"province": "bc", "city": "toronto"})
    assert response.status_code == 422
    html = text_of(response)
    assert REFUSED in html
    assert shown_codes(html, "city") == ["vancouver", "victoria"]  # as typed: British Columbia
    assert not re.search(r'name="city" value="toronto"[^>]* checked', html)
    assert re.search(r'name="province" value="bc"[^>]* checked', html)  # what was typed stays
    # an entry is saved whole or not at all: what was saved before is kept as it was
    assert answers_of(session, us) == {"province": "on", "city": "toronto"}


def test_the_answers_not_on_a_follow_up_page_are_given_to_the_script(client, entering):
    path, _ = entering(CASCADE)
    html = text_of(client.get(path))
    assert 'id="page"' in html
    assert 'data-answers="{}"' in html


def test_the_required_mark_follows_the_saved_condition(client, entering):
    path, _ = entering(REQUIRED_IF)
    html = text_of(client.get(path))
    assert HIDDEN_MARK in html
    assert MARK not in html
    assert 'data-required-if="' in html  # the page script shows it as the answer changes
    for answer, shown in (("yes", True), ("no", False)):
        data = {"csrf_token": csrf_token(client, path), "mode": "phone", "action": "save"}
        typed = {"_v.has_partner": "1" if answer == "no" else "0", "has_partner": answer}
        assert client.post(path, data={**data, **typed}).status_code == 302
        html = text_of(client.get(path))
        assert (MARK in html) is shown
        assert (HIDDEN_MARK in html) is not shown
