"""The mail outbox: messages are queued in the caller's transaction and sent by a worker.

States (docs/mail.md): queued → sending → sent | queued (retry later) | failed |
unknown. The worker claims one message in its own short transaction (PostgreSQL:
`FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`), commits `sending`, and only
then talks SMTP; the result is recorded in a new transaction. Nothing is marked
`sent` unless the server accepted the message (QUALITY.md MAIL-01…03). While a
message is `sending`, `retry_at` holds the end of the worker's lease: a message
still `sending` after it ends was claimed by a worker that died, so it becomes
`unknown` and is never resent automatically (MAIL-02); `requeue_unknown` resends
it, with the same Message-ID, when a researcher decides to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import email.utils
import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from survey import audit
from survey.db import utcnow, writing
from survey.errors import ServiceError
from survey.rounds.models import OUTBOX_STATES, Invitation, OutboxMessage, Round

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_ERROR_LENGTH = 500


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


def queue_message(
    session: Session,
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    invitation_id: int | None = None,
    seq: int = 1,
    study_id: int | None = None,
) -> OutboxMessage:
    """Queue one message; a second call for the same (invitation, kind, seq) returns the first."""
    _check_header("recipient", recipient, 254)
    _check_header("subject", subject, 300)
    if "@" not in recipient:
        raise ServiceError("recipient", "invalid_email")
    if invitation_id is not None and (existing := _existing(session, invitation_id, kind, seq)):
        return existing
    row = OutboxMessage(
        invitation_id=invitation_id,
        kind=kind,
        seq=seq,
        recipient=recipient.strip(),
        language=language,
        subject=subject,
        body_text=body,
        message_id=new_message_id(_mail_from()),
        state="queued",
        attempts=0,
    )
    try:
        with session.begin_nested():  # a concurrent queue of the same message wins the race
            session.add(row)
    except IntegrityError:
        if invitation_id is None or not (existing := _existing(session, invitation_id, kind, seq)):
            raise
        return existing
    _audit(session, "mail.queue", row, study_id=study_id, details={"language": language})
    return row


@dataclasses.dataclass(frozen=True)
class Draft:
    """One message to queue in bulk (see queue_many)."""

    invitation_id: int
    kind: str
    seq: int
    recipient: str
    language: str
    subject: str
    body: str


def check_draft(draft: Draft) -> None:
    """The header checks of queue_message, for a draft (ServiceError when refused)."""
    _check_header("recipient", draft.recipient, 254)
    _check_header("subject", draft.subject, 300)
    if "@" not in draft.recipient:
        raise ServiceError("recipient", "invalid_email")


def queue_many(
    session: Session,
    drafts: list[Draft],
    *,
    study_id: int | None = None,
    action: str = "mail.queue",
) -> int:
    """Queue checked drafts in bulk; a draft already queued (same invitation, kind, seq) is
    skipped by the unique constraint, so a repeat or a concurrent run sends nothing twice.
    One audit row lists the invitations queued."""
    if not drafts:
        return 0
    mail_from = _mail_from()
    rows = [
        {
            "invitation_id": d.invitation_id,
            "kind": d.kind,
            "seq": d.seq,
            "recipient": d.recipient.strip(),
            "language": d.language,
            "subject": d.subject,
            "body_text": d.body,
            "message_id": new_message_id(mail_from),
            "state": "queued",
            "attempts": 0,
            "created_at": utcnow(),
        }
        for d in drafts
    ]
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = OutboxMessage.__table__
    statement = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["invitation_id", "kind", "seq"])
        .returning(table.c.id)  # rowcount of a batch is -1 on psycopg; count what came back
    )
    queued = 0
    for start in range(0, len(rows), 1000):
        queued += len(session.execute(statement, rows[start : start + 1000]).all())
    audit.record(
        session,
        action,
        study_id=study_id,
        object_type="outbox",
        details={
            "kind": drafts[0].kind,
            "queued": queued,
            "invitations": [d.invitation_id for d in drafts],
        },
    )
    return queued


def _check_header(field: str, value: str, longest: int) -> None:
    """Refuse line breaks and control characters in header fields (INJ-03), and overlong ones."""
    if _CONTROL.search(value):
        raise ServiceError(field, "header_line_break")
    if len(value) > longest:
        raise ServiceError(field, "too_long", max=longest)


def _existing(session: Session, invitation_id: int, kind: str, seq: int) -> OutboxMessage | None:
    return session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation_id,
            OutboxMessage.kind == kind,
            OutboxMessage.seq == seq,
        )
    )


def _mail_from() -> str:
    return str(current_app.config["MAIL_FROM"]) if has_app_context() else "survey@localhost"


def new_message_id(mail_from: str) -> str:
    """A random Message-ID in the domain of the sender address."""
    domain = email.utils.parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


# -- reading and requeueing -----------------------------------------------------------------


def outbox_counts(
    session: Session, *, study_id: int | None = None, round_id: int | None = None
) -> dict[str, int]:
    """The number of messages in every state, optionally for one study or round."""
    query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if study_id is not None or round_id is not None:
        query = query.join(Invitation, Invitation.id == OutboxMessage.invitation_id)
    if round_id is not None:
        query = query.where(Invitation.round_id == round_id)
    if study_id is not None:
        query = query.join(Round, Round.id == Invitation.round_id).where(Round.study_id == study_id)
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({state: n for state, n in session.execute(query)})
    return counts


def messages_in(
    session: Session, states: Iterable[str], *, study_id: int | None = None, limit: int = 50
) -> list[OutboxMessage]:
    """The newest messages in the given states (for the status listing of unknown/failed mail)."""
    query = select(OutboxMessage).where(OutboxMessage.state.in_(list(states)))
    if study_id is not None:
        query = (
            query.join(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .join(Round, Round.id == Invitation.round_id)
            .where(Round.study_id == study_id)
        )
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def requeue_unknown(
    session: Session, message_ids: Iterable[str | int], *, include_failed: bool = False
) -> int:
    """Queue `unknown` (and with include_failed, `failed`) messages again; they keep their
    Message-ID. Takes row ids or Message-IDs (with or without angle brackets)."""
    message_ids = list(message_ids)
    ids = [int(m) for m in message_ids if isinstance(m, int) or str(m).isdigit()]
    mids = [f"<{str(m).strip().strip('<>')}>" for m in message_ids if not str(m).isdigit()]
    states = ["unknown", "failed"] if include_failed else ["unknown"]
    rows = session.scalars(
        select(OutboxMessage)
        .where(or_(OutboxMessage.id.in_(ids), OutboxMessage.message_id.in_(mids)))
        .where(OutboxMessage.state.in_(states))
        .with_for_update()
    ).all()
    for row in rows:
        details = {"from_state": row.state, "attempts": row.attempts}
        if row.state == "failed":
            row.attempts = 0  # a fresh retry budget; the audit row keeps the old count
        row.state, row.retry_at = "queued", None
        _audit(session, "mail.requeue", row, details=details)
    return len(rows)


def _audit(
    session: Session,
    action: str,
    row: OutboxMessage,
    *,
    study_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit row about one message; the address stays out of the append-only log."""
    if study_id is None and row.invitation_id is not None:
        study_id = _study_of(session, row.invitation_id)
    info = {"message_id": row.message_id, "kind": row.kind, "seq": row.seq}
    info |= {"invitation_id": row.invitation_id, **(details or {})}
    audit.record(
        session,
        action,
        study_id=study_id,
        object_type="outbox_message",
        object_id=str(row.id),
        details=info,
    )


