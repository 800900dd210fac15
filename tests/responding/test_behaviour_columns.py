"""A drop-down (XLSForm's appearance minimal), a default and a read-only question on the
respondent's page, without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import start, submit_page

BEHAVIOUR = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "behaviour.yaml"


@pytest.fixture
def us(session, make_round):
    round_ = make_round(pairs=1, questionnaire=BEHAVIOUR)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    return by_side["us"]


def test_the_page_draws_a_drop_down_a_default_and_a_read_only_field(client, us):
    page = text_of(client.get(start(client, us)))
    assert '<select id="f-province" name="province">' in page
    assert '<option value="js">Jiangsu</option>' in page
    assert '<option value="dk">' in page  # the special answers come last in it
    assert 'name="country" value="China"' in page  # the default, not yet saved
    assert 'name="wave" value="2009"' in page
    assert 'name="wave" value="2009" type="text" inputmode="numeric" class="short" disabled' in page


def test_saving_takes_the_drop_down_and_the_default_but_never_a_read_only_value(
    client, session, us
):
    path = start(client, us)
    submit_page(client, path, {"province": "js", "wave": "1999"}, nav="save")
    assert answers.answers_of(session, us) == {"province": "js", "country": "China"}
    page = text_of(client.get(path))
    assert '<option value="js" selected>Jiangsu</option>' in page


def test_a_wrong_choice_in_the_drop_down_is_refused(client, session, us):
    path = start(client, us)
    response = submit_page(client, path, {"province": "tibet"})
    assert response.status_code == 200
    assert "Choose one of the options offered." in text_of(response)
    assert "province" not in answers.answers_of(session, us)
