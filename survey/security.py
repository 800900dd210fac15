"""Security plumbing: the client behind proxies, headers, audit request context, safe redirects."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def init_app(app: Flask) -> None:
    """Believe the trusted proxies; attach a request id and the security headers to every response.

    With `TRUSTED_PROXIES=N` the last N entries of X-Forwarded-For and X-Forwarded-Proto
    (each proxy appends one) give the client's address and scheme, so that throttles
    count per client rather than per proxy (issue 15, F1) and HTTPS is known as such.
    Off by default: a client could otherwise claim any address by sending the header.
    The proxy must pass the Host header on (nginx: `proxy_set_header Host $host`).
    """
    app.session_interface = SigningOnceSessionInterface()
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.before_request(_start_request)
    app.after_request(_headers)


class SigningOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions as shipped, but their serializer made once per key.

    Flask builds a new serializer (and its signer) for every request, once to read the
    cookie and once to write it; this keeps the one it built for the current secret key
    and fallbacks. Signing and verifying are Flask's and itsdangerous's own.
    """

    def __init__(self) -> None:
        self._made: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made
        if made is None or made[0] != keys:
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]


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


def request_details() -> dict[str, Any]:
    """What every audit row of this request adds to its details: the API token it came
    with, by name (`g.audit_via`, set by the API's gate), so a token's use is traceable."""
    if not has_request_context():
        return {}
    return dict(getattr(g, "audit_via", None) or {})


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after login (AUTH-06)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(c in target for c in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
