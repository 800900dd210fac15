"""ACL-01/02: every study URL refuses members of other studies, anonymous visitors and,
for writes, viewers — enumerated from the URL map, so a new route is covered at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.rounds import services as rounds
from tests.fixtures.web import csrf_token, filled_path, login

MINI = Path(__file__).resolve().parent / "fixtures" / "questionnaires" / "mini.yaml"
SAMPLE = {
    "code": None,
    "pair_code": None,
    "side_code": "us",
    "side": "us",
    "question": "sent",
    "round_slug": None,
    "user_id": "1",
    "respondent_id": "1",
    "action": "open",
    "token_id": "1",
}


@pytest.fixture
def world(session, make_user, make_study, make_round):
    outsider, viewer = make_user(), make_user()
    study = make_study(members={viewer: "viewer"})
    make_study(owner=outsider)
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    pair = rounds.round_pairs(session, round_)[0]
    values = {
        **SAMPLE,
        "slug": study.slug,
        "round_slug": round_.slug,
        "code": pair.code,
        "pair_code": pair.code,
    }
    return {"outsider": outsider, "viewer": viewer, "values": values, "study": study}


def study_urls(app, values):
    """(method, path) of every route under /studies/<slug>/, filled with real values."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/studies/<slug>"):
            continue
        path = filled_path(rule.rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_outsiders_get_404_on_every_study_url(app, client, world):
    login(client, world["outsider"].email)
    token = csrf_token(client, "/")
    urls = list(study_urls(app, world["values"]))
    assert len(urls) > 30
    for method, path in urls:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path, response.status_code)


def test_anonymous_visitors_are_sent_to_login(app, client, world):
    for method, path in study_urls(app, world["values"]):
        if method == "GET":
            response = client.get(path)
            assert response.status_code == 302, path
            assert "/login" in response.headers["Location"]


# A member's own credentials, not the study's data: every member makes and revokes their
# own API tokens (tests/api/test_token_page.py holds that a viewer gets read tokens only
# and cannot touch another member's).
OWN_CREDENTIALS = ("/tokens/",)


def test_viewers_cannot_write_anything(app, client, world):
    login(client, world["viewer"].email)
    token = csrf_token(client, "/")
    for method, path in study_urls(app, world["values"]):
        if method == "POST" and not any(own in path for own in OWN_CREDENTIALS):
            response = client.post(path, data={"csrf_token": token})
            assert response.status_code in (403, 404), (path, response.status_code)
