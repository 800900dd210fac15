"""One transaction per request: writers begin IMMEDIATE, success commits, anything else rolls back.

Only this boundary begins, commits and rolls back (STYLE.md 9); views never do.
A long read that must not hold writers up (an export) runs in `reading_apart()`.
Requests with an unsafe method write (SQLite: `BEGIN IMMEDIATE`, so two writers
queue on the lock instead of failing halfway), and so do the GET views marked
`writes` (a respondent's link exchange). A view that must keep something although
it answers with an error (a refused post's audit row) calls `keep_on_error()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from survey import faults
from survey.db import db, set_writing
from survey.schema import ensure_schema_current

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def writes(view: View) -> View:
    """Mark a view whose GETs write too: its transaction begins as a writer."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def keep_on_error() -> None:
    """Commit this request's transaction even though its answer will be an error."""
    g.keep_on_error = True


@contextlib.contextmanager
def reading_apart() -> Iterator[Session]:
    """A long read (an export) in a reader's transaction of its own, so writers go on meanwhile.

    What the request did so far is committed first, letting go of a writer's lock
    (SQLite); the body reads in a transaction that begins as a reader and ends with a
    rollback; what the request writes after it (the export's audit row) begins a
    writer's transaction again, committed or rolled back when the request ends.
    """
    db.session.commit()
    set_writing(False)
    try:
        yield db.session
    finally:
        db.session.rollback()
        set_writing(True)


def _made_session() -> Session | None:
    """The request's session, if anything made one so far (None: nothing used it)."""
    registry = db.session.registry
    return registry() if registry.has() else None


def _begin() -> None:
    ensure_schema_current()
    view = current_app.view_functions.get(request.endpoint or "")
    set_writing(request.method not in SAFE_METHODS or getattr(view, "writes", False))


def _finish(response: Response) -> Response:
    session = _made_session()
    if session is None or not (session.in_transaction() or session.identity_map):
        return response  # nothing begun and nothing loaded: nothing to commit or undo
    if response.status_code < 400 or g.get("keep_on_error"):
        try:
            faults.at_commit("before_commit", request)  # FAULT-02's crash tests (survey/faults.py)
            db.session.commit()
            faults.at_commit("after_commit", request)
        except Exception as error:  # noqa: BLE001  (the database refused the commit: full, gone)
            db.session.rollback()
            # The answer becomes the error's page, drawn by the handlers a view's error gets
            # (a 503 that keeps what was typed when the database is out of reach).
            return current_app.make_response(current_app.handle_user_exception(error))
    else:
        db.session.rollback()
    return response


def _teardown(_exc: BaseException | None) -> None:
    if _made_session() is not None:
        db.session.rollback()
        db.session.remove()
    set_writing(False)  # the next request, or code run after it in this thread, starts fresh
