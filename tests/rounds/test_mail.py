"""The outbox and the sending worker against a real SMTP server on loopback (QUALITY.md MAIL-01…03).

Single-worker tests run inside the test's rolled-back transaction: the worker gets
a session factory on the test connection, so its commits are savepoints. The
two-worker test needs real commits and real locks, so it builds its own engines,
commits its rows and deletes them afterwards.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from survey.audit import AuditEntry
from survey.db import make_engine, utcnow, writing
from survey.errors import ServiceError
from survey.rounds import mail
from survey.rounds.mail import queue_message, requeue_unknown, send_pending, smtp, worker
from survey.rounds.mail_cli import mail_group
from survey.rounds.models import Invitation, OutboxMessage
from tests.fixtures.database import TEST_DATABASE_URL, build_schema
from tests.fixtures.smtp import *  # noqa: F403  (the lead adds the module to pytest_plugins)
from tests.fixtures.smtp import Sink

SUBJECT_ZH = "诚邀参加友好城市关系访谈"


@pytest.fixture
def factory(connection) -> sessionmaker[Session]:
    """Worker sessions on the test's connection: their commits are savepoints, rolled back."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def queue_many(session, count: int, *, start: int = 0, **fields) -> list[OutboxMessage]:  # noqa: ANN001
    rows = [
        queue_message(
            session,
            kind=fields.get("kind", "notice"),
            recipient=f"r{n}@example.org",
            language=fields.get("language", "zh-Hans"),
            subject=fields.get("subject", SUBJECT_ZH),
            body=fields.get("body", f"您好！第{n}号。\nhttps://survey.example.org/r/{n}"),
        )
        for n in range(start, start + count)
    ]
    session.commit()
    return rows


def drain(factory, config, **kwargs) -> list[mail.SendReport]:  # noqa: ANN001
    """Run the worker until a batch finds nothing more to claim."""
    reports = []
    for _ in range(50):
        reports.append(send_pending(factory, config, limit=kwargs.pop("limit", 100), **kwargs))
        if reports[-1].claimed == 0:
            return reports
    raise AssertionError("the outbox did not drain")


def states(session) -> dict[str, int]:  # noqa: ANN001
    session.expire_all()
    return mail.outbox_counts(session)


def rows(session) -> list[OutboxMessage]:  # noqa: ANN001
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# -- queueing ------------------------------------------------------------------------------


def test_queue_is_idempotent_per_invitation_kind_and_seq(session, make_round):
    round_ = make_round(pairs=1)
    invitation = session.scalars(select(Invitation).where(Invitation.round_id == round_.id)).first()
    fields = dict(
        kind="invitation",
        recipient="a@example.org",
        language="en",
        subject="Hi",
        body="Body",
        invitation_id=invitation.id,
        study_id=round_.study_id,
    )
    first = queue_message(session, **fields)
    again = queue_message(session, **{**fields, "subject": "Changed"})
    assert again.id == first.id
    assert again.subject == "Hi"  # the first queued text wins; a resend needs a new seq
    reminder = queue_message(session, **{**fields, "kind": "reminder"})
    second = queue_message(session, **{**fields, "kind": "reminder", "seq": 2})
    assert len({first.id, reminder.id, second.id}) == 3
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.queue")).first()
    assert entry.study_id == round_.study_id
    assert entry.details["message_id"] == first.message_id
    assert "a@example.org" not in str(entry.details)  # addresses stay out of the audit log
    assert mail.outbox_counts(session, round_id=round_.id)["queued"] == 3
    assert mail.outbox_counts(session, study_id=round_.study_id)["queued"] == 3
    assert mail.outbox_counts(session, study_id=round_.study_id + 1000)["queued"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recipient", "bob@example.org\r\nBcc: x@y.example"),
        ("recipient", "bob@example.org\nBcc: x@y.example"),
        ("subject", "Hello\r\nBcc: x@y.example"),
        ("subject", "Hello\x00"),
    ],
)
def test_line_breaks_in_header_fields_are_refused(session, field, value):
    fields = dict(kind="notice", recipient="a@example.org", language="en", subject="Hi", body="B")
    with pytest.raises(ServiceError) as error:
        queue_message(session, **{**fields, field: value})
    assert error.value.field == field
    assert error.value.code == "header_line_break"
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_recipient_must_be_an_address_and_headers_fit(session):
    with pytest.raises(ServiceError) as error:
        queue_message(session, kind="n", recipient="nobody", language="en", subject="s", body="b")
    assert error.value.code == "invalid_email"
    with pytest.raises(ServiceError) as error:
        queue_message(
            session, kind="n", recipient="a@b.org", language="en", subject="s" * 301, body="b"
        )
    assert (error.value.field, error.value.code) == ("subject", "too_long")


