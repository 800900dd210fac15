"""FAULT-02 and MAIL-02 with a real crash: `survey mail send` killed (SIGKILL) at its named
points (survey/faults.py), on a scratch database of each backend, against a real SMTP
server on loopback. What must hold is docs/mail.md's "Unknown outcomes":

- killed before SMTP (a message claimed, nothing transmitted): once the lease has run
  out, the next run queues it again and sends it, once (MAIL-02 a);
- killed after the server accepted it, before the outcome was recorded (`sending`):
  the next run after the lease marks it `unknown`, with an audit row, and does not
  resend it; `survey mail requeue` sends it again with the same Message-ID (MAIL-02 b).

The other messages of the batch are sent exactly once either way. The run after the
crash passes `now=` to `send_pending` instead of waiting for the ten-minute lease.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.audit import AuditEntry
from survey.db import make_engine, utcnow, writing
from survey.rounds import mail
from survey.rounds.mail import send_pending
from survey.rounds.models import OutboxMessage
from tests.e2e.live import BACKENDS, scratch_database
from tests.e2e.served import LINK_KEY, survey_command, survey_environment
from tests.fixtures.smtp import Sink
from tests.fixtures.web import SECRET

pytestmark = pytest.mark.slow
MESSAGES = 4


@pytest.fixture(params=BACKENDS)
def outbox(request, tmp_path) -> Iterator[str]:
    """A scratch database with MESSAGES queued invitations; its URL."""
    with scratch_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        with writing(), Session(engine) as session, session.begin():
            session.add_all(
                OutboxMessage(
                    kind="invitation",
                    seq=1,
                    recipient=f"r{n}@example.org",
                    language="zh-Hans",
                    subject=f"诚邀参加访谈 {n}",
                    body_text="您好！\nhttps://survey.example.org/r/x",
                    state="queued",
                    attempts=0,
                    message_id=mail.new_message_id("survey@example.org"),
                )
                for n in range(MESSAGES)
            )
        engine.dispose()
        yield url


def survey_mail(url: str, sink: Sink, *arguments: str, **env: str) -> subprocess.CompletedProcess:
    """Run `survey mail …` as its own process, as the deployment's worker runs."""
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "LINK_KEY": LINK_KEY,
        "SMTP_HOST": sink.host,
        "SMTP_PORT": str(sink.port),
        "MAIL_FROM": "Survey Team <survey@example.org>",
    }
    environment = survey_environment(config, **env)
    command = survey_command("mail", *arguments)
    return subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def messages(url: str) -> list[OutboxMessage]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    finally:
        engine.dispose()


def run_later(url: str, sink: Sink) -> mail.SendReport:
    """The next run, after the lease of anything the killed worker held has run out."""
    engine = make_engine(url)
    try:
        return send_pending(engine, sink.config(), now=utcnow() + dt.timedelta(minutes=11))
    finally:
        engine.dispose()


def test_a_worker_killed_before_smtp_leaves_the_message_to_be_sent_once(outbox, smtp_sink):
    killed = survey_mail(outbox, smtp_sink, "send", SURVEY_FAULT_POINT="mail.before_smtp")
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert smtp_sink.received == []
    first, *others = messages(outbox)
    assert (first.state, first.attempts) == ("claimed", 1)
    assert {row.state for row in others} == {"queued"}

    report = run_later(outbox, smtp_sink)
    assert (report.sent, report.unknown_found) == (MESSAGES, 0)
    assert {row.state for row in messages(outbox)} == {"sent"}
    counts = smtp_sink.per_message_id()
    assert counts == {row.message_id: 1 for row in messages(outbox)}


def test_a_worker_killed_after_smtp_leaves_unknown_which_is_resent_only_on_request(
    outbox, smtp_sink
):
    killed = survey_mail(outbox, smtp_sink, "send", SURVEY_FAULT_POINT="mail.after_smtp")
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    first, *others = messages(outbox)
    assert smtp_sink.per_message_id() == {first.message_id: 1}  # accepted, not recorded
    assert first.state == "sending"
    assert {row.state for row in others} == {"queued"}

    report = run_later(outbox, smtp_sink)
    assert (report.sent, report.unknown_found) == (MESSAGES - 1, 1)
    first, *others = messages(outbox)
    assert first.state == "unknown"
    assert "Not resent automatically" in first.last_error
    assert {row.state for row in others} == {"sent"}
    assert smtp_sink.per_message_id() == {row.message_id: 1 for row in messages(outbox)}
    engine = make_engine(outbox)
    with Session(engine) as session:
        flagged = session.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == "mail.unknown")
        ).all()
    engine.dispose()
    assert flagged == [str(first.id)]
    assert run_later(outbox, smtp_sink).claimed == 0  # never resent by itself

    # A researcher decides: requeued, it goes out again with the same Message-ID.
    requeued = survey_mail(outbox, smtp_sink, "requeue", first.message_id)
    assert requeued.returncode == 0, requeued.stderr
    sent = survey_mail(outbox, smtp_sink, "send")
    assert sent.returncode == 0, sent.stderr
    assert "sent 1," in sent.stdout
    assert messages(outbox)[0].state == "sent"
    counts = smtp_sink.per_message_id()
    assert counts[first.message_id] == 2
    assert all(counts[row.message_id] == 1 for row in others)
