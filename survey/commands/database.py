"""Backup and restore of the whole database (QUALITY.md FAULT-07).

SQLite is copied with its online backup API, which takes a consistent snapshot while the
service keeps writing (readers and writers wait a moment, nothing is torn). PostgreSQL is
dumped and restored with its own tools, `pg_dump --format=custom` and `pg_restore`, which
must be on the PATH (Debian: postgresql-client): they are the tools a PostgreSQL operator
already trusts, and they keep what an ORM copy would lose (triggers, sequences, grants).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404  (pg_dump and pg_restore, with argument lists)
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from survey.db import db, utcnow


def database_url() -> str:
    return str(current_app.config["DATABASE_URL"])


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise click.ClickException("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def backup(target: Path) -> None:
    """Write a consistent copy of the database to `target`, which must not exist yet."""
    if target.exists():
        raise click.ClickException(f"{target} exists already: choose a new file name.")
    if not target.parent.is_dir():
        raise click.ClickException(f"{target.parent} does not exist or is not a folder.")
    url = database_url()
    if is_sqlite(url):
        partial = target.with_name(target.name + ".partial")
        _copy_sqlite(sqlite_path(url), partial)
        partial.replace(target)  # a crash mid-copy never leaves a file that looks complete
        return
    _run_tool(url, "pg_dump", "--format=custom", "--no-owner", "--file", str(target))


def restore(source: Path) -> Path | None:
    """Replace the database's content with the backup `source`.

    SQLite: the current file is first kept beside the instance's backups (its path is
    returned). PostgreSQL: `pg_restore --clean` in one transaction, so a failed restore
    leaves the database as it was.
    """
    if not source.is_file():
        raise click.ClickException(f"{source} does not exist or is not a file.")
    url = database_url()
    db.session.remove()  # no connection of this process may hold the old database
    db.dispose()
    if is_sqlite(url):
        _check_sqlite_backup(source)
        current = sqlite_path(url)
        kept = None
        if current.exists():
            stamp = f"{utcnow():%Y%m%dT%H%M%SZ}"
            kept = _instance_backups() / f"{current.stem}-before-restore-{stamp}.sqlite"
            _copy_sqlite(current, kept)
        _copy_sqlite(source, current)
        return kept
    _run_tool(
        url,
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        str(source),
    )
    return None


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while others write."""
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


def _check_sqlite_backup(source: Path) -> None:
    """Refuse a file that is not an intact SQLite database of this service."""
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file:
            integrity = backup_file.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in backup_file.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{source} is not an SQLite database ({error}).") from error
    if integrity != "ok":
        raise click.ClickException(f"{source} is damaged: {integrity}")
    if "alembic_version" not in tables:
        raise click.ClickException(f"{source} is not a database of this service.")


def _instance_backups() -> Path:
    folder = Path(current_app.instance_path) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_tool(url: str, name: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the database of `url`; its password goes by environment,
    never on the command line where other users of the machine could read it."""
    tool = shutil.which(name)
    if tool is None:
        raise click.ClickException(
            f"{name} was not found: install PostgreSQL's client tools (Debian: postgresql-client)."
        )
    parsed = make_url(url)
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None)
    dbname = target.render_as_string(hide_password=False)
    command = [tool, "--dbname", dbname, *args]  # options before the file, in any order
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise click.ClickException(f"{name} failed: {last}")