def test_message_ids_are_random_and_in_the_sender_domain(session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "Survey <survey@mail.example.org>")
    ids = [row.message_id for row in queue_many(session, 20)]
    assert len(set(ids)) == 20
    assert all(i.startswith("<") and i.endswith("@mail.example.org>") for i in ids)


# -- delivery --------------------------------------------------------------------------------


def test_200_messages_are_sent_exactly_once(session, factory, smtp_sink: Sink):
    queued = queue_many(session, 200)
    reports = drain(factory, smtp_sink.config())
    assert sum(r.sent for r in reports) == 200
    assert states(session)["sent"] == 200
    counts = smtp_sink.per_message_id()
    assert set(counts) == {row.message_id for row in queued}
    assert set(counts.values()) == {1}
    assert {r.recipient for r in smtp_sink.received} == {f"r{n}@example.org" for n in range(200)}
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows(session))
    # a later run sends nothing again
    assert drain(factory, smtp_sink.config())[0].claimed == 0
    assert len(smtp_sink.received) == 200


def test_headers_encoding_and_envelope(session, factory, smtp_sink: Sink):
    (row,) = queue_many(session, 1)
    drain(factory, smtp_sink.config(MAIL_REPLY_TO="team@example.org"))
    (received,) = smtp_sink.received
    message = received.message
    assert received.mail_from == "survey@example.org"
    assert message["From"] == "Survey Team <survey@example.org>"
    assert message["To"] == "r0@example.org"
    assert message["Reply-To"] == "team@example.org"
    assert message["Subject"] == SUBJECT_ZH
    assert message["Message-ID"] == row.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "zh-Hans"
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().startswith("您好！第0号。")


def test_refused_connections_leave_everything_queued_for_a_retry(
    session, factory, smtp_sink: Sink, refusing_port
):
    queue_many(session, 200)
    now = utcnow()
    report = send_pending(factory, smtp_sink.config(SMTP_PORT=refusing_port), limit=500, now=now)
    assert (report.sent, report.retried, report.failed) == (0, 200, 0)
    assert report.skipped == 200  # all waiting for their retry time
    for row in rows(session):
        assert (row.state, row.attempts, row.sent_at) == ("queued", 1, None)
        assert row.retry_at == now + dt.timedelta(minutes=1)
        assert "ConnectionRefusedError" in row.last_error
    # one connection was tried; the other 199 were deferred without trying the server again
    errors = rows(session)
    assert not errors[0].last_error.startswith("Not attempted")
    assert all(row.last_error.startswith("Not attempted: server unavailable") for row in errors[1:])
    # not due yet: a run a moment later leaves them alone
    assert (
        send_pending(factory, smtp_sink.config(), now=now + dt.timedelta(seconds=30)).claimed == 0
    )
    assert smtp_sink.received == []


@pytest.mark.parametrize("code", [421, 451])
def test_temporary_replies_are_retried_and_sent_once_on_recovery(
    session, factory, smtp_sink: Sink, code
):
    queue_many(session, 200)
    t0 = utcnow()
    smtp_sink.set(mode="temporary", temporary_code=code)
    drain(factory, smtp_sink.config(), now=t0)
    assert states(session)["queued"] == 200
    assert all(row.attempts == 1 and row.retry_at > t0 for row in rows(session))
    assert f"{code} 4.3.2" in rows(session)[0].last_error
    assert smtp_sink.received == []

    smtp_sink.set(mode="accept")
    reports = drain(factory, smtp_sink.config(), now=t0 + dt.timedelta(seconds=61))
    assert sum(r.sent for r in reports) == 200
    assert states(session)["sent"] == 200
    assert set(smtp_sink.per_message_id().values()) == {1}
    assert len(smtp_sink.per_message_id()) == 200
    assert {row.attempts for row in rows(session)} == {2}


def test_permanent_rejections_fail_only_those_recipients(session, factory, smtp_sink: Sink):
    queue_many(session, 200)
    bad = {"r7@example.org", "r99@example.org", "r150@example.org"}
    smtp_sink.set(rejected=bad)
    reports = drain(factory, smtp_sink.config())
    assert sum(r.failed for r in reports) == 3
    assert states(session) == {
        "queued": 0,
        "claimed": 0,
        "sending": 0,
        "sent": 197,
        "failed": 3,
        "unknown": 0,
        "cancelled": 0,
    }
    failed = [row for row in rows(session) if row.state == "failed"]
    assert {row.recipient for row in failed} == bad
    assert all(row.last_error.startswith("550 5.1.1") and row.sent_at is None for row in failed)
    assert len(smtp_sink.per_message_id()) == 197
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.failed")).all()
    assert {entry.object_id for entry in audited} == {str(row.id) for row in failed}
    # failed messages are not retried
    assert drain(factory, smtp_sink.config())[0].claimed == 0


