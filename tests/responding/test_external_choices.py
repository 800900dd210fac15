"""An XLSForm's `select_one_external` on the respondent's page: its choices, read from the
external_choices sheet at import, are offered as its choice_filter lets them through."""

from __future__ import annotations

import pytest

from survey.core.loader import dump_yaml
from survey.core.xlsform import load_xlsform
from survey.rounds import services as rounds
from tests.core.test_xlsform_external import write_book
from tests.fixtures.web import text_of
from tests.responding.test_choice_filter import shown_codes
from tests.responding.test_flow import start, stored, submit_page

LANGUAGES = ("label::English (en)", "label::Chinese (zh-Hans)", "label::Chinese (zh-TW)")
SURVEY = (
    ("type", "name", *LANGUAGES, "choice_filter", "required"),
    ("select_one states", "state", "State", "州", "州", None, "yes"),
    ("select_one_external counties", "county", "County", "县", "縣", "state=${state}", None),
)
STATES = (
    ("list_name", "name", *LANGUAGES),
    ("states", "texas", "Texas", "得州", "德州"),
    ("states", "washington", "Washington", "华州", "華州"),
)
COUNTIES = (
    ("list_name", "name", *LANGUAGES, "state"),
    ("counties", "king", "King", "金", "金", "washington"),
    ("counties", "pierce", "Pierce", "皮尔斯", "皮爾斯", "washington"),
    ("counties", "cameron", "Cameron", "卡梅伦", "卡梅倫", "texas"),
)


@pytest.fixture
def us(session, make_round, tmp_path):
    q = load_xlsform(write_book(tmp_path / "counties.xlsx", SURVEY, STATES, COUNTIES))
    path = tmp_path / "counties.yaml"
    path.write_text(dump_yaml(q), encoding="utf-8")
    round_ = make_round(pairs=1, questionnaire=path)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    return by_side["us"]


def test_the_counties_offered_follow_the_state_chosen(client, session, us):
    path = start(client, us)
    html = text_of(client.get(path))
    assert shown_codes(html, "state") == ["texas", "washington"]
    assert shown_codes(html, "county") == []
    html = text_of(submit_page(client, path, {"state": "washington"}))
    assert shown_codes(html, "county") == ["king", "pierce"]
    response = submit_page(client, path, {"state": "texas", "county": "cameron"})
    assert response.status_code == 303
    assert stored(session, us) == {"state": "texas", "county": "cameron"}
