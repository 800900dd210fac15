"""Security plumbing: headers, request context for the audit log, throttles, safe redirects."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def init_app(app: Flask) -> None:
    """Attach a request id and the security headers to every response."""
    app.before_request(_start_request)
    app.after_request(_headers)


def _start_request() -> None:
    g.request_id = secrets.token_hex(8)


_SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _headers(response: Response) -> Response:
    """The security headers, where the view did not set its own (one pass over the list)."""
    from flask import current_app

    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    wanted = _SECURITY_HEADERS
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        wanted += (_HSTS,)
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def request_context() -> dict[str, Any]:
    """Request id, client address and acting user for audit rows (empty outside requests)."""
    if not has_request_context():
        return {}
    user = getattr(g, "user", None)
    context: dict[str, Any] = {
        "request_id": getattr(g, "request_id", None),
        "ip": request.remote_addr,
    }
    if user is not None:
        context["actor_user_id"] = user.id
    return context


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after login (AUTH-06)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(c in target for c in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def hit_limit(session: Session, key: str, limit: int, window_seconds: int) -> int | None:
    """Count one attempt under `key`; return seconds to wait when over `limit`, else None."""
    from survey.accounts.models import RateLimitBucket

    now = utcnow()
    bucket = session.scalar(select(RateLimitBucket).where(RateLimitBucket.key == key))
    if bucket is None:
        bucket = RateLimitBucket(key=key, window_start=now, count=0)
        session.add(bucket)
    elif now - bucket.window_start >= dt.timedelta(seconds=window_seconds):
        bucket.window_start, bucket.count = now, 0
    bucket.count += 1
    session.flush()
    if bucket.count > limit:
        remaining = window_seconds - (now - bucket.window_start).total_seconds()
        return max(1, int(remaining))
    return None
