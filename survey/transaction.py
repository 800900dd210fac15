"""One transaction per request: writers begin IMMEDIATE, success commits, anything else rolls back.

Only this boundary commits (STYLE.md 9). A view that must keep something even
though it answers with an error (a failed login counts) commits explicitly.

A view marked `reads_first` begins its POSTs as a reader too and calls
`begin_writing()` once it knows what to write, so that SQLite's single writer lock
is held for the writes alone, not for the reading, checking and drawing before them.
On PostgreSQL such a view reads in autocommit and its transaction begins with its
first write, which saves the BEGIN round trip of every request. Its GETs may read
their one statement on a connection of their own (`reads_alone`), without the
session's transaction at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

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
    if _bind().dialect.name == "sqlite":
        session = _made_session()
        if session is not None and (session.in_transaction() or session.identity_map):
            session.commit()
    elif _is_postgresql():
        connection = db.session.connection()
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # Not through SQLAlchemy, which forbids changing the level of a connection
            # it has begun on; the driver allows it while idle, which autocommit always
            # is. The pool resets the level when the connection goes back.
            connection.connection.dbapi_connection.autocommit = False
    set_writing(True)


def reads_alone() -> Engine | None:
    """The engine to read on (`db.reader`), when this request may read on a connection
    of its own.

    So may a `reads_first` view that has begun no transaction, on GET, and on SQLite
    until `begin_writing()`: its reads (`db.read_alone`) need no snapshot shared with
    anything else it does, its writes are guarded against what changed since. (Not
    a PostgreSQL POST: its writes would take a second connection, and the pool's ping
    of it a round trip; it reads in autocommit on the session's.) Not while the
    session is bound to a connection (the tests' transactions).
    """
    if not g.get("reads_alone"):
        return None
    session = _made_session()
    if session is not None and session.in_transaction():
        return None
    return db.reader if _bind() is db.engine else None


def _bind() -> Engine | Connection:
    """What the session reads from, without making a session."""
    return db.session.session_factory.kw["bind"]


def _made_session() -> Session | None:
    """The request's session, if anything made one so far (None: nothing used it)."""
    registry = db.session.registry
    return registry() if registry.has() else None


def _begin() -> None:
    ensure_schema_current()
    view = current_app.view_functions.get(request.endpoint or "")
    reads_first_view = getattr(view, "reads_first", False)
    set_writing(request.method not in SAFE_METHODS and not reads_first_view)
    if reads_first_view and (request.method in SAFE_METHODS or _bind().dialect.name == "sqlite"):
        g.reads_alone = True  # the session begins only if something else reads, or it writes
    elif reads_first_view and _is_postgresql():
        # Such a view reads statement by statement (READ COMMITTED gives each its own
        # snapshot anyway) until `begin_writing()`: no BEGIN and COMMIT round trips.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _is_postgresql() -> bool:
    """PostgreSQL, with the session on the engine (tests bind it to an open transaction)."""
    bind = _bind()
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


def _finish(response: Response) -> Response:
    session = _made_session()
    if session is None or not (session.in_transaction() or session.identity_map):
        return response  # nothing begun and nothing loaded: nothing to commit or undo
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _teardown(_exc: BaseException | None) -> None:
    if _made_session() is not None:
        db.session.rollback()
        db.session.remove()
    set_writing(False)  # the next request, or code run after it in this thread, starts fresh
