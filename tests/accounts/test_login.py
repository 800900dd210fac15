"""Login, lockout, throttling, logout and session revocation (AUTH-02/03/04/06, CSRF-01)."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from survey.accounts.models import User
from survey.audit import AuditEntry
from survey.db import utcnow
from tests.fixtures.web import PASSWORD, csrf_token, login, text_of

WRONG = "The e-mail or password is wrong, or the account is locked."


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_login_then_study_list(client, make_user, session):
    user = make_user("ana@example.org")
    response = login(client, "ANA@example.org ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "ana@example.org" in text_of(client.get("/"))
    assert actions(session)[-1] == "user.login"
    assert session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    make_user("ben@example.org")
    wrong = text_of(login(client, "ben@example.org", "not the password"))
    unknown = text_of(login(client, "nobody@example.org", "not the password"))
    assert WRONG in wrong
    assert WRONG in unknown
    assert wrong.replace("ben@example.org", "X").count(WRONG) == unknown.count(WRONG)


def test_failures_lock_the_account_until_the_lockout_ends(client, make_user, app, session):
    make_user("cy@example.org")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert login(client, "cy@example.org", "bad password").status_code == 200
    assert WRONG in text_of(login(client, "cy@example.org", PASSWORD))  # locked: right one refused
    assert actions(session).count("user.login_failed") == app.config["LOGIN_MAX_ATTEMPTS"] + 1
    later = utcnow().timestamp() + (app.config["LOGIN_LOCKOUT_MINUTES"] + 1) * 60
    with time_machine.travel(later):
        assert login(client, "cy@example.org", PASSWORD).status_code == 302


def test_too_many_attempts_from_one_address_get_429(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", 3)
    make_user("di@example.org")
    statuses = [login(client, "di@example.org", "bad password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    blocked = login(client, "di@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in text_of(blocked)


def test_logout_revokes_the_cookie(client, make_user):
    make_user("ed@example.org")
    login(client, "ed@example.org")
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    client.set_cookie("session", stolen)  # replay the captured cookie
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_by_get_is_not_allowed(client, make_user):
    make_user("fa@example.org")
    login(client, "fa@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_session_changes_on_login(client, make_user):
    make_user("gu@example.org")
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, "gu@example.org")
    assert client.get_cookie("session").value != before


def test_post_without_csrf_token_is_refused_with_a_bilingual_page(client, make_user, session):
    make_user("ha@example.org")
    response = client.post("/login", data={"email": "ha@example.org", "password": PASSWORD})
    assert response.status_code == 400
    page = text_of(response)
    assert "This form has expired" in page
    assert "表单已过期" in page
    assert "表單已過期" in page
    assert "user.login" not in actions(session)


def test_token_of_another_session_is_refused(app, client, make_user):
    make_user("io@example.org")
    other = app.test_client()
    foreign = csrf_token(other, "/login")
    client.get("/login")
    response = client.post(
        "/login", data={"email": "io@example.org", "password": PASSWORD, "csrf_token": foreign}
    )
    assert response.status_code == 400


def test_idle_session_expires(client, make_user, app):
    make_user("ja@example.org")
    login(client, "ja@example.org")
    later = utcnow().timestamp() + (app.config["SESSION_IDLE_MINUTES"] + 1) * 60
    with time_machine.travel(later):
        assert client.get("/").status_code == 302


def test_disabled_user_loses_the_live_session(client, make_user, session):
    user = make_user("ka@example.org")
    login(client, "ka@example.org")
    session.get(User, user.id).is_active = False
    session.flush()
    assert client.get("/").status_code == 302


EVIL_TARGETS = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "////evil.example",
    "javascript:alert(1)",
    "http://other-host/",
    "/\tevil",
    "\\\\evil.example",
]


def test_next_only_follows_same_site_paths(app, make_user):
    make_user("lu@example.org")
    for target in EVIL_TARGETS:
        client = app.test_client()
        response = login(client, "lu@example.org", next=target)
        assert response.headers["Location"] == "/", target
    client = app.test_client()
    assert login(client, "lu@example.org", next="/questionnaires/").headers["Location"] == (
        "/questionnaires/"
    )


def test_login_page_keeps_next_from_the_redirect(client):
    response = client.get("/questionnaires/")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert 'value="/questionnaires/"' in page


def test_settings_change_language_and_time_zone(client, make_user, session):
    from survey.templating import local_time

    user = make_user("tz@example.org")
    login(client, user.email)
    token = csrf_token(client, "/account")
    response = client.post(
        "/account", data={"csrf_token": token, "language": "zh_Hant", "timezone": "Asia/Shanghai"}
    )
    assert response.status_code == 302
    saved = session.get(User, user.id)
    assert (saved.language, saved.timezone) == ("zh_Hant", "Asia/Shanghai")
    assert '<html lang="zh-Hant">' in text_of(client.get("/account"))
    bad = client.post(
        "/account", data={"csrf_token": token, "language": "xx", "timezone": "Mars/Base"}
    )
    assert bad.status_code == 200
    assert session.get(User, user.id).timezone == "Asia/Shanghai"
    import datetime as dt

    with client.application.test_request_context():
        from flask import g

        g.user = saved
        shown = local_time(dt.datetime(2009, 11, 1, 7, 30, tzinfo=dt.UTC))
    assert shown.startswith("2009-11-01 15:30")
    assert "UTC+0800" in shown
