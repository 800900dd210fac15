"""The respondent behind a request: the page decorator, gating, messages, kept input.

The personal link is exchanged for a respondent session holding only the
invitation id and a prefix of the link's hash (`link.py`); every later request
finds its invitation through that session alone (TOK-04). `respondent_page` reads
the visit, switches to the respondent's language and sends a submitted, declined
or closed invitation where it belongs (`gate`). A lost session keeps a page's input
in the cookie for the next visit (`stash`, DATA-02). See docs/respondent.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale, refresh
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from survey import i18n
from survey.accounts.authz import respondent
from survey.db import db, utcnow
from survey.responding import closed, flow, forms, guards
from survey.responding.visit import State, Visit, load_visit

SESSION_KEY = "respondent"
STASH_KEY = "respondent_stash"
STASH_MAX_BYTES = 3000  # what a lost session may keep in the cookie for the next visit
STASH_SECONDS = 3600

LINK_TEXTS = (
    _l("This link does not work"),
    _l(
        "The link may be incomplete, it may have been replaced by a newer one, or the "
        "interviews it belongs to may have closed or been declined."
    ),
    _l(
        "Please check that you opened the whole link from your invitation e-mail. If it "
        "still does not work, reply to that e-mail and the research team will help you."
    ),
)
SESSION_TEXTS = (
    _l("Please open your personal link again"),
    _l(
        "For your security, this page only works after you have opened the personal link "
        "from your invitation e-mail in this browser. Your saved answers are kept."
    ),
)


def respondent_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Respondent pages: the session's invitation, in the respondent's language, in its state."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        data = session.get(SESSION_KEY)
        visit = load_visit(data) if isinstance(data, dict) else None
        if visit is None:
            return no_session()
        g.visit = visit
        use_locale(visit.locale)
        return gate(visit, view.__name__) or view(visit, *args, **kwargs)

    return respondent(wrapped)


def use_locale(locale: str) -> None:
    g.locale_override = locale
    refresh()


def set_language(visit: Visit, locale: str | None) -> None:
    """Switch to `locale` for this page and the next (kept in the respondent's session)."""
    if locale is None:
        return
    data = dict(session.get(SESSION_KEY) or {})
    data["l"] = visit.locale = locale
    session[SESSION_KEY] = data
    use_locale(locale)


# A follow-up round asks its few questions on one page: its invitations see only these.
FOLLOWUP_ENDPOINTS = frozenset({"followup", "index", "decline"})


def gate(visit: Visit, endpoint: str) -> Response | tuple[Any, ...] | None:
    """Send a submitted, declined or closed invitation where it belongs (TOK-05), and a
    follow-up's invitation to its one page."""
    if visit.followup_of is not None and endpoint not in FOLLOWUP_ENDPOINTS:
        return (jsonify(error="page"), 409) if endpoint == "autosave" else go("followup")
    state = visit.invitation.state
    if endpoint == "autosave" and (state in ("submitted", "declined") or not visit.is_open):
        return jsonify(error="closed", state=state), 409
    if state == "submitted":
        return None if endpoint in ("thanks", "index", "followup") else go("thanks")
    if endpoint == "thanks":
        return go("index")
    if state == "declined":
        return None if endpoint in ("decline", "index") else go("decline")
    if not visit.is_open:
        if closed.is_closed(visit.round):
            return closed.closed_page(db.session, visit.invitation, visit.round, visit.locale)
        return message_page(LINK_TEXTS, 404)
    return None


def go(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(f"responding.{endpoint}", **values), code=303)


def place(visit: Visit, section: str) -> None:
    """Remember `section` as the page the respondent is at (written when the request ends)."""
    if visit.invitation.current_section != section:
        visit.invitation.current_section = section


def message_page(texts: tuple[Any, ...], status: int, **params: Any) -> tuple[str, int]:
    """One message in the page's language first, then in the two others."""
    current = i18n.normalize(str(g.get("locale_override") or "")) or browser_locale()
    ordered = [current] + [locale for locale in i18n.LOCALES if locale != current]
    blocks = []
    for locale in ordered:
        with force_locale(locale):
            blocks.append((locale, [str(text) % params if params else str(text) for text in texts]))
    use_locale(current)
    return render_template("responding/message.html", blocks=blocks, status=status), status


def browser_locale() -> str:
    for value, _quality in request.accept_languages:
        if locale := i18n.normalize(value):
            return locale
    return "en"


# ---------------------------------------------------------------------------- no session


def no_session() -> Response | tuple[Any, ...]:
    """Without a respondent session: a GET is told to reopen the link; a POST keeps its input."""
    if request.endpoint == "responding.autosave":
        return jsonify(error="session"), 401
    if request.method != "POST":
        return message_page(SESSION_TEXTS, 403)
    locale = forms.language_of(request.form) or i18n.normalize(request.form.get("_ui"))
    use_locale(locale or browser_locale())
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not name.startswith("_") and name != "csrf_token" and value.strip()
    ]
    stash(request.form)
    return render_template("responding/expired.html", kept=kept), 403


def stash(form: Any, note: str = "restored") -> None:
    """Keep a section page's input in the cookie for the next visit, if it is small enough.

    `note` is what the page will say when it shows the input again (see NOTES).

    Only for posts that provably come from our own page: another site must not be able
    to plant answers to be shown (pre-filled) to a respondent later.
    """
    if not request.path.startswith("/respond/p/") or not guards.from_our_page():
        return
    fields = [
        [name, value]
        for name, value in form.items(multi=True)
        if name not in ("csrf_token", "_lang", "_nav")
    ]
    kept = {"path": request.path, "at": int(utcnow().timestamp()), "fields": fields, "note": note}
    if len(str(kept).encode()) <= STASH_MAX_BYTES:
        session[STASH_KEY] = kept


def take_stash(path: str) -> tuple[Any, str] | None:
    """The input kept for page `path` and the note to show with it, once."""
    kept = session.get(STASH_KEY)
    if not isinstance(kept, dict) or kept.get("path") != path:
        return None
    session.pop(STASH_KEY, None)
    if utcnow().timestamp() - kept.get("at", 0) > STASH_SECONDS:
        return None
    note = kept.get("note") if kept.get("note") in ("restored", "unsaved") else "restored"
    return forms.fields_to_form(kept.get("fields")), note


def stashed_section(state: State) -> str | None:
    """The page whose input a lost session kept, if it can be shown now."""
    kept = session.get(STASH_KEY)
    if not isinstance(kept, dict):
        return None
    key = str(kept.get("path", "")).removeprefix("/respond/p/")
    return key if flow.reachable(state.order, key, state.unfinished) else None
