"""The session cookie is verified once per value, and still expires; CSRF tokens stay valid."""

from __future__ import annotations

import pytest
from flask import Flask, session
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

from survey import signing


@pytest.fixture
def small() -> Flask:
    app = Flask(__name__)
    app.secret_key = "s" * 40
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    CSRFProtect(app)
    signing.init_app(app)

    @app.get("/set/<value>")
    def put(value: str) -> str:
        session["v"] = value
        return "ok"

    @app.get("/get")
    def get() -> str:
        return str(session.get("v"))

    @app.get("/token")
    def token() -> str:
        return signing.csrf_token()

    @app.post("/check")
    def check() -> str:
        return "checked"

    return app


def _cookie(client) -> str:  # noqa: ANN001
    return client.get_cookie("session").value


def test_a_cookie_opens_its_session_every_time_and_is_verified_once(small, monkeypatch):
    verified = []
    verify = signing.CookieSessions._verify

    def counted(self, serializer, value):  # noqa: ANN001, ANN202
        verified.append(value)
        return verify(self, serializer, value)

    monkeypatch.setattr(signing.CookieSessions, "_verify", counted)
    client = small.test_client()
    client.get("/set/first")
    assert [client.get("/get").text for _ in range(3)] == ["first"] * 3
    assert verified == [_cookie(client)]
    client.get("/set/second")  # a new value is verified in its turn
    assert client.get("/get").text == "second"
    assert verified[-1] == _cookie(client)
    assert len(verified) == 2


def test_a_tampered_or_foreign_cookie_opens_an_empty_session(small):
    client = small.test_client()
    client.get("/set/mine")
    good = _cookie(client)
    assert client.get("/get").text == "mine"
    for bad in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "garbage", good + "x"):
        client.set_cookie("session", bad)
        assert client.get("/get").text == "None", bad
    other = Flask(__name__)
    other.secret_key = "another key, another site" * 2
    signed = URLSafeTimedSerializer(other.secret_key, salt="cookie-session").dumps({"v": "forged"})
    client.set_cookie("session", signed)
    assert client.get("/get").text == "None"


def test_a_remembered_cookie_still_expires_and_is_never_from_the_future(small, monkeypatch):
    client = small.test_client()
    client.get("/set/kept")
    assert client.get("/get").text == "kept"  # verified and remembered
    now = signing._now()
    monkeypatch.setattr(signing, "_now", lambda: now + 61)  # the lifetime is 60 s
    assert client.get("/get").text == "None"
    monkeypatch.setattr(signing, "_now", lambda: now - 5)
    assert client.get("/get").text == "None"
    monkeypatch.setattr(signing, "_now", lambda: now + 30)
    assert client.get("/get").text == "kept"


def test_a_new_secret_key_refuses_old_cookies_unless_kept_as_a_fallback(small):
    client = small.test_client()
    client.get("/set/old")
    assert client.get("/get").text == "old"
    old_key = small.secret_key
    small.secret_key = "a rotated secret key, long enough" * 2
    assert client.get("/get").text == "None"
    small.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get("/get").text == "old"


def test_csrf_tokens_are_signed_once_a_second_and_validate(small, monkeypatch):
    client = small.test_client()
    now = signing._now()
    monkeypatch.setattr(signing, "_now", lambda: now)  # one second, however long this takes
    first, second = client.get("/token").text, client.get("/token").text
    assert first == second
    with client.session_transaction() as stored:
        raw = stored["csrf_token"]
    serializer = URLSafeTimedSerializer(small.secret_key, salt="wtf-csrf-token")
    assert serializer.loads(first, max_age=3600) == raw
    assert client.post("/check", data={"csrf_token": first}).status_code == 200
    assert client.post("/check", data={"csrf_token": "forged"}).status_code == 400
    stranger = small.test_client()  # another session: its own raw token
    assert stranger.post("/check", data={"csrf_token": first}).status_code == 400


def test_csrf_tokens_follow_a_separate_csrf_secret(small):
    small.config["WTF_CSRF_SECRET_KEY"] = "a key for CSRF tokens only" * 2
    client = small.test_client()
    token = client.get("/token").text
    URLSafeTimedSerializer(small.config["WTF_CSRF_SECRET_KEY"], salt="wtf-csrf-token").loads(token)
    assert client.post("/check", data={"csrf_token": token}).status_code == 200