def test_a_hanging_server_times_out_promptly_and_keeps_the_mail_queued(
    session, factory, smtp_sink: Sink
):
    queue_many(session, 50)
    smtp_sink.set(mode="hang", hang_at="mail", hang_seconds=3)
    now = utcnow()
    report = send_pending(factory, smtp_sink.config(SMTP_TIMEOUT=0.3), now=now)
    assert smtp_sink.handler.mail_commands == 1  # one timeout, then the rest deferred
    assert (report.sent, report.retried, report.unknown_found) == (0, 50, 0)
    for row in rows(session):
        assert (row.state, row.attempts) == ("queued", 1)
        assert row.retry_at > now
    assert "timed out" in rows(session)[0].last_error
    assert "Not attempted: server unavailable" in rows(session)[1].last_error


def test_a_connection_closed_by_the_server_is_reopened(session, factory, smtp_sink: Sink):
    queue_many(session, 5)
    smtp_sink.set(drop_after_data=True)
    report = send_pending(factory, smtp_sink.config())
    assert report.sent == 5
    assert set(smtp_sink.per_message_id().values()) == {1}
    assert {row.attempts for row in rows(session)} == {1}


def test_no_reply_after_transmission_is_unknown_and_not_resent(session, factory, smtp_sink: Sink):
    """The server received the message but its 250 never arrived (MAIL-02 at the network)."""
    queue_many(session, 3)
    smtp_sink.set(mode="hang", hang_at="data", hang_seconds=2)
    now = utcnow()
    report = send_pending(factory, smtp_sink.config(SMTP_TIMEOUT=0.3), now=now)
    assert (report.unknown_found, report.retried) == (1, 2)
    first, *others = rows(session)
    assert first.state == "unknown"
    assert "No reply after the message was transmitted" in first.last_error
    assert [row.state for row in others] == ["queued", "queued"]
    smtp_sink.set(mode="accept")
    drain(factory, smtp_sink.config(), now=now + dt.timedelta(hours=1))
    assert rows(session)[0].state == "unknown"
    assert smtp_sink.per_message_id()[first.message_id] == 1


def test_a_crash_after_the_claim_leaves_unknown_which_is_not_resent(
    session, factory, smtp_sink: Sink, monkeypatch
):
    """MAIL-02 (b): the server said 250, the worker died before recording it."""
    (row,) = queue_many(session, 1)
    now = utcnow()

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt  # the process is killed between the 250 and the commit

    monkeypatch.setattr(worker, "_record", crash)
    with pytest.raises(KeyboardInterrupt):
        send_pending(factory, smtp_sink.config(), now=now)
    monkeypatch.undo()
    assert smtp_sink.per_message_id() == {row.message_id: 1}
    assert rows(session)[0].state == "sending"

    # another worker within the lease leaves it alone; after the lease it becomes unknown
    assert send_pending(factory, smtp_sink.config(), now=now + dt.timedelta(minutes=5)).claimed == 0
    assert rows(session)[0].state == "sending"
    report = send_pending(factory, smtp_sink.config(), now=now + dt.timedelta(minutes=11))
    assert (report.unknown_found, report.claimed) == (1, 0)
    stuck = rows(session)[0]
    assert stuck.state == "unknown"
    assert "Not resent automatically" in stuck.last_error
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.unknown")).first()
    drain(factory, smtp_sink.config(), now=now + dt.timedelta(days=1))
    assert smtp_sink.per_message_id() == {row.message_id: 1}

    # a researcher decides to resend: the same Message-ID goes out once more
    assert requeue_unknown(session, [row.message_id.strip("<>")]) == 1
    session.commit()
    drain(factory, smtp_sink.config(), now=now + dt.timedelta(days=1))
    assert smtp_sink.per_message_id() == {row.message_id: 2}
    assert rows(session)[0].state == "sent"
    assert requeue_unknown(session, [row.id]) == 0  # only unknown (or failed) messages


