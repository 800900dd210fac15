"""Site-wide routes: the language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from survey import i18n
from survey.accounts.authz import public
from survey.security import is_safe_next

bp = Blueprint("web", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.route("/lang/<code>")
@public
def switch_language(code: str) -> Response:
    """Remember the chosen interface language in a cookie and go back."""
    locale = i18n.normalize(code) or "en"
    target = request.args.get("next")
    response = redirect(target if is_safe_next(target) else url_for("studies.index"))
    response.set_cookie(i18n.COOKIE, locale, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
@public
def health() -> Response:
    """Liveness for load balancers: the database answers."""
    from sqlalchemy import text

    from survey.db import db

    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
