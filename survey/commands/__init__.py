"""The command line's kernel: what every feature's commands share, below the features.

Features import this package, never `survey.cli` (which imports them to register their
commands): one transaction per command, errors as one clear line, names resolved with
a suggestion, the database upgrade. Output (tables, progress) is in `commands.output`.
"""

from __future__ import annotations

import difflib
import errno
import functools
import os
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from alembic import command as alembic_command
from flask import current_app

from survey.db import db, utcnow, writing
from survey.errors import ServiceError

# Set SURVEY_TRACEBACK=1 to see the traceback of an unexpected failure (for bug reports).
TRACEBACK_VARIABLE = "SURVEY_TRACEBACK"


def transactional(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command in one writing transaction; map ServiceError to a clean exit 1."""

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with writing():
            try:
                result = func(*args, **kwargs)
                db.session.commit()
                return result
            except ServiceError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from exc
            finally:
                db.session.rollback()
                db.session.remove()

    return wrapped


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any failure of a command into one line on stderr and exit 1 (never a traceback)."""

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        except Exception as exc:
            if os.environ.get(TRACEBACK_VARIABLE) == "1":
                raise
            message = describe(exc)
            _forget_frames(exc)
            del exc
            _collect_quietly()
            raise click.ClickException(message) from None

    return wrapped


def _forget_frames(exc: BaseException | None) -> None:
    """Drop the failure's tracebacks so the objects its frames held can be collected."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__


def _collect_quietly() -> None:
    """Finish abandoned generators now, without their "Exception ignored" tracebacks.

    A writer that failed half-way (openpyxl's write-only sheets) leaves generators whose
    clean-up fails on the closed file when they are collected at exit."""
    import gc
    import sys

    previous, sys.unraisablehook = sys.unraisablehook, lambda _: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous


def output_file(value: str) -> Path:
    """The file a command will write, checked before any work: its folder exists and is
    writable, and it is not itself a folder (one clear line instead of a failure later)."""
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise click.ClickException(f"{path} is a folder; give a file name")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise click.ClickException(f"cannot write {path}: the folder {folder} {what}")
    if path.exists() and not path.is_file():  # a device or a pipe: never replace it
        raise click.ClickException(f"cannot write {path}: it is not a regular file")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.ClickException(f"cannot write {path}: permission denied")
    return path


def cannot_write(path: Path, exc: OSError) -> click.ClickException:
    """A write that failed half-way (a temporary file beside `path`): name the file asked for."""
    return click.ClickException(f"cannot write {path}: {exc.strerror or exc}")


def describe(exc: BaseException) -> str:
    """One line that says what went wrong in a user's terms."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return _os_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"the file is not valid {exc.encoding} text (byte {exc.start}); "
            "give its encoding with --encoding"
        )
    if isinstance(exc, zipfile.BadZipFile):
        return "the file is not a valid .xlsx workbook (it is not a zip archive)"
    name = type(exc).__name__
    return (
        f"unexpected failure ({name}: {exc}); nothing was changed. "
        f"Run again with {TRACEBACK_VARIABLE}=1 to see the details."
    )


def _os_error(exc: OSError) -> str:
    path = Path(str(exc.filename))
    if exc.errno == errno.ENOENT and not path.parent.exists():
        return f"cannot write {path}: the folder {path.parent} does not exist"
    if exc.errno == errno.ENOENT:
        return f"{path}: no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: permission denied"
    if exc.errno == errno.EISDIR:
        return f"{path} is a folder; give a file name"
    if exc.errno == errno.ENOTDIR:
        return f"{path}: a part of this path is a file, not a folder"
    if exc.errno == errno.ENOSPC:
        return f"{path}: no space left on the device"
    return f"{path}: {exc.strerror or exc}"


def guard_all(command: click.Command) -> None:
    """Wrap the callback of `command` and of every command below it with `guarded`."""
    if command.callback is not None and not getattr(command.callback, "_guarded", False):
        command.callback = guarded(command.callback)
        command.callback._guarded = True  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        guard_all(sub)


# -- names typed on the command line -------------------------------------------------------


def nearest(typed: str, names: Iterable[str]) -> str | None:
    """The existing name closest to what was typed (difflib), if any is close enough."""
    choices = sorted(set(names))
    found = difflib.get_close_matches(typed, choices, n=1, cutoff=0.6)
    if not found:  # a prefix or a part of a longer name ("interviews" → "interviews-2009-2010")
        found = [c for c in choices if typed and (c.startswith(typed) or typed in c)][:1]
    return found[0] if found else None


def not_found(
    what: str, typed: str, names: Iterable[str], *, hint: str = ""
) -> click.ClickException:
    """`no round "x" — did you mean "y"?`, or the list command to run when nothing is close."""
    suggestion = nearest(typed, names)
    text = f'no {what} "{typed}"'
    if suggestion:
        text += f' — did you mean "{suggestion}"?'
    elif hint:
        text += f"; {hint}"
    return click.ClickException(text)


def ambiguous(what: str, typed: str, studies: Iterable[str]) -> click.ClickException:
    """A name found in several studies: list them and say how to choose."""
    listed = ", ".join(sorted(set(studies)))
    return click.ClickException(
        f'{what} "{typed}" exists in several studies ({listed}); choose one with --study'
    )


# -- the database --------------------------------------------------------------------------


def upgrade_database(revision: str = "head") -> None:
    """Back up an existing SQLite file, then upgrade (SCHEMA-04)."""
    from survey.schema import head_revision

    current = current_revision()
    if current is not None and current != head_revision():
        backup = backup_sqlite()
        if backup:
            click.echo(f"Backed up the database to {backup}.")
    alembic_command.upgrade(alembic(), revision)


def backup_sqlite() -> Path | None:
    """Copy the SQLite database with the online backup API; None for other backends."""
    url = current_app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        return None
    source = Path(url.removeprefix("sqlite:///"))
    target = (
        Path(current_app.instance_path)
        / "backups"
        / (f"{source.stem}-{utcnow():%Y%m%dT%H%M%SZ}.sqlite")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def alembic():  # noqa: ANN201
    """The Alembic configuration for the app's database."""
    from survey.schema import alembic_config

    return alembic_config(current_app.config["DATABASE_URL"])


def current_revision() -> str | None:
    """The database's Alembic revision (None when empty)."""
    from survey.schema import current_revision as revision

    return revision()
