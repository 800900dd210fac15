"""Paradata: how a respondent went through the form, not what they answered (docs/privacy.md).

Kept per invitation, written in the request's own transaction with one plain INSERT:

- a **visit** when a personal link is exchanged for a session (`start_visit`): when, the
  device class from the User-Agent (`device_class`, a documented coarse classification;
  the User-Agent itself is not kept) and the language the form opened in;
- a **page** row when a page is posted (`record_page`): the section (or `welcome`,
  `review`, `thanks`), when the page was shown and when it was saved, the seconds between
  (capped at `IDLE_LIMIT`), the language, and for a language switch the language switched to;
- an **autosave** row for each autosave while typing (`record_autosave`): counted, not timed.

When the page was shown comes from a hidden field `_since` that the server writes into the
page when it draws it: the server's own clock in milliseconds, the invitation and the
section, signed with the app's secret key (HMAC, itsdangerous). A field that was changed,
belongs to another invitation or section, or lies in the future is ignored (no row); the
browser's clock is never read, and the page works without JavaScript. Sending an old page
again gives at most `IDLE_LIMIT`. No IP address is stored (the throttles keep theirs in
memory or Redis only, for their window).
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, request
from flask import session as cookie
from itsdangerous import BadSignature, Signer
from sqlalchemy import insert
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.rounds.paradata import IDLE_LIMIT, ParadataPage, ParadataVisit

_SALT = "survey.paradata.shown"
# The paradata's names of the pages that are no section (exports/paradata.py orders them).
WELCOME_PAGE = "welcome"
REVIEW_PAGE = "review"
THANKS_PAGE = "thanks"


# -- the device class -------------------------------------------------------------------------

_BOT = re.compile(r"bot|crawl|spider|slurp|headless|preview|curl|wget|python|java/", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|opera mini|blackberry", re.I)


def device_class(user_agent: str | None) -> str:
    """desktop, mobile, tablet, bot or unknown, from the User-Agent header alone.

    Coarse on purpose (no parser dependency, nothing identifying kept): automated clients
    first, then tablets (iPad, "Tablet", Android without "Mobile"), then phones ("Mobi",
    iPhone, Android), anything else that names a browser is a desktop. iPadOS 13+ reports
    itself as a Mac and is counted as a desktop.
    """
    agent = (user_agent or "").strip()
    if not agent:
        return "unknown"
    if _BOT.search(agent):
        return "bot"
    if _TABLET.search(agent):
        return "tablet"
    if _MOBILE.search(agent):
        return "mobile"
    return "desktop"


# -- writing ----------------------------------------------------------------------------------


def start_visit(session: Session, invitation_id: int, user_agent: str | None, language: str) -> int:
    """Record a visit; its id (kept in the respondent's session)."""
    table = ParadataVisit.__table__
    return session.execute(
        insert(table)
        .values(
            invitation_id=invitation_id,
            started_at=utcnow(),
            device=device_class(user_agent),
            language=language[:20],
        )
        .returning(table.c.id)
    ).scalar_one()


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_SALT)


def shown_token(invitation_id: int, section: str, now: dt.datetime | None = None) -> str:
    """The `_since` field of a page drawn now: the server's time, signed with its page."""
    moment = now or utcnow()
    millis = int(moment.timestamp() * 1000)
    return _signer().sign(f"{invitation_id}.{millis}.{section}").decode()


def shown_at(
    token: str | None, invitation_id: int, section: str, now: dt.datetime
) -> dt.datetime | None:
    """When the page carrying `token` was drawn, if the token is ours, for this page, and not
    in the future; None otherwise."""
    if not token or len(token) > 300:
        return None
    try:
        value = _signer().unsign(token).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    owner, _, rest = value.partition(".")
    millis, _, key = rest.partition(".")
    if owner != str(invitation_id) or key != section or not millis.isdigit():
        return None
    moment = dt.datetime.fromtimestamp(int(millis) / 1000, dt.UTC)
    return moment if moment <= now else None


def record_page(  # noqa: PLR0913
    session: Session,
    invitation_id: int,
    visit_id: int | None,
    section: str,
    token: str | None,
    language: str,
    switched_to: str | None = None,
) -> bool:
    """One row for a posted page (one INSERT); False when the `_since` field is not valid."""
    now = utcnow()
    since = shown_at(token, invitation_id, section, now)
    if since is None:
        return False
    seconds = round(min(IDLE_LIMIT, (now - since).total_seconds()), 1)
    session.execute(
        insert(ParadataPage.__table__).values(
            invitation_id=invitation_id,
            visit_id=visit_id,
            section=section[:100],
            event="language" if switched_to else "page",
            shown_at=since,
            saved_at=now,
            seconds=seconds,
            language=language[:20],
            switched_to=switched_to[:20] if switched_to else None,
        )
    )
    return True


def visit_of_session() -> int | None:
    """The paradata visit the respondent's session belongs to (set when its link was opened)."""
    data = cookie.get("respondent")  # respondent.SESSION_KEY (which imports this module's users)
    visit_id = data.get("v") if isinstance(data, dict) else None
    return visit_id if isinstance(visit_id, int) else None


def record_posted(
    session: Session, invitation_id: int, section: str, shown_in: str, switch: str | None
) -> bool:
    """The paradata of a posted page (its `_since` field) shown in `shown_in` (a language
    tag); `switch` the language tag asked for, if any."""
    return record_page(
        session,
        invitation_id,
        visit_of_session(),
        section,
        request.form.get("_since"),
        shown_in,
        switch if switch and switch != shown_in else None,
    )


def record_autosave(session: Session, invitation_id: int, section: str, language: str) -> None:
    """One `autosave` row: counted, never timed (its seconds are 0; the page's own save
    times the page)."""
    now = utcnow()
    session.execute(
        insert(ParadataPage.__table__).values(
            invitation_id=invitation_id,
            visit_id=visit_of_session(),
            section=section[:100],
            event="autosave",
            shown_at=now,
            saved_at=now,
            seconds=0.0,
            language=language[:20],
            switched_to=None,
        )
    )
