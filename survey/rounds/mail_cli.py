"""`survey mail …`: deliver the outbox, show its state, requeue messages of unknown outcome."""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from survey.commands import transactional
from survey.commands.output import Column, chosen, emit, format_option, progress
from survey.db import db, utcnow, writing
from survey.rounds import mail
from survey.rounds.models import OUTBOX_STATES


@click.group("mail", cls=AppGroup)
def mail_group() -> None:
    """The mail outbox and its sending worker."""


@mail_group.command("send")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Messages per batch.",
)
@click.option("--watch", is_flag=True, help="Keep sending until interrupted (for a service).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between polls with --watch.",
)
def send(limit: int, watch: bool, interval: float) -> None:
    """Send the due messages; with --watch, poll the outbox until interrupted."""
    if not watch:
        with progress("Sending mail"):
            drain(limit)
        return
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # finish the message, then stop
    click.echo(f"Sending mail every {interval:g} s; Ctrl+C or SIGTERM stops.")
    try:
        while not stop.is_set():
            try:
                drain(limit, stop=stop, quiet=True)
            except OperationalError as exc:  # the database is away; try again next round
                click.echo(f"{_stamp()} database unavailable: {exc.orig}", err=True)
            _sleep(stop, interval)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("Stopped.")


def drain(limit: int, *, stop: threading.Event | None = None, quiet: bool = False) -> None:
    """Run batches until no due message is left; print a line per batch that did something."""
    factory = db.session.session_factory  # independent sessions, one per claim and result
    queued = queue_reminders(factory)
    if queued or not quiet:
        click.echo(f"{_stamp()} scheduled reminders queued: {queued}")
    while True:
        try:
            report = mail.send_pending(
                factory, current_app.config, limit=limit, stop=stop.is_set if stop else None
            )
        except ValueError as exc:  # no SMTP host and no outbox folder
            raise click.ClickException(str(exc)) from exc
        if report.claimed or report.unknown_found or not quiet:
            click.echo(f"{_stamp()} {report.line()}")
        if report.claimed < limit or (stop and stop.is_set()):
            return


def queue_reminders(factory: Any) -> int:
    """Queue the scheduled reminders due now, in a transaction of their own (see schedule.py)."""
    from survey.rounds.schedule import queue_due

    with writing(), factory.begin() as session:
        return queue_due(session, utcnow())


def _sleep(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)


def _stamp() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


@mail_group.command("status")
@click.option("--study", "study_slug", help="Only the messages of this study's rounds.")
@format_option(("table", "tsv", "json"))
def status(study_slug: str | None, fmt: str | None) -> None:
    """Messages per state, and those that need a decision (unknown) or failed."""
    from survey.studies.cli import resolve_study

    session = db.session
    try:
        study_id = resolve_study(study_slug).id if study_slug else None
        counts = mail.outbox_counts(session, study_id=study_id)
        problems = mail.messages_in(session, ("unknown", "failed"), study_id=study_id)
        listed = [_row(m) for m in problems]
    finally:
        session.remove()
    fmt = chosen(fmt)
    if fmt == "json":
        click.echo(json.dumps({"counts": counts, "messages": listed}, ensure_ascii=False, indent=2))
        return
    rows = [{"state": state, "messages": counts[state]} for state in OUTBOX_STATES]
    emit(rows, [Column("state", "State"), Column("messages", "Messages", numeric=True)], fmt)
    if listed:
        columns = [
            Column("state", "State"),
            Column("id", "#", numeric=True),
            Column("message_id", "Message-ID"),
            Column("recipient", "To"),
            Column("attempts", "Attempts", numeric=True),
            Column("last_error", "Last error"),
        ]
        click.echo()
        emit(listed, columns, fmt, title="Messages that need a decision or failed")
    if counts["unknown"]:
        click.echo("Resend a message of unknown outcome with: survey mail requeue MESSAGE_ID")


def _row(message: Any) -> dict[str, Any]:
    return {
        "id": message.id,
        "message_id": message.message_id,
        "state": message.state,
        "kind": message.kind,
        "recipient": message.recipient,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


@mail_group.command("requeue")
@click.argument("message_ids", nargs=-1, required=True)
@click.option("--failed", "include_failed", is_flag=True, help="Requeue failed messages too.")
@transactional
def requeue(message_ids: tuple[str, ...], include_failed: bool) -> None:
    """Queue messages of unknown outcome again (row ids or Message-IDs); same Message-ID."""
    count = mail.requeue_unknown(db.session, message_ids, include_failed=include_failed)
    states = "unknown or failed" if include_failed else "unknown"
    click.echo(f"Requeued {count} of {len(message_ids)} message(s).")
    if count < len(message_ids):
        click.echo(f"The others were not found in state {states}.")
