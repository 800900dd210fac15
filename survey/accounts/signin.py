"""What the sign-in pages share: the throttle, the pending second step, the fresh session."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from survey import throttle
from survey.accounts import services, sessions
from survey.accounts.models import User
from survey.db import db, utcnow
from survey.security import is_safe_next

PENDING = "pending_signin"  # the user whose password was right, until the second step
PENDING_SECONDS = 600


def throttle_wait() -> int | None:
    """Seconds to wait when this client address used up its sign-in attempts (AUTH-02).

    Passwords and codes draw on the same allowance.
    """
    config = current_app.config
    return throttle.of(current_app).hit(
        "login",
        request.remote_addr or "unknown",
        config["LOGIN_IP_LIMIT"],
        config["LOGIN_IP_WINDOW_SECONDS"],
    )


def limits() -> dict[str, int]:
    config = current_app.config
    return {
        "max_attempts": config["LOGIN_MAX_ATTEMPTS"],
        "lockout_minutes": config["LOGIN_LOCKOUT_MINUTES"],
    }


def start_session(user: User) -> None:
    """A fresh session on login: nothing from before survives (AUTH-03); a row names it."""
    from survey.accounts import two_factor  # the device's name

    device = two_factor.device_name(request.headers.get("User-Agent", ""))
    sid = sessions.start(db.session, user, device)
    keep_lang = session.get("lang")
    session.clear()
    now = int(utcnow().timestamp())
    session.update(uid=user.id, sv=user.session_version, sid=sid, seen=now, touched=now)
    if keep_lang:
        session["lang"] = keep_lang


def hold(user: User, step: str, target: str) -> None:
    """Password right; the session waits for the second step ("code" or "enrol")."""
    keep_lang = session.get("lang")
    session.clear()  # nothing of a session from before (AUTH-03)
    if keep_lang:
        session["lang"] = keep_lang
    session[PENDING] = {
        "uid": user.id,
        "sv": user.session_version,
        "at": int(utcnow().timestamp()),
        "step": step,
        "next": target,
    }


def held(step: str) -> tuple[User, dict[str, Any]] | None:
    """The user waiting for `step`, while the wait is fresh and nothing revoked it."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if utcnow().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.is_active or user.session_version != pending.get("sv"):
        session.pop(PENDING, None)
        return None
    return user, pending


def finish(user: User, target: str, second_factor: str | None) -> Response:
    """Both steps done: audit the login, start a fresh session, go where the user was going."""
    services.login_succeeded(db.session, user, second_factor)
    start_session(user)
    return redirect(target if is_safe_next(target) else url_for("studies.index"))
