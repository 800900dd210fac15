"""Conditional required and the questionnaire's own required message, on the respondent's
page and on every save path."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.core.types import check_answer
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import location, start, submit_page

REQUIRED_IF = (
    Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "required_if.yaml"
)


@pytest.fixture
def partners(session, make_round):
    round_ = make_round(pairs=1, questionnaire=REQUIRED_IF)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return by_side["us"], q


def test_required_only_while_the_condition_holds(partners):
    _, q = partners
    name = q.question("partner_name")
    assert check_answer(name, None, {"has_partner": "no"}) is None
    assert check_answer(name, None, {"has_partner": "yes"}).code == "required"
    assert check_answer(name, "Lyon", {"has_partner": "yes"}) is None


def test_the_page_shows_the_questionnaires_own_message(client, partners):
    us, _ = partners
    path = start(client, us)
    response = submit_page(client, path, {"has_partner": "yes"})
    assert response.status_code == 200
    assert "Name the partner city, please." in text_of(response)
    response = submit_page(client, path, {"has_partner": "no"})
    assert response.status_code == 303
    assert location(response).endswith("/respond/review")


def test_the_message_is_in_the_respondents_language(client, partners):
    us, _ = partners
    path = start(client, us)
    submit_page(client, path, {}, nav="", _lang="zh_Hant")
    response = submit_page(client, path, {"has_partner": "yes"})
    assert "請寫出夥伴城市的名稱。" in text_of(response)