def _study_of(session: Session, invitation_id: int) -> int | None:
    return session.scalar(
        select(Round.study_id)
        .join(Invitation, Invitation.round_id == Round.id)
        .where(Invitation.id == invitation_id)
    )


# -- the worker ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MailSettings:
    """The worker's view of the configuration (docs/mail.md lists the keys)."""

    host: str | None
    port: int
    username: str | None
    password: str | None = dataclasses.field(repr=False)
    starttls: bool
    timeout: float
    mail_from: str
    reply_to: str | None
    outbox_dir: Path | None
    max_attempts: int
    retry_base: dt.timedelta
    retry_max: dt.timedelta
    lease: dt.timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read SMTP_*, MAIL_* and OUTBOX_DIR, with the documented defaults."""
        timeout = float(config.get("SMTP_TIMEOUT") or 10)
        lease = max(float(config.get("MAIL_SENDING_TIMEOUT_SECONDS") or 600), 20 * timeout)
        outbox = config.get("OUTBOX_DIR")
        return cls(
            host=config.get("SMTP_HOST") or None,
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=_flag(config.get("SMTP_STARTTLS")),
            timeout=timeout,
            mail_from=str(config.get("MAIL_FROM") or "survey@localhost"),
            reply_to=config.get("MAIL_REPLY_TO") or None,
            outbox_dir=Path(outbox) if outbox else None,
            max_attempts=int(config.get("MAIL_MAX_ATTEMPTS") or 12),
            retry_base=dt.timedelta(seconds=max(1, float(config.get("MAIL_RETRY_SECONDS") or 60))),
            retry_max=dt.timedelta(hours=6),
            lease=dt.timedelta(seconds=lease),
        )

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Wait before attempt `attempts + 1`: the base doubled per attempt, at most six hours."""
        return min(self.retry_base * 2 ** min(max(attempts - 1, 0), 20), self.retry_max)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclasses.dataclass(frozen=True)
