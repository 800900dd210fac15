"""The session cookie and the CSRF token, each signature worked out once, not per request.

Flask checks the session cookie's signature on every request, building its
serializer anew each time (which serializes a test value), and Flask-WTF signs the
session's CSRF token on every page. Both are HMACs with a key derivation: for a
respondent's page, which carries the same cookie from request to request, about a
tenth of the application's work. Here:

- `CookieSessions` verifies a cookie value once and remembers its data and the
  time it was signed. A request with the very same value gets a copy of the data,
  its age checked every time as Flask would (a cookie older than the session
  lifetime, or signed in the future, opens an empty session). Another value, or
  another secret key, is verified in full.
- `csrf_token` signs the session's raw token once per second: the signed token
  carries its time in whole seconds, so within a second Flask-WTF would sign it
  to the same string. `csrf_valid` is Flask-WTF's `validate_csrf` as a yes or no,
  a token's signature checked once, its age and its match with the session's raw
  token every time.
"""

from __future__ import annotations

import functools
import hmac
import time
from typing import Any

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Request

__all__ = ["CookieSessions", "csrf_token", "csrf_valid", "init_app"]

CSRF_FIELD = "csrf_token"  # Flask-WTF's defaults, which the app keeps
CSRF_SALT = "wtf-csrf-token"
_REMEMBERED = 4096  # cookie values (each at most the browser's 4 KB), or CSRF tokens
_TOKENS: dict[tuple[str | bytes, str], tuple[object, int]] = {}  # -> (raw token, signed at)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.jinja_env.globals["csrf_token"] = csrf_token


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, a cookie's signature checked once per process."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}
        # cookie value -> (its serializer, its data, when it was signed)
        self._verified: dict[str, tuple[URLSafeTimedSerializer, Any, int]] = {}

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
        _serializer, data, signed_at = known
        age = _now() - signed_at  # as itsdangerous's TimestampSigner counts it
        if age < 0 or age > max_age:
            return self.session_class()
        return self.session_class(_copy(data))

    def _verify(
        self, serializer: URLSafeTimedSerializer, value: str
    ) -> tuple[URLSafeTimedSerializer, Any, int] | None:
        """The data and signing time of a cookie whose signature holds, remembered."""
        for signer in serializer.iter_unsigners():
            try:
                payload, signed = signer.unsign(value, return_timestamp=True)
            except BadSignature:
                continue
            known = (serializer, serializer.load_payload(payload), int(signed.timestamp()))
            if len(self._verified) >= _REMEMBERED:
                self._verified.clear()
            self._verified[value] = known
            return known
        return None


def _copy(data: Any) -> Any:
    """A session's data as its cookie gave it, anew: a request may change what it gets.

    The data is what Flask's tagged JSON loads: dicts, lists and tuples of strings,
    numbers, booleans, None, bytes, Markup, UUIDs and datetimes, the latter immutable.
    """
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    if isinstance(data, tuple):
        return tuple(_copy(value) for value in data)
    return data


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


def csrf_valid(token: Any) -> bool:
    """Flask-WTF's `validate_csrf(token)` without raising: whether the form's token holds.

    It must carry a valid signature, be no older than WTF_CSRF_TIME_LIMIT (nor from
    the future) and sign this session's raw token.
    """
    config = current_app.config
    if config.get("WTF_CSRF_FIELD_NAME", CSRF_FIELD) != CSRF_FIELD:
        return _validated(token)
    raw = session.get(CSRF_FIELD)
    if not token or not isinstance(token, str) or not isinstance(raw, str):
        return False
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    known = _TOKENS.get((secret, token))
    if known is None:
        try:
            signed, at = URLSafeTimedSerializer(secret, salt=CSRF_SALT).loads(
                token, return_timestamp=True
            )
        except BadData:
            return False
        known = (signed, int(at.timestamp()))
        if len(_TOKENS) >= _REMEMBERED:
            _TOKENS.clear()
        _TOKENS[(secret, token)] = known
    signed, signed_at = known
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if limit is not None and not 0 <= _now() - signed_at <= limit:
        return False
    return isinstance(signed, str) and hmac.compare_digest(raw.encode(), signed.encode())


def _validated(token: Any) -> bool:
    from flask_wtf.csrf import ValidationError, validate_csrf

    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
