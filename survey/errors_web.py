"""Generic error pages in the visitor's language with the other languages below; no tracebacks."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from survey.i18n import LOCALES
from survey.templating import current_locale

TITLES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or you do not have access to it."),
    405: _l("This page does not accept that kind of request."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you saved is lost; please try again."),
    503: _l("The service is temporarily unavailable. Please try again shortly."),
}
# (path prefix, HTTP error -> answer, failure -> answer): paths that answer errors in a
# form of their own (the JSON API's problem documents), filled by the app factory.
PATH_HANDLERS: list[tuple[str, Any, Any]] = []
CSRF_MESSAGE = _l("This form has expired. Please go back, reload the page and send it again.")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` is the database being out of reach (down, restarting, locked, full):
    worth a 503 and a try again, not a 500 (FAULT-03, FAULT-04)."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)


def unavailable_reason(error: BaseException) -> str:
    """The database's own words for why it could not be used, for the log ("OperationalError:
    database is locked"): its message's first line, which names no value of the statement."""
    reason = str(getattr(error, "orig", None) or "").strip().splitlines()
    return f"{error.__class__.__name__}: {reason[0][:200]}" if reason else error.__class__.__name__


def init_app(app: Flask) -> None:
    """Register the handlers for HTTP errors, expired forms and unexpected exceptions."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _messages(status: int, message=None) -> list[tuple[str, str]]:  # noqa: ANN001
    """The message in the current locale first, then in the other locales."""
    template = message or TITLES.get(status, TITLES[500])
    ordered = [current_locale()] + [loc for loc in LOCALES if loc != current_locale()]
    result = []
    for locale in ordered:
        with force_locale(locale):
            result.append((locale, str(template)))
    return result


def _render(status: int, message=None):  # noqa: ANN001, ANN202
    headers = {"Cache-Control": "no-store"}
    return (
        render_template("errors/error.html", status=status, messages=_messages(status, message)),
        status,
        headers,
    )


def _untrusted_host(_error: SecurityError):  # noqa: ANN202
    """A Host header outside TRUSTED_HOSTS: no URL can be built for it, so plain text."""
    text = "\n".join(message for _locale, message in _messages(400)) + "\n"
    return text, 400, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _csrf_error(error: CSRFError):  # noqa: ANN202
    own = _own_handler(1)
    return own(error) if own else _render(400, CSRF_MESSAGE)


def _own_handler(index: int) -> Any:
    """The handler of the path's own error form (index 1: HTTP errors, 2: failures), if any."""
    for prefix, *handlers in PATH_HANDLERS:
        if request.path.startswith(prefix):
            return handlers[index - 1]
    return None


def _http_error(error: HTTPException):  # noqa: ANN202
    own = _own_handler(1)
    if own is not None:
        return own(error)
    status = error.code or 500
    page = _render(status, getattr(error, "message", None))
    if status == 429 and error.response is None and getattr(error, "retry_after", None):
        page[2]["Retry-After"] = str(error.retry_after)
    return page


def _unexpected(error: Exception):  # noqa: ANN202
    from flask import current_app

    own = _own_handler(2)
    if database_unavailable(error):
        current_app.logger.error("database unavailable: %s", unavailable_reason(error))
        return own(error, 503) if own else _render(503)
    current_app.logger.exception("unhandled error", exc_info=error)
    return own(error, 500) if own else _render(InternalServerError.code)
