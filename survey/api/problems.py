"""Errors as `application/problem+json` (RFC 9457), worded in the Accept-Language language.

Every error under `/api/v1/` answers this way, whether a view raised it, the request
never reached a view (an unknown path, a refused method, a control character in the
query) or the request body failed its schema: `errors_web` hands those paths here.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, json, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from survey import i18n
from survey.errors_web import TITLES

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"
API_TITLES = {
    401: _l("A valid API token is required."),
    403: _l("Your token or your role in this study does not allow this."),
    404: _l("This resource does not exist, or your token cannot see it."),
    409: _l("This conflicts with the current state of the resource."),
    412: _l("The resource has changed since you read it."),
    415: _l("Send the request body as JSON."),
    422: _l("The request is not valid."),
    428: _l("This request must say which version it changes (If-Match)."),
}


class Problem(HTTPException):
    """An API error: status, a stable code, and a detail worded for people."""

    def __init__(self, status: int, code: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(description=detail)
        self.code = status
        self.problem_code = code
        self.detail = detail
        self.extra = extra


def locale() -> str:
    """The request's language: Accept-Language only (an API client has no cookie)."""
    for value, _quality in request.accept_languages:
        found = i18n.normalize(value)
        if found:
            return found
    return "en"


def title(status: int) -> str:
    template = API_TITLES.get(status) or TITLES.get(status) or TITLES[500]
    return str(template)


def response(
    status: int,
    code: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem document in the request's language."""
    with force_locale(g.get("locale_override") or locale()):
        body = {
            "type": f"/api/v1/problems/{code}",
            "title": title(status),
            "status": status,
            "code": code,
            **({"detail": str(detail)} if detail else {}),
            "instance": request.path,
            **extra,
        }
        if "errors" in body:
            body["errors"] = [
                {k: str(v) if k == "message" else v for k, v in e.items()} for e in body["errors"]
            ]
    answer = Response(json.dumps(body, ensure_ascii=False), status, mimetype=MEDIA_TYPE)
    answer.headers["Cache-Control"] = "no-store"
    answer.headers["Content-Language"] = i18n.TAGS[g.get("locale_override") or locale()]
    for name, value in (headers or {}).items():
        answer.headers[name] = value
    return answer


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def from_http(error: HTTPException) -> Response:
    """Any HTTP error on an API path as a problem document."""
    status = error.code or 500
    headers = {}
    if isinstance(error, Problem):
        if error.extra.get("retry_after"):
            headers["Retry-After"] = str(error.extra["retry_after"])
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="survey"'
        return response(status, error.problem_code, error.detail, headers, **error.extra)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if status == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="survey"'
    detail = getattr(error, "message", None)  # what the kernel said, e.g. inputs' refusal
    return response(status, CODES.get(status, "error"), detail, headers=headers)


def from_exception(_error: BaseException, status: int) -> Response:
    """An unexpected failure (500) or the database out of reach (503)."""
    return response(status, CODES[status])


def is_api_path() -> bool:
    return request.path.startswith(PREFIX)
