"""Delivering one claimed message: over SMTP, or as an .eml file when no server is set."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import email.utils
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from survey.rounds.mail.settings import MailSettings


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
    """sent | retry | failed | unknown | released; `server_down` stops contacting the server
    this run. `released`: the claim was taken back before anything was transmitted."""

    result: str
    error: str | None = None
    server_down: bool = False


RELEASED = _Outcome("released", "the claim ended before the message was transmitted")
# Called once, right before a message's first byte is transmitted: marks it `sending`
# (committed) and says whether the claim still holds. Anything before it resends safely.
Transmitting = Callable[[], bool]


class _Once:
    """`begin` called at most once per message, however many attempts transmit it."""

    def __init__(self, begin: Transmitting) -> None:
        self.begin, self.result = begin, None

    def __call__(self) -> bool:
        if self.result is None:
            self.result = self.begin()
        return self.result


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

    def deliver(self, message: _Claimed, now: dt.datetime, begin: Transmitting) -> _Outcome:
        if self.down is not None:
            return self.down
        try:
            mail = build_message(message, self.settings, now)
        except (ValueError, UnicodeError) as exc:
            return _Outcome("failed", _describe(exc))
        once = _Once(begin)
        outcome = self._attempt(mail, message.recipient, once, may_redo=self.connection is not None)
        if outcome.server_down:
            self.down = _Outcome("retry", f"Not attempted: server unavailable ({outcome.error})")
        return outcome

    def _attempt(
        self, mail: EmailMessage, recipient: str, begin: Transmitting, *, may_redo: bool
    ) -> _Outcome:
        try:
            connection = self._connect()
        except OSError as exc:  # smtplib errors, refused, timeouts, TLS
            self._drop()
            return _Outcome("retry", _describe(exc), server_down=True)
        if not begin():
            return RELEASED
        connection.payload_sent = False
        sender = email.utils.parseaddr(self.settings.mail_from)[1]
        try:
            connection.send_message(mail, from_addr=sender, to_addrs=[recipient])
        except (OSError, ValueError, UnicodeError) as exc:
            outcome = _classify(exc, payload_sent=connection.payload_sent)
            if outcome.server_down or connection.sock is None:
                self._drop()
            if may_redo and outcome.result == "retry" and _dropped(exc):
                return self._attempt(mail, recipient, begin, may_redo=False)  # idle, dropped
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

    def deliver(self, message: _Claimed, now: dt.datetime, begin: Transmitting) -> _Outcome:
        if self.down is not None:
            return self.down
        try:
            data = build_message(message, self.settings, now).as_bytes()
        except (ValueError, UnicodeError) as exc:
            return _Outcome("failed", _describe(exc))
        if not begin():
            return RELEASED
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
