"""AUTH-RESET: password reset by e-mail (and AUTH-07: the link on BASE_URL, not the Host).

A single-use, 30-minute link whose token is stored as SHA-256; asking looks the same
whether the account exists or not; the reset ends every session of the account. The
message goes through the outbox to a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey.accounts.models import PasswordReset
from survey.audit import AuditEntry
from survey.db import utcnow
from survey.rounds.mail import send_pending
from survey.rounds.models import OutboxMessage
from tests.fixtures.smtp import Sink
from tests.fixtures.web import csrf_token, login, text_of

NEW = "a brand new pass phrase"
SENT = "If an account uses this address"


def ask(client, email: str, **headers: str):  # noqa: ANN001, ANN201
    token = csrf_token(client, "/login/forgot")
    return client.post("/login/forgot", data={"email": email, "csrf_token": token}, headers=headers)


def link_in_outbox(session) -> str:  # noqa: ANN001
    session.expire_all()
    body = session.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id)).all()[-1]
    return re.search(r"https?://\S+/login/reset/\S+", body).group(0)


def choose(client, link: str, password: str = NEW, again: str | None = None):  # noqa: ANN001, ANN201
    path = link.split("://", 1)[1].split("/", 1)[1]
    opened = client.get("/" + path)
    assert opened.headers["Location"] == "/login/reset"  # the token leaves the address bar
    token = csrf_token(client, "/login/reset")
    data = {"password": password, "again": again or password, "csrf_token": token}
    return client.post("/login/reset", data=data)


def test_asking_looks_the_same_for_unknown_addresses(client, make_user, session):
    make_user("known@example.org")
    known = ask(client, "known@example.org")
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert SENT in text_of(known)
    assert text_of(known).replace("known@example.org", "X") == text_of(unknown).replace(
        "nobody@example.org", "X"
    )
    assert session.scalar(select(OutboxMessage.recipient)) == "known@example.org"
    assert len(session.scalars(select(OutboxMessage.id)).all()) == 1


def test_the_link_sets_a_new_password_once_and_ends_every_session(app, client, make_user, session):
    make_user("re@example.org")
    signed_in = app.test_client()
    login(signed_in, "re@example.org")
    ask(client, "re@example.org")
    link = link_in_outbox(session)
    token = link.rsplit("/", 1)[1]
    assert (
        session.scalar(select(PasswordReset.token_hash))
        == hashlib.sha256(token.encode()).hexdigest()
    )
    assert token not in str(session.scalars(select(AuditEntry.details)).all())
    done = choose(client, link)
    assert done.headers["Location"] == "/login"
    assert signed_in.get("/").status_code == 302  # the other session ended
    assert login(client, "re@example.org", NEW).status_code == 302
    other = app.test_client()
    other.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    again = other.get("/login/reset")
    assert again.status_code == 410  # used: no second time
    assert "expired or was used" in text_of(again)
    assert "user.password_reset" in session.scalars(select(AuditEntry.action)).all()


def test_the_link_dies_after_30_minutes(client, make_user, session):
    make_user("late@example.org")
    ask(client, "late@example.org")
    link = link_in_outbox(session)
    with time_machine.travel(utcnow() + dt.timedelta(minutes=31), tick=False):
        path = "/" + link.split("://", 1)[1].split("/", 1)[1]
        client.get(path)
        response = client.get("/login/reset")
        assert response.status_code == 410
        assert "expired or was used" in text_of(response)


def test_a_weak_or_mismatched_password_keeps_the_link(client, make_user, session):
    make_user("weak@example.org")
    ask(client, "weak@example.org")
    link = link_in_outbox(session)
    assert "Use at least 8 characters" in text_of(choose(client, link, "short"))
    assert "The two passwords differ" in text_of(choose(client, link, NEW, "something else"))
    assert choose(client, link).status_code == 302


def test_a_made_up_token_is_refused(client):
    client.get("/login/reset/" + "x" * 43)
    assert client.get("/login/reset").status_code == 410


def test_the_link_uses_the_configured_address_not_the_host(client, make_user, session, app):
    make_user("host@example.org")
    ask(client, "host@example.org", **{"X-Forwarded-Host": "evil.example"})
    link = link_in_outbox(session)
    assert link.startswith(app.config["BASE_URL"].rstrip("/") + "/login/reset/")
    assert "evil.example" not in link


@pytest.fixture
def factory(connection) -> sessionmaker[Session]:  # noqa: ANN001
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def test_the_message_reaches_the_mail_server(client, make_user, session, factory, smtp_sink: Sink):
    make_user("smtp@example.org")
    ask(client, "smtp@example.org")
    session.commit()
    assert send_pending(factory, smtp_sink.config()).sent == 1
    (received,) = smtp_sink.received
    assert received.recipient == "smtp@example.org"
    assert "/login/reset/" in received.message.get_content()
    assert "30" in received.message.get_content()
