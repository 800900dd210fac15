"""One transaction per request: writers begin IMMEDIATE, success commits, anything else rolls back.

Only this boundary commits (STYLE.md 9). A view that must keep something even
though it answers with an error (a failed login counts) commits explicitly.

A view marked `reads_first` begins its POSTs as a reader too and calls
`begin_writing()` once it knows what to write, so that SQLite's single writer lock
is held for the writes alone, not for the reading, checking and drawing before them.
On PostgreSQL such a view reads in autocommit and its transaction begins with its
first write, which saves the BEGIN round trip of every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from sqlalchemy import Engine

from survey.db import db, set_writing
from survey.schema import ensure_schema_current

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def reads_first(view: View) -> View:
    """Mark a view that reads before it writes and calls `begin_writing()` in between.

    Until then it must only read (its GETs throughout): on PostgreSQL its reads run
    in autocommit, statement by statement (see `_begin`).
    """
    view.reads_first = True  # type: ignore[attr-defined]
    return view


def begin_writing() -> None:
    """From here on this request writes; what it read may since have changed.

    On SQLite the read transaction ends (loaded objects stay usable) and what follows
    begins IMMEDIATE, a fresh writer transaction: a reader's transaction could not
    become a writer once another writer had committed. On PostgreSQL the reads ran in
    autocommit; the connection leaves it, so the first write begins a transaction
    (psycopg sends the BEGIN with it). Either way, guard the writes (e.g. by a
    version) against what changed since the reads.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    elif _is_postgresql():
        connection = db.session.connection()
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # Not through SQLAlchemy, which forbids changing the level of a connection
            # it has begun on; the driver allows it while idle, which autocommit always
            # is. The pool resets the level when the connection goes back.
            connection.connection.dbapi_connection.autocommit = False
    set_writing(True)


def _begin() -> None:
    ensure_schema_current()
    view = current_app.view_functions.get(request.endpoint or "")
    reads_first_view = getattr(view, "reads_first", False)
    set_writing(request.method not in SAFE_METHODS and not reads_first_view)
    if reads_first_view and _is_postgresql():
        # Such a view reads statement by statement (READ COMMITTED gives each its own
        # snapshot anyway) until `begin_writing()`: no BEGIN and COMMIT round trips.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _is_postgresql() -> bool:
    """PostgreSQL, with the session on the engine (tests bind it to an open transaction)."""
    bind = db.session.get_bind()
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


def _finish(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _teardown(_exc: BaseException | None) -> None:
    db.session.rollback()
    db.session.remove()
    set_writing(False)  # the next request, or code run after it in this thread, starts fresh
