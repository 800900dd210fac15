"""The API's blueprint (`/api/v1`, no session, no CSRF), its hooks and error handlers, the
OpenAPI document and the documentation page. The resources are in `read_views` and
`write_views`, which add their routes to `bp`; `views` gathers them."""

from __future__ import annotations

from flask import Blueprint, current_app, g, json, render_template
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from survey.accounts.authz import public
from survey.api import problems
from survey.api.spec import etagged
from survey.errors import NotFoundError, ServiceError
from survey.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")
csrf.exempt(bp)  # a bearer token, never a cookie: nothing for a forged form to ride on


@bp.before_request
def _language() -> None:
    g.locale_override = problems.locale()  # Accept-Language alone: an API client has no cookie


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError):  # noqa: ANN202
    if isinstance(error, NotFoundError):
        return problems.response(404, "not_found", error.message)
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    return problems.response(422, error.code, error.message, errors=errors)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):  # noqa: ANN202
    return problems.from_http(error)


@bp.errorhandler(DBAPIError)
def _database_error(error: DBAPIError):  # noqa: ANN202
    from survey.errors_web import database_unavailable

    if database_unavailable(error):
        return problems.from_exception(error, 503)
    raise error


@bp.route("/openapi.json")
@public
def openapi():  # noqa: ANN201
    """The OpenAPI 3.1 document, written from the schemas that validate the requests."""
    from survey.api.spec import document

    body = json.dumps(document(current_app), ensure_ascii=False).encode()
    return etagged(body)


@bp.route("/docs")
@public
def docs() -> str:
    """The API's reference, drawn by the vendored Redoc from the OpenAPI document."""
    return render_template("api/docs.html")
