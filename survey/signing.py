"""The session cookie and the CSRF token, each signature worked out once, not per request.

Flask checks the session cookie's signature on every request, building its
serializer anew each time (which serializes a test value), and Flask-WTF signs the
session's CSRF token on every page. Both are HMACs with a key derivation: for a
respondent's page, which carries the same cookie from request to request, about a
tenth of the application's work. Here:

- `CookieSessions` verifies a cookie value once and remembers its payload and the
  time it was signed. A request with the very same value reuses them, its age
  checked every time as Flask would (a cookie older than the session lifetime, or
  signed in the future, opens an empty session). Another value, or another secret
  key, is verified in full.
- `csrf_token` signs the session's raw token once per second: the signed token
  carries its time in whole seconds, so within a second Flask-WTF would sign it
  to the same string.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Request

__all__ = ["CookieSessions", "csrf_token", "init_app"]

CSRF_FIELD = "csrf_token"  # Flask-WTF's defaults, which the app keeps
CSRF_SALT = "wtf-csrf-token"
_REMEMBERED = 4096  # cookie values; each at most the browser's 4 KB


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.jinja_env.globals["csrf_token"] = csrf_token


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, a cookie's signature checked once per process."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}
        # cookie value -> (its serializer, payload as signed, when it was signed)
        self._verified: dict[str, tuple[URLSafeTimedSerializer, bytes, int]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per secret key (and fallback keys)."""
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {key: serializer}  # a new secret key retires the old one
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is None or known[0] is not serializer:
            known = self._verify(serializer, value)
            if known is None:
                return self.session_class()
        _serializer, payload, signed_at = known
        age = _now() - signed_at  # as itsdangerous's TimestampSigner counts it
        if age < 0 or age > max_age:
            return self.session_class()
        return self.session_class(serializer.load_payload(payload))

    def _verify(
        self, serializer: URLSafeTimedSerializer, value: str
    ) -> tuple[URLSafeTimedSerializer, bytes, int] | None:
        """The payload and signing time of a cookie whose signature holds, remembered."""
        for signer in serializer.iter_unsigners():
            try:
                payload, signed = signer.unsign(value, return_timestamp=True)
            except BadSignature:
                continue
            known = (serializer, payload, int(signed.timestamp()))
            if len(self._verified) >= _REMEMBERED:
                self._verified.clear()
            self._verified[value] = known
            return known
        return None


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf()`, the session's raw token signed once a second."""
    raw = session.get(CSRF_FIELD)
    config = current_app.config
    if (
        CSRF_FIELD not in g
        and isinstance(raw, str)
        and config.get("WTF_CSRF_FIELD_NAME", CSRF_FIELD) == CSRF_FIELD
    ):
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        setattr(g, CSRF_FIELD, _signed(secret, raw, _now()))
    return generate_csrf()


def _now() -> int:
    """The time in whole seconds, as itsdangerous stamps and checks signatures."""
    return int(time.time())


@functools.lru_cache(maxsize=1024)
def _signed(secret: str | bytes, raw: str, _second: int) -> str:
    return URLSafeTimedSerializer(secret, salt=CSRF_SALT).dumps(raw)
