"""One transaction per request: writers begin IMMEDIATE, success commits, anything else rolls back.

Only this boundary commits (STYLE.md 9). A view that must keep something even
though it answers with an error (a failed login counts) commits explicitly.
"""

from __future__ import annotations

from flask import Flask, Response, request

from survey.db import db, set_writing
from survey.schema import ensure_schema_current

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def _begin() -> None:
    ensure_schema_current()
    set_writing(request.method not in SAFE_METHODS)


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
