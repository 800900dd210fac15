"""The session cookie is verified once per value, and still expires; CSRF tokens stay valid."""

from __future__ import annotations

import pytest
from flask import Flask, request, session
from flask_wtf.csrf import CSRFProtect
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from survey import signing


@pytest.fixture
def small() -> Flask:
    app = Flask(__name__)
    app.secret_key = "s" * 40
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    csrf = CSRFProtect(app)
    signing.init_app(app)

    @app.post("/valid")
    @csrf.exempt
    def valid() -> str:  # both verdicts: ours, and Flask-WTF's own
        token = request.form.get("csrf_token")
        return f"{signing.csrf_valid(token)} {signing._validated(token)}"

    @app.get("/set/<value>")
    def put(value: str) -> str:
        session["v"] = value
        return "ok"

    @app.get("/get")
    def get() -> str:
        return str(session.get("v"))

    @app.get("/nested/put")
    def put_nested() -> str:
        session["n"] = {"a": [1], "t": ("x", 2)}
        return "ok"

    @app.get("/nested/change")
    def change_nested() -> str:
        session["n"]["a"].append(2)  # in place: Flask sees no change and sends no cookie
        return str(session["n"])

    @app.get("/nested")
    def get_nested() -> str:
        return str(session.get("n"))

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


def test_a_request_changing_its_session_in_place_does_not_change_the_next_ones(small):
    client = small.test_client()
    client.get("/nested/put")
    cookie = _cookie(client)
    assert client.get("/nested").text == "{'a': [1], 't': ('x', 2)}"
    assert client.get("/nested/change").text == "{'a': [1, 2], 't': ('x', 2)}"
    assert _cookie(client) == cookie
    assert client.get("/nested").text == "{'a': [1], 't': ('x', 2)}"


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


def test_csrf_tokens_are_checked_as_flask_wtf_checks_them(small, monkeypatch):
    small.config["PERMANENT_SESSION_LIFETIME"] = 86400  # the session outlives the tokens here
    client, stranger = small.test_client(), small.test_client()
    token = client.get("/token").text
    other = stranger.get("/token").text

    def verdict(who, value):  # noqa: ANN001, ANN202
        return who.post("/valid", data={} if value is None else {"csrf_token": value}).text

    assert verdict(client, token) == "True True"
    assert verdict(client, token) == "True True"  # remembered, still valid
    for bad in (None, "", "garbage", token[:-3] + "abc", other):
        assert verdict(client, bad) == "False False", bad
    assert verdict(stranger, token) == "False False"  # another session's token
    with client.session_transaction() as stored:
        raw = stored["csrf_token"]
    now = signing._now()
    with monkeypatch.context() as later:  # a token signed two minutes from now
        later.setattr(TimestampSigner, "get_timestamp", lambda _self: now + 120)
        future = URLSafeTimedSerializer(small.secret_key, salt="wtf-csrf-token").dumps(raw)
    assert verdict(client, future) == "False False"
    monkeypatch.setattr(signing, "_now", lambda: now + 3601)  # the default limit is an hour
    assert verdict(client, token).startswith("False")
    small.config["WTF_CSRF_TIME_LIMIT"] = None  # no limit: any age
    monkeypatch.setattr(signing, "_now", lambda: now + 10 * 3600)
    assert verdict(client, token).startswith("True")
