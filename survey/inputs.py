"""What a request may carry: no control characters in its text, no numbers past the database's.

Every query parameter, path segment and form field of the researcher's pages is checked
before a view runs (QUALITY.md INJ-01; issue 15, F2). A NUL byte would otherwise reach
PostgreSQL, which refuses it in a string ("A string literal cannot contain NUL"), and a
page number or id past 2**63 - 1 overflows its `bigint`: both were 500s. Refusing them here,
with a 400 page in the visitor's language, keeps every view from having to.

Tab, line feed and carriage return are text (a note has lines); every other C0 and C1
control character, and DEL, is refused. The respondent's pages and the interviewer's entry
form check their answers one field at a time and show the message beside the field, keeping
what was typed: their form values are left to them, not refused whole here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LARGEST_ID = 2**63 - 1  # PostgreSQL's bigint; SQLite's INTEGER is the same

# Endpoints whose form values are answers, checked per field by the answer types.
ANSWER_BLUEPRINTS = frozenset({"responding"})
ANSWER_ENDPOINTS = frozenset({"entry.enter"})

MESSAGE = _l(
    "What you sent contains invisible control characters, or a number that is too large."
    " Please correct it and try again."
)


FIELD_MESSAGE = _l("This text contains invisible control characters; please remove them.")


def no_control_characters(_form: object, field: object) -> None:
    """WTForms validator for the text fields of an answer form (whose values skip the check)."""
    from wtforms.validators import ValidationError

    if isinstance(field.data, str) and CONTROL.search(field.data):  # type: ignore[attr-defined]
        raise ValidationError(str(FIELD_MESSAGE))


class BadInput(BadRequest):
    """A 400 whose page says what was wrong with the input, in the visitor's language."""

    message = MESSAGE


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number past the database's largest id matches no page (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, A002
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class LimitedRequest(Request):
    """A request whose URL-encoded body is held to `MAX_FORM_MEMORY_SIZE` (FILE-03).

    Werkzeug applies `MAX_FORM_MEMORY_SIZE` and `MAX_FORM_PARTS` to multipart bodies only:
    a URL-encoded body is read whole, bounded by `MAX_CONTENT_LENGTH` (16 MB, for uploads)
    alone, so a 15 MB field was accepted (issue 15, F6). Its whole body is one form's
    fields, so it gets the form limit; too many fields are refused in `check_request`.
    """

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self.mimetype == _URLENCODED and current_app:
            form_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
            if form_limit is not None and (limit is None or form_limit < limit):
                return int(form_limit)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Check every request's text before its view; `<int:>` routes stop at the largest id."""
    app.request_class = LimitedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)


def has_control(values: Iterable[str]) -> bool:
    return any(CONTROL.search(value) for value in values)


def check_request() -> None:
    """Refuse too many fields, and control characters in the query, the path and (but for
    answers) the form."""
    if request.method == "POST" and request.mimetype == _URLENCODED:
        parts = current_app.config.get("MAX_FORM_PARTS")
        if parts is not None and sum(map(len, request.form.listvalues())) > parts:
            raise RequestEntityTooLarge()
    if request.blueprint in ANSWER_BLUEPRINTS:
        return  # a link or an answer: the respondent's pages answer each with their own page
    texts = [*request.args.keys(), *_all_values(request.args.listvalues())]
    texts += [value for value in (request.view_args or {}).values() if isinstance(value, str)]
    if request.method == "POST" and request.mimetype in _FORM_TYPES:
        texts += request.form.keys()
        if request.endpoint not in ANSWER_ENDPOINTS:
            texts += _all_values(request.form.listvalues())
    if has_control(texts):
        raise BadInput()


def _all_values(lists: Iterable[list[str]]) -> list[str]:
    return [value for values in lists for value in values]


_URLENCODED = "application/x-www-form-urlencoded"
_FORM_TYPES = frozenset({_URLENCODED, "multipart/form-data"})
