"""The worker: claims due messages one by one, marks them sending, delivers, records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from survey import audit, faults
from survey.db import utcnow, writing
from survey.rounds.mail.outbox import MAX_ERROR_LENGTH, about, study_of
from survey.rounds.mail.settings import MailSettings
from survey.rounds.mail.smtp import _Claimed, _FolderTransport, _Outcome, _SMTPTransport
from survey.rounds.models import Invitation, OutboxMessage, Round

log = logging.getLogger("survey.rounds.mail")
# Pauses between tries to store a delivery's outcome when the database connection drops
# (about 8 s in all): a restart or failover of the database is over by then.
RECORD_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)


@dataclasses.dataclass(frozen=True)
class SendReport:
    """What one `send_pending` run did; `skipped`: queued messages waiting for their retry time."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown_found: int = 0
    skipped: int = 0
    claimed: int = 0

    def line(self) -> str:
        """One line for the command line and the worker log."""
        return (
            f"sent {self.sent}, retried {self.retried}, failed {self.failed}, "
            f"unknown {self.unknown_found}, waiting {self.skipped}"
        )


# -- queueing (in the caller's transaction) ------------------------------------------------


def send_pending(
    target: Engine | sessionmaker[Session],
    config: Mapping[str, Any],
    *,
    limit: int = 100,
    worker: str | None = None,
    now: dt.datetime | None = None,
    stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Deliver up to `limit` due messages, one claim per message; the worker loop's body."""
    factory = target if isinstance(target, sessionmaker) else _factory(target)
    settings = MailSettings.from_config(config)
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    clock = (lambda: now) if now is not None else utcnow
    transport = _FolderTransport(settings) if settings.host is None else _SMTPTransport(settings)
    tally = dict.fromkeys(("sent", "retry", "failed", "unknown"), 0)
    tally["unknown"] = _sweep_stale(factory, clock(), worker)
    claimed = 0
    try:
        while claimed < limit and not (stop and stop()):
            message = _claim(factory, clock(), settings)
            if message is None:
                break
            claimed += 1
            begin = functools.partial(_transmitting, factory, message, clock, settings)
            faults.point("mail.before_smtp")  # claimed, nothing transmitted (FAULT-02)
            outcome = transport.deliver(message, clock(), begin)
            faults.point("mail.after_smtp")  # transmitted, the outcome not recorded yet
            if outcome.result == "released":  # swept back to the queue: another worker sends it
                continue
            tally[_record_retrying(factory, message, outcome, clock(), settings, worker)] += 1
    finally:
        transport.close()
    return SendReport(
        sent=tally["sent"],
        retried=tally["retry"],
        failed=tally["failed"],
        unknown_found=tally["unknown"],
        skipped=_waiting(factory, clock()),
        claimed=claimed,
    )


def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _due(now: dt.datetime) -> Any:
    return (OutboxMessage.state == "queued") & (
        OutboxMessage.retry_at.is_(None) | (OutboxMessage.retry_at <= now)
    )


def _claim(
    factory: sessionmaker[Session], now: dt.datetime, settings: MailSettings
) -> _Claimed | None:
    """Move the oldest due message to `claimed` and commit, so no other worker can take it.

    `claimed` becomes `sending` only right before the message is transmitted
    (`_transmitting`): a worker that dies before that point leaves a claim whose lease
    ends, and the message is queued again and sent once (MAIL-02 a).
    """
    with writing(), factory.begin() as session:
        # SKIP LOCKED lets PostgreSQL workers pass over each other's claims; SQLite ignores
        # FOR UPDATE, and BEGIN IMMEDIATE (writing) serialises the claims instead.
        while True:
            row = session.scalars(
                select(OutboxMessage)
                .where(_due(now))
                .order_by(OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            reason = _no_longer_due(session, row, now)
            if reason is None:
                break
            row.state, row.retry_at, row.last_error = "cancelled", None, reason
            session.flush()
        changed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.state == "queued")
            .values(state="claimed", attempts=row.attempts + 1, retry_at=now + settings.lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:  # taken meanwhile; cannot happen under the locks above
            return None
        return _Claimed(
            id=row.id,
            attempts=row.attempts + 1,
            invitation_id=row.invitation_id,
            kind=row.kind,
            recipient=row.recipient,
            language=row.language,
            subject=row.subject,
            body_text=row.body_text,
            message_id=row.message_id,
        )


def _no_longer_due(session: Session, row: OutboxMessage, now: dt.datetime) -> str | None:
    """Why a queued reminder must not go out any more (None: send it): the respondent has
    finished, declined or bounced meanwhile, or the round closed."""
    if row.kind != "reminder" or row.invitation_id is None:
        return None
    found = session.execute(
        select(Invitation.state, Round.state, Round.closes_at)
        .join(Round, Round.id == Invitation.round_id)
        .where(Invitation.id == row.invitation_id)
    ).first()
    if found is None:
        return None
    invitation_state, round_state, closes_at = found
    if invitation_state in ("submitted", "declined", "bounced"):
        return f"Not sent: the invitation is {invitation_state}."
    if round_state != "open" or (closes_at is not None and closes_at <= now):
        return "Not sent: the round closed before the reminder went out."
    return None


def _transmitting(
    factory: sessionmaker[Session],
    message: _Claimed,
    clock: Callable[[], dt.datetime],
    settings: MailSettings,
) -> bool:
    """Mark a claimed message `sending` and commit, just before its first byte goes out.

    False when the claim no longer holds (its lease ended and a sweep queued it again):
    the message must then not be transmitted by this worker.
    """
    with writing(), factory.begin() as session:
        changed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.attempts == message.attempts,
                OutboxMessage.state == "claimed",
            )
            .values(state="sending", retry_at=clock() + settings.lease)
            .execution_options(synchronize_session=False)
        ).rowcount
    return changed == 1


def _record(
    factory: sessionmaker[Session],
    message: _Claimed,
    outcome: _Outcome,
    now: dt.datetime,
    settings: MailSettings,
    worker: str,
) -> str:
    """Store the outcome of one delivery in a new transaction; return the tally key."""
    result = outcome.result
    error = (outcome.error or "")[:MAX_ERROR_LENGTH] or None
    values: dict[str, Any] = {"state": result, "retry_at": None, "last_error": error}
    if result == "sent":
        values.update(sent_at=now, last_error=None)
    elif result == "retry" and message.attempts >= settings.max_attempts:
        result = "failed"
        values.update(
            state="failed", last_error=f"gave up after {message.attempts} attempts: {error}"
        )
    elif result == "retry":
        values.update(state="queued", retry_at=now + settings.retry_delay(message.attempts))
    with writing(), factory.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.attempts == message.attempts,
                # claimed: nothing was transmitted; unknown: our lease ran out meanwhile
                OutboxMessage.state.in_(["claimed", "sending", "unknown"]),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result == "sent" and message.kind == "invitation" and message.invitation_id:
            session.execute(
                update(Invitation)
                .where(Invitation.id == message.invitation_id, Invitation.state == "pending")
                .values(state="sent", sent_at=now)
            )
        if result == "failed" and message.invitation_id:
            # The address cannot receive mail: reminders stop, the round page says so.
            session.execute(
                update(Invitation)
                .where(
                    Invitation.id == message.invitation_id,
                    Invitation.state.in_(["pending", "sent", "opened"]),
                )
                .values(state="bounced", bounced_at=now)
            )
        if result in ("failed", "unknown"):
            row = session.get(OutboxMessage, message.id)
            if row is not None:
                details = about(row, error=values["last_error"], worker=worker)
                study_id = study_of(session, row)
                audit.record_for(row, f"mail.{result}", details=details, study_id=study_id)
    log.info("mail %s %s: %s %s", message.id, message.message_id, result, error or "")
    return result


def _record_retrying(
    factory: sessionmaker[Session],
    message: _Claimed,
    outcome: _Outcome,
    now: dt.datetime,
    settings: MailSettings,
    worker: str,
) -> str:
    """`_record`, tried again on a new connection when the database drops this one.

    The worker knows what the server answered; should the database connection end just
    then (a restart, a failover, `pg_terminate_backend`), giving up would leave a message
    the server accepted `sending`, to become `unknown` after its lease and wait for a
    person (MAIL-02). A record is conditional on the claim, so trying again is safe.
    After the last try the error goes up as before.
    """
    for pause in RECORD_PAUSES:
        try:
            return _record(factory, message, outcome, now, settings, worker)
        except DBAPIError as error:
            if not (error.connection_invalidated or isinstance(error, OperationalError)):
                raise
            log.warning("mail %s: storing its outcome failed, trying again: %s", message.id, error)
            time.sleep(pause)
    return _record(factory, message, outcome, now, settings, worker)


def _sweep_stale(factory: sessionmaker[Session], now: dt.datetime, worker: str) -> int:
    """Queue again the claims whose lease ended before anything was transmitted; mark
    `sending` messages whose lease ended as `unknown` (the worker died mid-send)."""
    with writing(), factory.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == "claimed", OutboxMessage.retry_at <= now)
            .values(
                state="queued",
                retry_at=None,
                last_error="The worker stopped before transmitting it; queued again.",
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state == "sending", OutboxMessage.retry_at <= now)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.state, row.retry_at = "unknown", None
            row.last_error = (
                f"The worker stopped after claiming attempt {row.attempts}; the server may or "
                "may not have accepted it. Not resent automatically: requeue it to resend."
            )
            session.flush()
            details, study_id = about(row, worker=worker), study_of(session, row)
            audit.record_for(row, "mail.unknown", details=details, study_id=study_id)
        return len(rows)


def _waiting(factory: sessionmaker[Session], now: dt.datetime) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state == "queued", OutboxMessage.retry_at > now)
            )
            or 0
        )
