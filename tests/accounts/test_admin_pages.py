"""The administrators' Accounts page: every account with its two-factor state and sessions;
require two-factor sign-in of every account, end all sessions of a user, turn off a user's
two-factor sign-in after a confirmation. Administrators only; every action audited with the
administrator as the actor, CSRF on every form."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey.accounts import two_factor
from survey.accounts.models import User, UserSession
from survey.audit import AuditEntry
from tests.accounts.test_two_factor import enrol
from tests.fixtures.web import csrf_token, login, text_of

PAGE = "/admin/users/"


def audited(session, action: str) -> list[AuditEntry]:  # noqa: ANN001
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def row_of(html: str, email: str) -> str:
    rows = [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S) if email in r]
    assert len(rows) == 1, email
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0]))


def test_only_administrators_see_the_accounts_page(app, client, make_user):
    make_user("plain@example.org")
    assert client.get(PAGE).status_code == 302  # signed out: to the sign-in page
    login(client, "plain@example.org")
    assert client.get(PAGE).status_code == 403
    assert "/admin/users/" not in text_of(client.get("/"))  # and no link to it
    for path in ("/admin/two-factor", "/admin/users/1/end-sessions"):
        refused = client.post(path, data={"csrf_token": csrf_token(client, "/")})
        assert refused.status_code == 403, path


def test_the_page_lists_every_account_with_two_factor_and_sessions(app, client, make_user, session):
    make_user("boss@example.org", role="admin")
    make_user("ana@example.org").name = "Ana Analyst"
    session.commit()
    other = app.test_client()
    login(other, "ana@example.org")
    login(client, "boss@example.org")
    enrol(client)
    html = text_of(client.get(PAGE))
    assert 'href="/admin/users/"' in text_of(client.get("/account"))  # linked from settings
    ana = row_of(html, "ana@example.org")
    assert "Ana Analyst" in ana
    assert "researcher" in ana
    assert " off " in ana
    assert re.search(r"\b1\b", ana)  # one active session
    boss = row_of(html, "boss@example.org")
    assert "administrator" in boss
    assert " on " in boss
    assert "you" in boss


def test_an_admin_ends_every_session_of_a_user(app, client, make_user, session):
    admin = make_user("boss@example.org", role="admin")
    user = make_user("leaver@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "leaver@example.org")
    login(phone, "leaver@example.org")
    login(client, "boss@example.org")
    token = csrf_token(client, PAGE)
    assert client.post(f"/admin/users/{user.id}/end-sessions").status_code == 400  # no CSRF
    assert laptop.get("/").status_code == 200
    ended = client.post(f"/admin/users/{user.id}/end-sessions", data={"csrf_token": token})
    assert ended.headers["Location"] == PAGE
    assert "2 sessions of leaver@example.org ended." in text_of(client.get(PAGE))
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get(PAGE).status_code == 200  # the admin's own session goes on
    rows = audited(session, "user.sessions_ended_by_admin")
    assert [(r.actor_user_id, r.object_id) for r in rows] == [(admin.id, str(user.id))]
    live = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert all(row.ended_at is not None for row in live)
    assert (
        client.post("/admin/users/999999/end-sessions", data={"csrf_token": token}).status_code
        == 404
    )


def test_requiring_two_factor_of_every_account_sends_each_to_set_it_up(
    app, client, make_user, session
):
    make_user("boss@example.org", role="admin")
    make_user("later@example.org")
    login(client, "boss@example.org")
    token = csrf_token(client, PAGE)
    assert client.post("/admin/two-factor", data={"required": "y"}).status_code == 400
    assert not two_factor.required_for_all(session)  # no CSRF token: nothing changes
    saved = client.post("/admin/two-factor", data={"csrf_token": token, "required": "y"})
    assert saved.headers["Location"] == PAGE
    assert two_factor.required_for_all(session)
    assert "required of every account" in text_of(client.get(PAGE))
    assert len(audited(session, "user.two_factor_required")) == 1
    other = app.test_client()
    signed = login(other, "later@example.org")
    assert signed.headers["Location"] == "/login/enrol"  # set it up before anything else
    client.post("/admin/two-factor", data={"csrf_token": token})  # the box left empty
    assert not two_factor.required_for_all(session)
    assert len(audited(session, "user.two_factor_not_required")) == 1


def test_turning_off_a_users_two_factor_is_confirmed_first_and_ends_their_sessions(
    app, client, make_user, session
):
    admin = make_user("boss@example.org", role="admin")
    user = make_user("lost@example.org")
    phone = app.test_client()
    login(phone, "lost@example.org")
    enrol(phone)
    login(client, "boss@example.org")
    confirm = client.get(f"/admin/users/{user.id}/reset-two-factor")
    assert confirm.status_code == 200
    shown = text_of(confirm)
    assert "lost@example.org" in shown
    assert "recovery codes" in shown
    assert two_factor.is_enabled(session, user)  # nothing happens on the GET
    token = csrf_token(client, f"/admin/users/{user.id}/reset-two-factor")
    done = client.post(f"/admin/users/{user.id}/reset-two-factor", data={"csrf_token": token})
    assert done.headers["Location"] == PAGE
    session.expire_all()
    assert not two_factor.is_enabled(session, session.get(User, user.id))
    assert phone.get("/").status_code == 302
    rows = audited(session, "user.two_factor_reset")
    assert [(r.actor_user_id, r.object_id) for r in rows] == [(admin.id, str(user.id))]
    gone = client.get(f"/admin/users/{user.id}/reset-two-factor")
    assert gone.status_code == 404  # nothing left to turn off


def test_the_accounts_page_in_chinese(client, make_user):
    make_user("boss@example.org", role="admin")
    login(client, "boss@example.org")
    client.get("/lang/zh_Hant?next=/")
    shown = text_of(client.get(PAGE))
    assert "帳號" in shown
    client.get("/lang/zh_Hans?next=/")
    assert "账号" in text_of(client.get(PAGE))
