"""Refuse to serve a database that is not at the migration head (QUALITY.md SCHEMA-04)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import abort, current_app

from survey.db import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_checked: set[str] = set()


def alembic_config(url: str) -> Config:
    """An Alembic configuration for our migrations folder and this database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision of the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision() -> str | None:
    """The revision the database is at (None when empty)."""
    assert db.engine is not None
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_problem() -> str | None:
    """Why the database cannot be served, or None when it is at head."""
    head, current = head_revision(), current_revision()
    if current == head:
        return None
    if current is None:
        return "The database is empty. Run `survey db upgrade` to create it."
    return (
        f"The database is at revision {current} but the code needs {head}. "
        "Run `survey db upgrade` (a backup is taken first)."
    )


def ensure_schema_current() -> None:
    """Before each request: 503 when the schema is not at head (checked once per process)."""
    url = current_app.config["DATABASE_URL"]
    if url in _checked or not current_app.config.get("CHECK_SCHEMA", True):
        return
    problem = schema_problem()
    if problem:
        current_app.logger.error(problem)
        abort(503, description="schema")
    _checked.add(url)
