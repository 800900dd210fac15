"""INJ-01 (issue 15, F2): control characters and numbers past the database's are refused with a
400 page in the visitor's language on every URL, never a 500 — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.rounds import services as rounds
from tests.fixtures.web import csrf_token, filled_path, login, text_of

MINI = Path(__file__).resolve().parent / "fixtures" / "questionnaires" / "mini.yaml"
HOSTILE = ("a\x00b", "\x01", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85")
MESSAGE_EN = "invisible control characters"
MESSAGE_ZH = "不可见的控制字符，或数字过大"
HUGE = "99999999999999999999"  # past 2**63 - 1


@pytest.fixture
def world(session, make_user, make_study, make_round):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    pair = rounds.round_pairs(session, round_)[0]
    values = {
        "slug": study.slug,
        "round_slug": round_.slug,
        "code": pair.code,
        "pair_code": pair.code,
        "side_code": "us",
        "side": "us",
        "question": "sent",
        "user_id": str(owner.id),
        "respondent_id": "1",
        "action": "open",
        "version_id": str(round_.questionnaire_version_id),
        "key": "basics",
        "token": "not-a-link",
        "filename": "researcher.css",
        "device_id": "1",
        "session_id": "1",
        "discrepancy_id": "1",
        "token_id": "1",
    }
    return {"owner": owner, "values": values}


def urls(app, values, method):
    """Every route answering `method`, filled with real values (static files aside)."""
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.endpoint != "static":
            yield rule, filled_path(rule.rule, values)


def test_control_characters_in_the_query_get_a_400_page_on_every_url(app, client, world):
    login(client, world["owner"].email)
    checked = 0
    for rule, path in urls(app, world["values"], "GET"):
        for hostile in HOSTILE:
            response = client.get(path, query_string={"q": hostile, "kind": "city", "page": "1"})
            assert response.status_code < 500, (path, hostile, response.status_code)
            if not rule.endpoint.startswith("responding."):
                assert response.status_code == 400, (path, hostile, response.status_code)
                assert MESSAGE_EN in text_of(response), path
        checked += 1
    assert checked > 30
    # a parameter's name is checked too, and the filters the audit found
    slug = world["values"]["slug"]
    for name in ("q", "kind", "action", "status", "question", "x\x00"):
        response = client.get(f"/studies/{slug}/audit/", query_string={name: "a\x00"})
        assert response.status_code == 400, name


def test_the_message_is_in_the_visitors_language(client, world):
    login(client, world["owner"].email)
    client.get("/lang/zh_Hans?next=/")
    response = client.get("/", query_string={"q": "a\x00"})
    assert response.status_code == 400
    page = text_of(response)
    assert MESSAGE_ZH in page
    assert page.index(MESSAGE_ZH) < page.index(MESSAGE_EN)  # the visitor's language first


def test_control_characters_in_a_path_segment_get_a_400(client, world):
    login(client, world["owner"].email)
    for path in ("/studies/a%00b/", "/studies/a%00b/pairs/", "/studies/x/rounds/a%01/"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert MESSAGE_EN in text_of(response)


def test_a_nul_in_the_login_e_mail_is_a_400_not_a_500(client):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": "a\x00@example.org", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert MESSAGE_EN in text_of(response)


def test_control_characters_in_any_posted_field_get_a_400(app, client, world):
    """The add-member e-mail, a decision note and every other form of the researcher."""
    login(client, world["owner"].email)
    token = csrf_token(client, "/")
    posted = 0
    for rule, path in urls(app, world["values"], "POST"):
        if rule.endpoint.startswith("responding.") or rule.endpoint == "entry.enter":
            continue
        data = {"csrf_token": token, "email": "a\x00@example.org", "note": "n\x00", "name": "x"}
        response = client.post(path, data=data)
        assert response.status_code == 400, (path, response.status_code)
        posted += 1
    assert posted > 15


def test_lines_and_tabs_in_a_note_are_text_not_control_characters(client, world):
    login(client, world["owner"].email)
    response = client.get("/", query_string={"q": "line one\r\nline\ttwo"})
    assert response.status_code == 200


def test_answers_keep_their_own_field_errors(client, world, session):
    """The interviewer's entry form says which answer is wrong and keeps what was typed."""
    login(client, world["owner"].email)
    values = world["values"]
    path = f"/studies/{values['slug']}/rounds/{values['round_slug']}/entry/{values['code']}/us"
    page = text_of(client.get(path))
    assert 'name="comment"' in page
    data = dict(re.findall(r'type="hidden" name="(_v\.\w+)" value="(\d+)"', page))
    data.update(csrf_token=csrf_token(client, path), mode="phone", action="save")
    response = client.post(path, data={**data, "comment": "typed\x00here"})
    assert response.status_code == 422
    assert "Your answer contains invisible control characters" in text_of(response)
    assert "typed" in text_of(response)  # what was typed is shown again
    # the entry form's own reason field says so beside it, too
    response = client.post(path, data={**data, "reason": "why\x00", "comment": "fine"})
    assert "This text contains invisible control characters" in text_of(response)


def test_numbers_past_the_largest_id_are_not_found_or_refused(client, world):
    login(client, world["owner"].email)
    slug = world["values"]["slug"]
    assert client.get(f"/questionnaires/{HUGE}/").status_code == 404
    token = csrf_token(client, "/")
    removed = client.post(f"/studies/{slug}/members/{HUGE}/remove", data={"csrf_token": token})
    assert removed.status_code == 404
    for path in (f"/studies/{slug}/pairs/", f"/studies/{slug}/audit/", f"/studies/{slug}/members/"):
        response = client.get(path, query_string={"page": HUGE})
        assert response.status_code == 400, path


# ---------------------------------------------------------------- sizes (F6, FILE-03)


def test_a_url_encoded_body_past_the_form_limit_is_413(app, client):
    token = csrf_token(client, "/login")
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    big = {"csrf_token": token, "email": "a@example.org", "password": "x" * (limit + 1)}
    response = client.post("/login", data=big)
    assert response.status_code == 413
    assert "What you sent is too large." in text_of(response)
    # the same on a respondent's page, whose autosave is URL-encoded too
    assert client.post("/respond/autosave", data={"x": "y" * (limit + 1)}).status_code == 413
    # a form within the limit is read as before
    small = {"csrf_token": token, "email": "a@example.org", "password": "x"}
    assert client.post("/login", data=small).status_code == 200


def test_a_url_encoded_body_with_too_many_fields_is_413(app, client):
    token = csrf_token(client, "/login")
    many = "&".join(f"f{n}=" for n in range(app.config["MAX_FORM_PARTS"] + 1))
    response = client.post(
        "/login",
        data=f"csrf_token={token}&email=a%40example.org&password=x&{many}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


def test_csv_downloads_name_their_charset_once(client, world):
    login(client, world["owner"].email)
    slug = world["values"]["slug"]
    audit = client.get(f"/studies/{slug}/audit/", query_string={"format": "csv"})
    assert audit.status_code == 200
    assert audit.headers["Content-Type"] == "text/csv; charset=utf-8"
    token = csrf_token(client, f"/studies/{slug}/pairs/")
    pairs = client.post(
        f"/studies/{slug}/pairs/export", data={"csrf_token": token, "format": "csv"}
    )
    assert pairs.status_code == 200
    assert pairs.headers["Content-Type"] == "text/csv; charset=utf-8"