class _Claimed:
    """A claimed message, detached from any session (no transaction spans the SMTP call)."""

    id: int
    attempts: int
    invitation_id: int | None
    kind: str
    recipient: str
    language: str
    subject: str
    body_text: str
    message_id: str


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """sent | retry | failed | unknown; `server_down` stops contacting the server this run."""

    result: str
    error: str | None = None
    server_down: bool = False


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
            outcome = transport.deliver(message, clock())
            tally[_record(factory, message, outcome, clock(), settings, worker)] += 1
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
    """Move the oldest due message to `sending` and commit, so no other worker can take it."""
    with writing(), factory.begin() as session:
        # SKIP LOCKED lets PostgreSQL workers pass over each other's claims; SQLite ignores
        # FOR UPDATE, and BEGIN IMMEDIATE (writing) serialises the claims instead.
        row = session.scalars(
            select(OutboxMessage)
            .where(_due(now))
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        changed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.state == "queued")
            .values(state="sending", attempts=row.attempts + 1, retry_at=now + settings.lease)
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
                OutboxMessage.state.in_(["sending", "unknown"]),  # unknown: our lease ran out
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
                details = {"error": values["last_error"], "worker": worker}
                _audit(session, f"mail.{result}", row, details=details)
    log.info("mail %s %s: %s %s", message.id, message.message_id, result, error or "")
    return result


def _sweep_stale(factory: sessionmaker[Session], now: dt.datetime, worker: str) -> int:
    """Mark `sending` messages whose lease ended as `unknown` (the worker died mid-send)."""
    with writing(), factory.begin() as session:
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
            _audit(session, "mail.unknown", row, details={"worker": worker})
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


# -- building and delivering ----------------------------------------------------------------


def build_message(message: Any, settings: MailSettings, now: dt.datetime) -> EmailMessage:
    """The e-mail for an outbox row: UTF-8 plain text, RFC 2047 subject, our Message-ID."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = settings.mail_from
    mail["To"] = message.recipient
    if settings.reply_to:
        mail["Reply-To"] = settings.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(now)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body_text, charset="utf-8")
    mail["Content-Language"] = message.language  # after set_content, which resets Content-*
    return mail


def _describe(exc: BaseException) -> str:
    """An error for `last_error`: the server's reply or the exception, never credentials."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return f"{code} {_text(reply)} (RCPT)"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)} ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _by_code(code: int, error: str) -> _Outcome:
    if code == 421:  # the server is closing the connection: try the rest later
        return _Outcome("retry", error, server_down=True)
    if 500 <= code < 600:
        return _Outcome("failed", error)
    return _Outcome("retry", error)


def _classify(exc: Exception, *, payload_sent: bool) -> _Outcome:
    """Map an exception raised while sending one message onto an outcome."""
    error = _describe(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _by_code(next(iter(exc.recipients.values()))[0], error)
    if isinstance(exc, smtplib.SMTPSenderRefused):  # our MAIL FROM: the same for every message
        return _Outcome("retry", error, server_down=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, error)
    if isinstance(exc, smtplib.SMTPNotSupportedError | ValueError | UnicodeError):
        return _Outcome("failed", error)  # e.g. an address the server cannot take
    if payload_sent:  # the message went out but no reply came: it may have been accepted
        error = f"No reply after the message was transmitted: {error}"
        return _Outcome("unknown", error, server_down=True)
    return _Outcome("retry", error, server_down=True)


def _dropped(exc: BaseException) -> bool:
    """Whether a reused connection had been closed by the server (worth one fresh attempt),
    as opposed to a server that does not answer (smtplib wraps read timeouts, too)."""
    if isinstance(exc.__context__, TimeoutError):
        return False
    return isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionResetError | BrokenPipeError)


