"""The personal link `/r/<token>`: checked, exchanged for a respondent session, left behind.

The session holds only the invitation id and a prefix of the link's hash (a
re-issued link ends old sessions); the browser then leaves the token-bearing
address (TOK-03). Failed look-ups are throttled per client address (TOK-02).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey import audit, i18n
from survey.accounts.authz import public
from survey.db import db, utcnow
from survey.responding import bp, closed, guards, paradata
from survey.responding.respondent import LINK_TEXTS, SESSION_KEY, go, message_page
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from survey.studies.models import Respondent, StudySide
from survey.transaction import writes

OPENABLE = frozenset({"pending", "sent", "bounced"})
BUSY_TEXTS = (
    _l("Too many attempts"),
    _l(
        "Too many links were tried from your network. "
        "Please wait %(minutes)s minutes and try again."
    ),
)


@bp.route("/r/<path:token>", methods=["GET", "POST"])
@writes
@public
def exchange(token: str) -> Response | tuple[Any, ...]:
    """Check a personal link, exchange it for a respondent session, leave the link's address."""
    if request.method != "GET":
        return message_page(LINK_TEXTS, 405)
    address = request.remote_addr or "unknown"
    wait = guards.link_wait(address)
    if wait:
        current_app.logger.warning("respondent link throttled for %s", address)
        response = message_page(BUSY_TEXTS, 429, minutes=max(1, round(wait / 60)))
        return (*response, {"Retry-After": str(wait)})
    invitation = rounds.find_by_token(db.session, token)
    if invitation is None:
        guards.count_link_failure(address)
        current_app.logger.info("unknown respondent link from %s", address)
        return message_page(LINK_TEXTS, 404)
    if not _usable(invitation):
        round_ = db.session.get(Round, invitation.round_id)
        if invitation.state != "declined" and round_ is not None and closed.is_closed(round_):
            return closed.closed_page(db.session, invitation, round_)  # the holder's own news
        return message_page(LINK_TEXTS, 404)
    _mark_opened(invitation)
    _start_session(invitation)
    return go("index")


def _usable(invitation: Invitation) -> bool:
    if invitation.state == "submitted":
        return True  # read-only thanks page with the answers
    if invitation.state == "declined":
        return False
    round_ = db.session.get(Round, invitation.round_id)
    closes = round_.closes_at if round_ else None
    return round_ is not None and round_.state == "open" and (closes is None or closes > utcnow())


def _mark_opened(invitation: Invitation) -> None:
    """The first visit moves a pending or sent invitation to opened (audited once)."""
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.state in OPENABLE:
        before, invitation.state = invitation.state, "opened"
        round_ = db.session.get(Round, invitation.round_id)
        audit.record(
            db.session,
            "invitation.open",
            study_id=round_.study_id if round_ else None,
            object_type="invitation",
            object_id=str(invitation.id),
            details={"before": before, "after": "opened"},
            actor_invitation_id=invitation.id,
            on_behalf_of=f"respondent:{invitation.respondent_id}",
        )


def _start_session(invitation: Invitation) -> None:
    """Only the invitation id and a prefix of the link's hash; never the token itself."""
    previous = session.get(SESSION_KEY)
    keep = (
        previous.get("l")
        if isinstance(previous, dict) and previous.get("i") == invitation.id
        else None
    )
    language = i18n.tag(keep or _language_of(invitation))
    visit = paradata.start_visit(db.session, invitation.id, request.user_agent.string, language)
    session[SESSION_KEY] = {
        "i": invitation.id,
        "h": invitation.token_hash[:16],
        "l": keep,
        "v": visit,  # the paradata visit this session's pages belong to
    }


def _language_of(invitation: Invitation) -> str:
    """The language the form opens in: the respondent's, else the side's (as the visit's)."""
    own, default = db.session.execute(
        select(Respondent.language, StudySide.default_language)
        .select_from(Invitation)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.id == invitation.id)
    ).one()
    return i18n.normalize(own) or i18n.normalize(default) or "en"
