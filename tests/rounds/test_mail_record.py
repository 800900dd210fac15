"""The worker stores what the mail server answered even when the database drops it just then.

Found by the deployment test (tests/deployment): with every database connection ended
every 2 s while mail was going out, 2 of 2,524 messages accepted by the mail server
(250, received once) were left `sending` and became `unknown` after their lease,
waiting for a person to decide, although the worker had known they were delivered.
Here the worker's own connection is ended (pg_terminate_backend, a real server-side
disconnect) at the moment it stores a 250: the outcome must still be stored as `sent`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, select, text
from sqlalchemy.orm import Session

from survey.db import make_engine, writing
from survey.rounds import mail
from survey.rounds.mail import send_pending
from survey.rounds.models import OutboxMessage
from tests.fixtures.database import TEST_DATABASE_URL
from tests.fixtures.smtp import Sink

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="PostgreSQL only: SQLite has no server whose connections could end",
)


def test_a_250_is_stored_as_sent_when_the_connection_ends_while_storing_it(
    database_url: str, smtp_sink: Sink
) -> None:
    engine, admin = make_engine(database_url), make_engine(database_url)
    message_id = mail.new_message_id("survey@example.org")
    ended: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def end_the_connection(_conn, cursor, statement, *_args) -> None:  # noqa: ANN001
        if not ended and statement.startswith("UPDATE outbox_messages") and "sent_at" in statement:
            pid = cursor.connection.info.backend_pid
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            ended.append(pid)

    try:
        with writing(), Session(engine) as session, session.begin():
            session.add(
                OutboxMessage(
                    kind="record-test", seq=1, recipient="r@example.org", language="en",
                    subject="Hello", body_text="Hello", state="queued", attempts=0,
                    message_id=message_id,
                )
            )  # fmt: skip
        report = send_pending(engine, smtp_sink.config(), limit=1)
        with Session(engine) as session:
            state = session.scalar(
                select(OutboxMessage.state).where(OutboxMessage.message_id == message_id)
            )
    finally:
        event.remove(engine, "before_cursor_execute", end_the_connection)
        with writing(), Session(engine) as session, session.begin():
            session.execute(delete(OutboxMessage).where(OutboxMessage.message_id == message_id))
        engine.dispose()
        admin.dispose()
    assert ended, "the connection was not ended while the outcome was stored"
    assert smtp_sink.per_message_id() == {message_id: 1}
    assert state == "sent"
    assert report.sent == 1