class _Connection(smtplib.SMTP):
    """smtplib.SMTP that notes when a message's content has been transmitted in full."""

    payload_sent = False

    def send(self, s: bytes | str) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):  # DATA ends with CRLF.CRLF
            self.payload_sent = True


class _SMTPTransport:
    """One SMTP connection reused across a run; after a server-level failure the rest of the
    run is deferred without contacting the server again."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.connection: _Connection | None = None
        self.down: _Outcome | None = None

    def deliver(self, message: _Claimed, now: dt.datetime) -> _Outcome:
        if self.down is not None:
            return self.down
        try:
            mail = build_message(message, self.settings, now)
        except (ValueError, UnicodeError) as exc:
            return _Outcome("failed", _describe(exc))
        outcome = self._attempt(mail, message.recipient, may_redo=self.connection is not None)
        if outcome.server_down:
            self.down = _Outcome("retry", f"Not attempted: server unavailable ({outcome.error})")
        return outcome

    def _attempt(self, mail: EmailMessage, recipient: str, *, may_redo: bool) -> _Outcome:
        try:
            connection = self._connect()
        except OSError as exc:  # smtplib errors, refused, timeouts, TLS
            self._drop()
            return _Outcome("retry", _describe(exc), server_down=True)
        connection.payload_sent = False
        sender = email.utils.parseaddr(self.settings.mail_from)[1]
        try:
            connection.send_message(mail, from_addr=sender, to_addrs=[recipient])
        except (OSError, ValueError, UnicodeError) as exc:
            outcome = _classify(exc, payload_sent=connection.payload_sent)
            if outcome.server_down or connection.sock is None:
                self._drop()
            if may_redo and outcome.result == "retry" and _dropped(exc):
                return self._attempt(mail, recipient, may_redo=False)  # an idle connection dropped
            return outcome
        return _Outcome("sent")

    def _connect(self) -> _Connection:
        if self.connection is not None:
            return self.connection
        settings = self.settings
        connection = _Connection(settings.host, settings.port, timeout=settings.timeout)
        self.connection = connection
        if settings.starttls:
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password or "")
        return connection

    def _drop(self) -> None:
        """Close a failed connection without a QUIT, which could wait out another timeout."""
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """End a healthy connection politely."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except OSError:  # includes smtplib errors
            connection.close()


class _FolderTransport:
    """No SMTP server configured: each message becomes an .eml file in OUTBOX_DIR."""

    def __init__(self, settings: MailSettings):
        if settings.outbox_dir is None:
            raise ValueError("Set SMTP_HOST, or OUTBOX_DIR for mail written to files.")
        self.settings = settings
        self.down: _Outcome | None = None

    def deliver(self, message: _Claimed, now: dt.datetime) -> _Outcome:
        if self.down is not None:
            return self.down
        try:
            data = build_message(message, self.settings, now).as_bytes()
        except (ValueError, UnicodeError) as exc:
            return _Outcome("failed", _describe(exc))
        try:
            assert self.settings.outbox_dir is not None
            write_eml(self.settings.outbox_dir, message.message_id, data)
        except OSError as exc:  # full disk, permissions: the folder is unusable for the run
            self.down = _Outcome("retry", f"Not attempted: outbox folder unusable ({exc})")
            return _Outcome("retry", _describe(exc))
        return _Outcome("sent")

    def close(self) -> None:
        """Nothing to release."""


def eml_name(message_id: str) -> str:
    """The file name of a message in the outbox folder: its Message-ID, made filesystem-safe."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip("<>")) + ".eml"


def write_eml(folder: Path, message_id: str, data: bytes) -> Path:
    """Write atomically: a private temporary file in the folder, then a rename."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / eml_name(message_id)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
