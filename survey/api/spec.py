"""The one spectree instance: it validates each view's query and body against the pydantic
models of `schemas` and its answers against the declared ones, and writes the OpenAPI 3.1
document from the same models (`document`)."""

from __future__ import annotations

import copy
import functools
import hashlib
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from spectree import Response as Answers
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from survey.api.problems import Problem
from survey.api.schemas import Problem as ProblemModel

ERRORS = (400, 401, 403, 404, 422, 429)


def _refuse_invalid(_req, _resp, error, _instance, _adapter) -> None:  # noqa: ANN001
    """A request that fails its schema: 422 with every field's problem."""
    if error is None:
        return
    found = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    raise Problem(422, "invalid", _("Some values are not valid."), errors=found)


spec = SpecTree(
    "flask",
    mode="strict",
    title="survey API",
    version="1",
    description="Paired interview studies: pairs, rounds, answers, comparisons, exports. "
    "Send `Authorization: Bearer TOKEN` (a token made with `survey token create` or on "
    "the study's API tokens page). See docs/api.md.",
    annotations=True,
    before=_refuse_invalid,
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))
    ],
    security={"bearer": []},
    naming_strategy=lambda model: model.__name__,
)


def answers(ok: Any = None, *more: int, status: int = 200) -> Answers:
    """The declared answers of an operation: `ok` on `status`, problems on the rest."""
    codes: dict[str, Any] = {f"HTTP_{status}": ok}
    for code in (*ERRORS, *more):
        codes[f"HTTP_{code}"] = ProblemModel
    return Answers(**codes)


# Operations spectree does not write (a streamed file): path -> a function giving the
# operation of its GET, filled by `views`.
EXTRA_OPERATIONS: dict[str, Any] = {}

# Request headers the views read themselves, documented per operation.
HEADERS = {
    "If-Match": "the discrepancy's ETag as read (required: a stale one gets 412)",
    "Idempotency-Key": "a key of your own (1-100 characters): a retry with it never saves "
    "twice and gets the first answer again",
}


def with_header(name: str):  # noqa: ANN201
    """Mark a view as reading request header `name` (documented in the OpenAPI document)."""

    def decorate(view):  # noqa: ANN001, ANN202
        view._api_headers = (*getattr(view, "_api_headers", ()), name)
        return view

    return decorate


@functools.cache
def _document(views: tuple[tuple[str, str, tuple[str, ...]], ...]) -> dict[str, Any]:
    made = copy.deepcopy(spec.spec)
    for path_item in made.get("paths", {}).values():
        for operation in path_item.values():
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if code.startswith(("4", "5")) and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
    for path, method, names in views:
        operation = made["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        required = "If-Match" in names
        operation.setdefault("parameters", []).extend(
            {
                "name": name,
                "in": "header",
                "required": required and name == "If-Match",
                "description": HEADERS[name],
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            }
            for name in names
        )
    for path, operation in EXTRA_OPERATIONS.items():
        made["paths"][path] = {"get": operation()}
    made["info"]["version"] = "1"
    return made


def document(app) -> dict[str, Any]:  # noqa: ANN001
    """The OpenAPI 3.1 document of the app's API views (made once per process)."""
    views = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        names = getattr(view, "_api_headers", ())
        if names:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                views.append((_openapi_path(rule.rule), method.lower(), names))
    return _document(tuple(sorted(views)))


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def etagged(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A single resource with its ETag; 304 when the client's copy is current."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return json_response(body, status, {"ETag": tag, **(headers or {})})


def json_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None):  # noqa: ANN201
    answer = Response(body, status, mimetype="application/json")
    answer.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        answer.headers[name] = value
    if status == 200 and "ETag" in answer.headers and request.method == "GET":
        answer.make_conditional(request)
    return answer