@pytest.mark.parametrize("where", ["deliver", "_connect"])
def test_a_crash_before_smtp_sends_the_message_once_later(
    session, factory, smtp_sink: Sink, monkeypatch, where
):
    """MAIL-02 (a): killed between the claim's commit and the transmission (before or while
    connecting): nothing went out, so once the lease ends the message is sent, once."""
    (row,) = queue_many(session, 1)
    now = utcnow()

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(smtp._SMTPTransport, where, crash)
    with pytest.raises(KeyboardInterrupt):
        send_pending(factory, smtp_sink.config(), now=now)
    monkeypatch.undo()
    assert rows(session)[0].state == "claimed"
    # within the lease nobody touches it; after it, it is queued again and sent once
    assert send_pending(factory, smtp_sink.config(), now=now + dt.timedelta(minutes=5)).claimed == 0
    report = send_pending(factory, smtp_sink.config(), now=now + dt.timedelta(minutes=11))
    assert (report.sent, report.unknown_found) == (1, 0)
    drain(factory, smtp_sink.config(), now=now + dt.timedelta(days=1))
    assert smtp_sink.per_message_id() == {row.message_id: 1}
    assert rows(session)[0].state == "sent"


def test_a_worker_whose_claim_was_taken_back_does_not_transmit(
    session, factory, smtp_sink: Sink, monkeypatch
):
    """A worker stalled past its lease (a slow connection): its claim was queued again by a
    sweep and sent by another worker; when the stalled one gets through, it sends nothing."""
    (row,) = queue_many(session, 1)
    now = utcnow()
    real_connect = smtp._SMTPTransport._connect
    stalls = []

    def stalled(transport):  # noqa: ANN001, ANN202
        if not stalls:  # the first worker only; the other connects as usual
            stalls.append(transport)
            # meanwhile another worker, after the lease, sweeps the claim and sends it
            drain(factory, smtp_sink.config(), now=now + dt.timedelta(minutes=11))
        return real_connect(transport)

    monkeypatch.setattr(smtp._SMTPTransport, "_connect", stalled)
    report = send_pending(factory, smtp_sink.config(), now=now, limit=1)
    monkeypatch.undo()
    assert report.sent == 0
    assert smtp_sink.per_message_id() == {row.message_id: 1}
    assert rows(session)[0].state == "sent"


def test_backoff_doubles_up_to_six_hours_then_fails(session, factory, refusing_port, smtp_sink):
    settings = mail.MailSettings.from_config({"SMTP_HOST": "127.0.0.1"})
    delays = [settings.retry_delay(n) for n in range(1, 13)]
    assert delays[:3] == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert max(delays) == dt.timedelta(hours=6)
    queue_many(session, 2)
    config = smtp_sink.config(SMTP_PORT=refusing_port, MAIL_MAX_ATTEMPTS=3)
    now = utcnow()
    for _ in range(3):
        send_pending(factory, config, now=now)
        now += dt.timedelta(hours=7)
    assert [(row.state, row.attempts) for row in rows(session)] == [("failed", 3)] * 2
    assert rows(session)[0].last_error.startswith("gave up after 3 attempts")
    assert requeue_unknown(session, [r.id for r in rows(session)], include_failed=True) == 2
    session.commit()
    drain(factory, smtp_sink.config(), now=now)
    assert states(session)["sent"] == 2


def test_a_sent_invitation_marks_the_invitation_sent(session, factory, make_round, tmp_path):
    round_ = make_round(pairs=1)
    invitation = session.scalars(select(Invitation).where(Invitation.round_id == round_.id)).first()
    queue_message(
        session,
        kind="invitation",
        recipient="a@example.org",
        language="en",
        subject="Hi",
        body="B",
        invitation_id=invitation.id,
    )
    session.commit()
    drain(factory, {"OUTBOX_DIR": str(tmp_path), "MAIL_FROM": "s@example.org"})
    session.expire_all()
    assert invitation.state == "sent"
    assert invitation.sent_at is not None


# -- the offline outbox folder ----------------------------------------------------------------


def test_without_smtp_messages_become_eml_files(session, factory, tmp_path):
    outbox = tmp_path / "outbox"
    queued = queue_many(session, 5)
    report = send_pending(
        factory, {"SMTP_HOST": None, "OUTBOX_DIR": str(outbox), "MAIL_FROM": "survey@example.org"}
    )
    assert report.sent == 5
    files = sorted(outbox.iterdir())
    assert [f.name for f in files] == sorted(mail.eml_name(r.message_id) for r in queued)
    assert not list(outbox.glob(".*"))  # no temporary files left behind
    raw = files[0].read_bytes()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 in the header block
    assert SUBJECT_ZH.encode() not in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == SUBJECT_ZH
    assert message["Message-ID"] in {r.message_id for r in queued}
    assert message.get_content_charset() == "utf-8"
    assert (files[0].stat().st_mode & 0o777) == 0o600  # the links inside are secrets
    assert states(session)["sent"] == 5


