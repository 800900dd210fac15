"""Respondent pages: the link exchange, welcome, one section a page, autosave, review, thanks.

The routes live in `link` (the personal link), `pages` (sections and autosave),
`finish` (review, thanks, declining) and `entry` (interviewer entry on a
respondent's behalf); this module gathers them on the blueprint with the headers
and error pages every respondent page shares. See docs/respondent.md.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from survey.errors_web import TITLES, database_unavailable, unavailable_reason
from survey.extensions import csrf
from survey.responding import bp, entry, finish, followup, link, pages
from survey.responding.respondent import SESSION_KEY, message_page, stash

__all__ = ["blueprints", "bp", "finish", "followup", "link", "pages"]

# Interviewer entry is a researcher's page, on a blueprint of its own: the site's CSRF
# check, headers and error pages, not the respondent's.
blueprints = (bp, entry.bp)

# Flask-WTF's check runs in each respondent view instead of before it (`guards.csrf_holds`),
# so that a failure draws the page again with what was typed rather than a bare 400 (CSRF-02).
csrf.exempt(bp)

ERROR_TEXTS = (
    _l("Sorry, something went wrong"),
    _l("Answers you saved before are kept. Please go back and try again."),
)
UNAVAILABLE_TEXTS = (
    _l("Not saved: the service is unavailable for a moment"),
    _l(
        "What you entered on this page was not saved yet, but it is kept: go back in a"
        " moment and save again. Answers you saved before are kept."
    ),
)


@bp.after_request
def _private(response: Response) -> Response:
    """No referrer leaves for another site, none at all from a link's address; no caching (TOK-03).

    The pages under /respond/ send their own address as the Referer of their posts,
    which Flask-WTF's CSRF check requires on HTTPS; those addresses carry no secret.
    """
    exchange = request.endpoint == "responding.exchange"
    response.headers["Referrer-Policy"] = "no-referrer" if exchange else "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int]:
    """Respondent-flow errors in all three languages, never echoing the address."""
    status = error.code or 500
    return message_page((TITLES.get(status, TITLES[500]),), status)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    """An unexpected failure: logged without the address, answered in all three languages.

    Nothing of a failed save is written (its transaction rolls back), but what was typed
    is kept: going back to the page shows it again, to be saved once more (DATA-07).
    """
    unavailable = database_unavailable(error)
    if unavailable:  # no traceback: the database is down, restarting, locked or full
        current_app.logger.error(
            "database unavailable in the respondent flow: %s", unavailable_reason(error)
        )
    else:
        current_app.logger.error("unhandled error in the respondent flow", exc_info=error)
    if request.method == "POST" and session.get(SESSION_KEY):
        stash(request.form, "unsaved")
    if unavailable:
        return message_page(UNAVAILABLE_TEXTS, 503)
    return message_page(ERROR_TEXTS, 500)
