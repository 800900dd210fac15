"""Throttles behind a proxy, shared through Redis, and open when Redis is down (issue 15, F1).

A real Redis (database 1 by default; `SURVEY_TEST_REDIS_URL`), and a Redis URL
nobody listens on for the outage.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from urllib.parse import urlsplit

import pytest
from flask import Flask, request

from survey import create_app, throttle
from survey.accounts.authz import public
from tests.fixtures.web import SECRET, CommittingClient, login, text_of
from tests.responding.test_flow import link_path, make_mini

REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
NOBODY = "redis://127.0.0.1:9/1"  # the discard port: nothing answers there
FAILED_LINK = "/r/" + "Z" * 43


def _redis_reachable() -> bool:
    address = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def make_app(database_url, instance_path, connection):  # noqa: ANN001, ANN201
    """Apps on the test database with settings of their own (each a separate 'process')."""

    def make(**settings: object) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "SECRET_KEY": SECRET,
                "TOKEN_IP_LIMIT": 3,
                **settings,
            }
        )
        app.instance_path = str(instance_path)
        app.test_client_class = CommittingClient
        return app

    return make


@pytest.fixture
def redis_prefix():  # noqa: ANN201
    """A key prefix of this test's own in the shared Redis database, cleared afterwards."""
    prefix = f"survey-test-{secrets.token_hex(6)}"
    yield prefix
    throttle.Throttle(REDIS_URL, prefix=prefix).reset()


# ---------------------------------------------------------------------------- the store


@needs_redis
def test_redis_counts_are_shared_between_processes(redis_prefix):
    one = throttle.Throttle(REDIS_URL, redis_prefix)
    two = throttle.Throttle(REDIS_URL, redis_prefix)  # another process's connection
    assert one.hit("link", "203.0.113.5", 2, 60) is None
    assert two.hit("link", "203.0.113.5", 2, 60) is None
    wait = one.hit("link", "203.0.113.5", 2, 60)
    assert wait is not None
    assert 0 < wait <= 60
    assert two.over("link", "203.0.113.5", 2, 60) == pytest.approx(wait, abs=1)
    assert two.over("link", "203.0.113.6", 2, 60) is None  # per key
    assert two.over("login", "203.0.113.5", 2, 60) is None  # per throttle


def test_a_store_that_cannot_be_reached_lets_requests_through_and_says_so(caplog, monkeypatch):
    """Every request goes through; the first failure is logged at once, and then one line
    a minute says how many more there were (not a line per request under load)."""
    now = [1000.0]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: now[0])
    down = throttle.Throttle(NOBODY)
    with caplog.at_level(logging.WARNING, logger="survey.throttle"):
        assert [down.hit("login", "203.0.113.5", 1, 60) for _ in range(3)] == [None] * 3
        assert down.over("link", "203.0.113.5", 1, 60) is None
        now[0] += throttle.FAILURE_LOG_SECONDS
        assert down.over("link", "203.0.113.6", 1, 60) is None
    failures = [r.getMessage() for r in caplog.records if "store failed" in r.getMessage()]
    assert len(failures) == 2
    assert failures[0].startswith("throttle login not counted, its store failed")
    assert failures[1].startswith("throttle link not checked, its store failed")
    assert failures[1].endswith("(3 more failures since the last report)")
    assert {r.levelno for r in caplog.records if "store failed" in r.getMessage()} == {
        logging.WARNING
    }


def test_without_redis_the_counts_live_in_the_process():
    mine = throttle.Throttle(None)
    assert [mine.hit("autosave", "7", 2, 60) for _ in range(2)] == [None, None]
    assert mine.hit("autosave", "7", 2, 60) is not None
    assert throttle.Throttle(None).over("autosave", "7", 2, 60) is None  # another process


# ---------------------------------------------------------------------------- the app


@needs_redis
def test_two_app_processes_share_the_link_throttle_through_redis(
    make_app, session, make_round, redis_prefix
):
    _round, us, _cn, _q = make_mini(session, make_round)
    valid = link_path(us)  # (a request's rollback expires the test's objects)
    first, second = make_app(REDIS_URL=REDIS_URL), make_app(REDIS_URL=REDIS_URL)
    for app in (first, second):  # each its own connection, on this test's keys
        app.extensions[throttle.EXTENSION] = throttle.Throttle(REDIS_URL, redis_prefix)
    for app in (first, first, second):
        assert app.test_client().get(FAILED_LINK).status_code == 404
    assert second.test_client().get(valid).status_code == 429
    assert first.test_client().get(FAILED_LINK).status_code == 429


def test_with_redis_down_respondents_and_researchers_get_in_and_it_is_logged(
    make_app, session, make_round, make_user, caplog
):
    _round, us, _cn, _q = make_mini(session, make_round)
    valid, user = link_path(us), make_user()
    email = user.email
    app = make_app(REDIS_URL=NOBODY, LOGIN_IP_LIMIT=1)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="survey.throttle"):
        assert [client.get(FAILED_LINK).status_code for _ in range(5)] == [404] * 5
        assert client.get(valid).status_code == 303
        assert login(client, email, "wrong password").status_code == 200
        assert login(client, email).status_code == 302
    assert any("store failed" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------------------- behind a proxy


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(make_app, session, make_round):
    """SURVEY_TRUSTED_PROXIES=1: the proxy's X-Forwarded-For names the client (F1)."""
    _round, us, _cn, _q = make_mini(session, make_round)
    valid = link_path(us)
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request comes from the proxy

    def via(address: str, path: str) -> int:
        headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
        return client.get(path, headers=headers, environ_base=proxy).status_code

    assert [via("203.0.113.5", FAILED_LINK) for _ in range(3)] == [404] * 3
    assert via("203.0.113.5", FAILED_LINK) == 429
    assert via("203.0.113.5", valid) == 429
    assert via("198.51.100.7", valid) == 303  # another client behind the same proxy


def test_a_trusted_proxy_tells_https_apart_for_the_csrf_referer_check(make_app):
    app = make_app(TRUSTED_PROXIES=1)

    @app.get("/scheme")
    @public
    def scheme() -> str:
        return f"{request.scheme} {request.remote_addr}"

    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    assert text_of(client.get("/scheme", headers=headers)) == "https 203.0.113.5"


def test_without_trusted_proxies_a_forwarded_header_cannot_dodge_the_throttle(
    make_app, session, make_round
):
    """Off by default: a client naming other addresses is still counted by its own."""
    _round, us, _cn, _q = make_mini(session, make_round)
    client = make_app().test_client()
    statuses = [
        client.get(FAILED_LINK, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