def test_an_unusable_outbox_folder_keeps_mail_queued(session, factory, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    queue_many(session, 3)
    report = send_pending(factory, {"OUTBOX_DIR": str(blocker / "outbox")})
    assert (report.sent, report.retried) == (0, 3)
    assert states(session)["queued"] == 3


# -- two workers at once (real commits) -------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request, tmp_path_factory) -> str:
    """A database two workers can really share: a scratch SQLite file, or the PostgreSQL one."""
    if request.param == "postgresql":
        if not (TEST_DATABASE_URL or "").startswith("postgresql"):
            pytest.skip("needs SURVEY_TEST_DATABASE_URL (PostgreSQL)")
        request.getfixturevalue("database_url")  # migrated once for the session
        return TEST_DATABASE_URL
    url = f"sqlite:///{tmp_path_factory.mktemp('workers') / 'workers.sqlite'}"
    build_schema(url)
    return url


@pytest.fixture
def committed_messages(shared_url) -> Iterator[list[str]]:
    """200 committed outbox rows (no audit rows, which could not be deleted); removed after."""
    engine = make_engine(shared_url)
    marker = f"w{time.time_ns() % 10**15}"  # the kind column: at most 20 characters
    try:
        with writing(), Session(engine) as session, session.begin():
            session.add_all(
                OutboxMessage(
                    kind=marker,
                    seq=1,
                    recipient=f"w{n}@example.org",
                    language="en",
                    subject=f"Message {n}",
                    body_text="Hello",
                    state="queued",
                    attempts=0,
                    message_id=mail.new_message_id("survey@example.org"),
                )
                for n in range(200)
            )
        with Session(engine) as session:
            yield list(
                session.scalars(
                    select(OutboxMessage.message_id).where(OutboxMessage.kind == marker)
                )
            )
    finally:
        with writing(), Session(engine) as session, session.begin():
            session.execute(delete(OutboxMessage).where(OutboxMessage.kind == marker))
        engine.dispose()


def test_two_workers_deliver_each_message_once(shared_url, committed_messages, smtp_sink):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: dict[str, int] = {}

    def work(name: str) -> None:
        engine = make_engine(shared_url)
        try:
            barrier.wait()
            total = 0
            while (
                report := send_pending(engine, smtp_sink.config(), limit=20, worker=name)
            ).claimed:
                total += report.sent
            sent[name] = total
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    counts = smtp_sink.per_message_id()
    assert set(counts) == set(committed_messages)
    assert set(counts.values()) == {1}
    assert sum(sent.values()) == 200
    engine = make_engine(shared_url)
    with Session(engine) as session:
        left = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.message_id.in_(committed_messages), OutboxMessage.state != "sent")
        )
    engine.dispose()
    assert left == 0


# -- the command line -------------------------------------------------------------------------


def test_cli_send_status_and_requeue(app, runner, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    (row,) = queue_many(session, 1)
    stuck = queue_many(session, 1, start=1)[0]
    stuck.state, stuck.attempts, stuck.retry_at = "unknown", 1, None
    session.commit()

    result = runner.invoke(mail_group, ["send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retried 0, failed 0, unknown 0" in result.output
    assert (tmp_path / mail.eml_name(row.message_id)).exists()

    result = runner.invoke(mail_group, ["status"])
    assert result.exit_code == 0, result.output
    assert "sent\t1\n" in result.output  # tsv off a terminal
    assert f"unknown\t{stuck.id}\t{stuck.message_id}\t" in result.output
    assert "survey mail requeue" in result.output
    result = runner.invoke(mail_group, ["status", "--format", "json"])
    import json

    data = json.loads(result.output)
    assert data["counts"]["unknown"] == 1
    assert data["messages"][0]["message_id"] == stuck.message_id

    result = runner.invoke(mail_group, ["requeue", stuck.message_id, "999999"])
    assert result.exit_code == 0, result.output
    assert "Requeued 1 of 2" in result.output
    result = runner.invoke(mail_group, ["send"])
    assert (tmp_path / mail.eml_name(stuck.message_id)).exists()
    assert states(session)["sent"] == 2


def test_cli_watch_loops_until_interrupted(app, runner, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    queue_many(session, 3)
    polls = []

    def sleep(stop, seconds):  # noqa: ANN001, ANN202
        polls.append(seconds)
        if len(polls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("survey.rounds.mail_cli._sleep", sleep)
    result = runner.invoke(mail_group, ["send", "--watch", "--interval", "5", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert polls == [5, 5]
    assert "sent 2," in result.output
    assert "sent 1," in result.output
    assert result.output.strip().endswith("Stopped.")
    assert states(session)["sent"] == 3
