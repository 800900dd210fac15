"""Authorisation: every route declares a policy; anything undeclared is denied (ACL-01).

Policies: `public` (anyone), `login` (a signed-in researcher), `study:<role>` (a
member of the study named in the URL with at least that role; others get 404 so
that a study's existence does not leak, ACL-02; `survey.studies.access`), `admin`,
and `respondent` (a respondent session, checked by the responding blueprint).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from survey.accounts import sessions
from survey.accounts.models import User
from survey.db import db, set_writing, utcnow

F = TypeVar("F", bound=Callable[..., Any])
ROLE_RANK = {"viewer": 1, "interviewer": 2, "researcher": 3, "owner": 4}
RESEARCHER_KEYS = ("uid", "sv", "sid", "seen", "touched")
# Blueprints that never read the session: their callers show a bearer token instead (the
# JSON API), so a session cookie sent along is not accepted there. Filled by the app factory.
SESSIONLESS: set[str] = set()


def declare(policy: str) -> Callable[[F], F]:
    """Mark a view with its policy, which `enforce_declared_policy` requires."""

    def decorate(view: F) -> F:
        view._policy = policy  # type: ignore[attr-defined]
        return view

    return decorate


public = declare("public")
respondent = declare("respondent")


def login_required(view: F) -> F:
    """Signed-in researchers only; others are sent to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return declare("login")(wrapped)  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Administrators only."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("accounts.login", next=request.path))
        if not g.user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return declare("admin")(wrapped)  # type: ignore[return-value]


def load_user() -> None:
    """Before each request: the signed-in user, if the session is still valid.

    Valid: the account active, its session version unchanged (AUTH-04), not idle too
    long, and the session's row not ended (the Sessions page, an administrator). The
    row's last-seen time moves on every few minutes; such a request begins as a writer.
    """
    g.user = g.user_session = None
    if request.blueprint in SESSIONLESS:
        return
    user_id, version, sid = session.get("uid"), session.get("sv"), session.get("sid")
    if user_id is None:
        return
    now = utcnow()
    touch = now.timestamp() - session.get("touched", 0) > sessions.TOUCH_SECONDS
    if touch:
        set_writing(True)  # before the request's first statement: it begins as a writer
    user = db.session.get(User, user_id)
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    seen = dt.datetime.fromtimestamp(session.get("seen", 0), dt.UTC)
    row = sessions.find(db.session, user_id, sid) if isinstance(sid, str) else None
    if (
        user is None
        or row is None
        or not user.is_active
        or user.session_version != version
        or now - seen > idle
    ):
        for key in RESEARCHER_KEYS:  # a respondent session in the same browser stays
            session.pop(key, None)
        return
    session["seen"] = int(now.timestamp())
    if touch:
        row.last_seen_at = now
        session["touched"] = int(now.timestamp())
    g.user, g.user_session = user, row


def enforce_declared_policy() -> None:
    """Deny any endpoint that did not declare a policy (deny by default)."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_policy", None) is None:
        abort(404)
