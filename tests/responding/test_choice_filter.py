"""Cascading selects on the respondent's pages, without JavaScript: the options drawn are
those the filter offers given the saved and typed answers; an answer no longer offered
is refused with a message in the respondent's language, and nothing saved is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import location, start, stored, submit_page

CASCADE = Path(__file__).resolve().parents[1] / "core" / "fixtures" / "cascade.yaml"
NONE_YET = "No choice fits your earlier answers yet."
REFUSED = "This choice no longer fits your earlier answers."


@pytest.fixture
def us(session, make_round):
    round_ = make_round(pairs=1, questionnaire=CASCADE)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    assert q.question("city").choice_filter
    return by_side["us"]


def shown_codes(html: str, key: str) -> list[str]:
    """The codes of `key`'s options a person sees (a hidden label is not seen)."""
    found = re.finditer(r'<label( hidden)?><input type="\w+" name="(\w+)" value="([^"]+)"', html)
    return [m[3] for m in found if m[2] == key and not m[1] and m[3] not in ("dk", "rf")]


def test_before_the_province_no_city_is_offered(client, us):
    path = start(client, us)
    html = text_of(client.get(path))
    assert shown_codes(html, "province") == ["on", "bc"]
    assert shown_codes(html, "city") == []
    assert NONE_YET in html


def test_the_cities_offered_follow_the_province_chosen_on_the_same_page(client, session, us):
    path = start(client, us)
    response = submit_page(client, path, {"province": "on"})
    # the city had no option when the page was drawn: the page is shown again with them
    assert response.status_code == 200
    html = text_of(response)
    assert "brought up further questions" in html
    assert shown_codes(html, "city") == ["toronto", "ottawa"]
    assert f'<p class="help" data-none hidden>{NONE_YET}</p>' in html
    assert stored(session, us)["province"] == "on"


def test_the_next_page_filters_by_an_earlier_pages_answer(client, us):
    path = start(client, us)
    response = submit_page(client, path, {"province": "on", "city": "toronto"})
    assert response.status_code == 303
    html = text_of(client.get(location(response)))
    assert shown_codes(html, "district") == ["downtown", "yorkville"]
    # what the page script reads to filter live: the answer from the earlier page
    assert 'data-answers="{&#34;city&#34;: &#34;toronto&#34;}"' in html


def test_a_city_of_another_province_is_refused_and_nothing_saved_is_lost(client, session, us):
    path = start(client, us)
    assert submit_page(client, path, {"province": "on", "city": "toronto"}).status_code == 303
    # back on the page, the province changes but the city was left as it was
    response = submit_page(client, path, {"province": "bc", "city": "toronto"})
    assert response.status_code == 200
    html = text_of(response)
    assert REFUSED in html
    assert shown_codes(html, "city") == ["vancouver", "victoria"]
    assert 'value="toronto"' in html  # drawn, hidden: the script may offer it again
    assert not re.search(r'name="city" value="\w+"[^>]* checked', html)  # never sent again
    assert stored(session, us) == {"province": "bc", "city": "toronto"}  # kept until chosen again


def test_a_stale_city_keeps_the_respondent_from_the_review(client, session, us):
    path = start(client, us)
    assert submit_page(client, path, {"province": "on", "city": "toronto"}).status_code == 303
    submit_page(client, path, {"province": "bc", "city": "toronto"})
    response = client.get("/respond/review")
    while response.status_code == 303 and not location(response).endswith(path):
        response = client.get(location(response))
    assert location(response).endswith(path)  # sent back to the page with the stale city
    response = submit_page(client, path, {"city": "victoria"})
    assert response.status_code == 303
    assert stored(session, us)["city"] == "victoria"


def test_the_refusal_is_in_the_respondents_language(client, us):
    path = start(client, us)
    submit_page(client, path, {}, nav="", _lang="zh_Hant")
    html = text_of(submit_page(client, path, {"province": "bc", "city": "toronto"}))
    assert "此選項已不符合您先前的回答。" in html
    assert REFUSED not in html
