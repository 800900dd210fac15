"""AUTH-SESSIONS: a user sees where they are signed in and ends any session; an admin ends all.

Each sign-in has a row named by a random id in the signed cookie (stored hashed); a
request whose row is ended is signed out (AUTH-04's replay rule for one session).
"""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from survey.accounts.models import User, UserSession
from survey.audit import AuditEntry
from survey.db import utcnow
from tests.fixtures.web import csrf_token, login, text_of

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def actions(session) -> list[str]:  # noqa: ANN001
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def two_browsers(app, client, make_user):  # noqa: ANN001, ANN201
    user = make_user("ses@example.org")
    login(client, "ses@example.org")
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(other, "ses@example.org")
    return user, other


def test_the_page_lists_each_signed_in_browser(app, client, make_user, session):
    _user, _other = two_browsers(app, client, make_user)
    page = text_of(client.get("/account/sessions/"))
    assert page.count('class="govuk-summary-list__row session"') == 2
    assert "Firefox · Windows" in page
    assert "This browser" in page
    stored = session.scalars(select(UserSession.sid_hash)).all()
    cookie = client.get_cookie("session").value
    assert all(sid not in cookie for sid in stored)  # the cookie holds the id, the table a hash


def test_ending_another_session_signs_that_browser_out(app, client, make_user, session):
    _user, other = two_browsers(app, client, make_user)
    firefox = session.scalar(select(UserSession).where(UserSession.device.like("Firefox%")))
    token = csrf_token(client, "/account/sessions/")
    response = client.post(f"/account/sessions/{firefox.id}/end", data={"csrf_token": token})
    assert response.headers["Location"] == "/account/sessions/"
    assert other.get("/").status_code == 302  # signed out there
    assert client.get("/").status_code == 200  # not here
    assert "user.session_ended" in actions(session)


def test_ending_this_session_signs_out_here(client, make_user, session):
    make_user("self@example.org")
    login(client, "self@example.org")
    own = session.scalar(select(UserSession.id))
    token = csrf_token(client, "/account/sessions/")
    response = client.post(f"/account/sessions/{own}/end", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_end_every_other_session(app, client, make_user, session):
    _user, other = two_browsers(app, client, make_user)
    third = app.test_client()
    login(third, "ses@example.org")
    token = csrf_token(client, "/account/sessions/")
    assert (
        client.post("/account/sessions/end-others", data={"csrf_token": token}).status_code == 302
    )
    assert other.get("/").status_code == 302
    assert third.get("/").status_code == 302
    assert client.get("/").status_code == 200
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sessions_ended"))
    assert row.one().details["count"] == 2


def test_another_users_session_cannot_be_ended(app, client, make_user, session):
    make_user("a1@example.org")
    make_user("b1@example.org")
    login(client, "a1@example.org")
    theirs = app.test_client()
    login(theirs, "b1@example.org")
    users = {u.email: u.id for u in session.scalars(select(User))}
    row = session.scalar(select(UserSession).where(UserSession.user_id == users["b1@example.org"]))
    token = csrf_token(client, "/account/sessions/")
    assert (
        client.post(f"/account/sessions/{row.id}/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert theirs.get("/").status_code == 200


def test_last_seen_moves_on_every_few_minutes(client, make_user, session):
    make_user("seen@example.org")
    login(client, "seen@example.org")
    first = session.scalar(select(UserSession.last_seen_at))
    later = utcnow() + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        assert client.get("/").status_code == 200  # a GET: it begins as a writer to move it
    session.expire_all()
    moved = session.scalar(select(UserSession.last_seen_at))
    assert moved - first >= dt.timedelta(minutes=9)


def test_an_administrator_ends_every_session_of_a_user(app, client, make_user, runner, session):
    _user, other = two_browsers(app, client, make_user)
    result = runner.invoke(args=["user", "end-sessions", "ses@example.org"])
    assert result.exit_code == 0, result.output
    assert "Ended 2 sessions" in result.output
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302
    assert "user.sessions_ended_by_admin" in actions(session)


def test_a_cookie_from_before_the_sessions_table_is_refused(client, make_user):
    make_user("old@example.org")
    login(client, "old@example.org")
    with client.session_transaction() as cookie:
        cookie.pop("sid")
    assert client.get("/").status_code == 302


def test_sign_out_ends_the_rows_too(client, make_user, session):
    make_user("out@example.org")
    login(client, "out@example.org")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    session.expire_all()
    assert session.scalar(select(UserSession.ended_at)) is not None
    assert "user.logout" in actions(session)
