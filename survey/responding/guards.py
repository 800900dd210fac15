"""The respondent pages' checks before any work: throttles, origin, CSRF.

- the link throttle: failed link look-ups per client address (TOK-02);
- the autosave throttle: autosaves per invitation and minute (FAULT-06);
- `csrf_holds`: Flask-WTF's own check (the token, and on HTTPS a Referer of this
  host), as a yes or no, so that a failure draws the page again with what was typed
  rather than a bare 400 (CSRF-02);
- `autosave_refusal`: JSON only, from our own pages only, with the CSRF header (CSRF-03);
- `from_our_page`: whether the browser says a post came from one of our pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_wtf.csrf import CSRFError

from survey import throttle
from survey.extensions import csrf

DEFAULT_LIMITS = {
    "TOKEN_IP_LIMIT": 20,  # failed link look-ups per client address and window (TOK-02)
    "TOKEN_IP_WINDOW_SECONDS": 900,
    "AUTOSAVE_LIMIT": 120,  # autosaves per invitation and minute (FAULT-06)
}


def _limit(name: str) -> int:
    return int(current_app.config.get(name, DEFAULT_LIMITS[name]))


def link_wait(address: str) -> int | None:
    """Seconds to wait when this address used up its failed look-ups (only failures count)."""
    return throttle.of(current_app).over(
        "link", address, _limit("TOKEN_IP_LIMIT"), _limit("TOKEN_IP_WINDOW_SECONDS")
    )


def count_link_failure(address: str) -> None:
    throttle.of(current_app).hit(
        "link", address, _limit("TOKEN_IP_LIMIT"), _limit("TOKEN_IP_WINDOW_SECONDS")
    )


def autosave_wait(invitation_id: int) -> int | None:
    """Counts this autosave; seconds to wait when the invitation used up its minute's."""
    return throttle.of(current_app).hit(
        "autosave", str(invitation_id), _limit("AUTOSAVE_LIMIT"), 60
    )


def csrf_holds() -> bool:
    """Flask-WTF's CSRF check of this post, as a yes or no rather than its 400.

    The token (form field or `X-CSRFToken` header), and on HTTPS a Referer of this
    host: everything its global check does for the other blueprints.
    """
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def autosave_refusal() -> tuple[str, int] | None:
    """JSON only, from our own pages only, with the page's CSRF token in a header (CSRF-03)."""
    if request.mimetype != "application/json":
        return "content_type", 415
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return "origin", 403
    origin = request.headers.get("Origin")
    if origin is not None and origin not in own_origins():
        return "origin", 403
    if not csrf_holds():
        return "csrf", 400
    return None


def from_our_page() -> bool:
    """Whether the browser says the request came from one of our pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("Origin") in own_origins()


def own_origins() -> set[str]:
    origins = {request.host_url.rstrip("/")}
    base = urlsplit(current_app.config.get("BASE_URL") or "")
    if base.scheme and base.netloc:
        origins.add(f"{base.scheme}://{base.netloc}")
    return origins
