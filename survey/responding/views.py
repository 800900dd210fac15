"""Respondent pages: the link exchange, welcome, one section a page, autosave, review, thanks.

The personal link `/r/<token>` is exchanged for a respondent session holding only
the invitation id and a prefix of the link's hash (a re-issued link ends old
sessions), then the browser leaves the token-bearing address (TOK-03). Every later
request finds its invitation through that session alone; nothing in a form names
an invitation, side or round (TOK-04). CSRF is checked here rather than by the
global hook, so that a failed check re-renders the page with what was typed
(CSRF-02); a lost session does the same and keeps the input for the next visit
(DATA-02). See docs/respondent.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale, refresh
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import select, update
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from survey import audit, i18n, throttle
from survey.accounts.authz import public, respondent
from survey.core.questionnaire import Section
from survey.core.types import AnswerError, is_blank
from survey.db import db, set_writing, utcnow
from survey.errors import ServiceError
from survey.errors_web import TITLES
from survey.extensions import csrf
from survey.responding import bp, flow, forms
from survey.responding import services as answers
from survey.responding.drawing import NOTES, display, is_special, render_page, stored_shown
from survey.responding.messages import answer_message
from survey.responding.visit import State, Visit, load_visit, relock, state_of
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, Round
from survey.studies.models import PairSide
from survey.templating import text_in
from survey.transaction import begin_writing, reads_first

__all__ = ["bp"]

# Flask-WTF's check runs in each view instead of before it (`_csrf_holds`), so that a
# failure draws the page again with what was typed rather than a bare 400 (CSRF-02).
csrf.exempt(bp)

SESSION_KEY = "respondent"
STASH_KEY = "respondent_stash"
STASH_MAX_BYTES = 3000  # what a lost session may keep in the cookie for the next visit
STASH_SECONDS = 3600
ACTOR = answers.Actor(mode="web")
OPENABLE = frozenset({"pending", "sent", "bounced"})
DEFAULT_LIMITS = {
    "TOKEN_IP_LIMIT": 20,  # failed link look-ups per client address and window (TOK-02)
    "TOKEN_IP_WINDOW_SECONDS": 900,
    "AUTOSAVE_LIMIT": 120,  # autosaves per invitation and minute (FAULT-06)
}

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
BUSY_TEXTS = (
    _l("Too many attempts"),
    _l(
        "Too many links were tried from your network. "
        "Please wait %(minutes)s minutes and try again."
    ),
)
ERROR_TEXTS = (
    _l("Sorry, something went wrong"),
    _l("Answers you saved before are kept. Please go back and try again."),
)


# ---------------------------------------------------------------------------- the visit


def _current_visit() -> Visit | None:
    data = session.get(SESSION_KEY)
    return load_visit(data) if isinstance(data, dict) else None


def respondent_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Respondent pages: the session's invitation, in the respondent's language, in its state."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        visit = _current_visit()
        if visit is None:
            return _no_session()
        g.visit = visit
        _use_locale(visit.locale)
        return _gate(visit, view.__name__) or view(visit, *args, **kwargs)

    return respondent(wrapped)


def _use_locale(locale: str) -> None:
    g.locale_override = locale
    refresh()


def _gate(visit: Visit, endpoint: str) -> Response | tuple[Any, ...] | None:
    """Send a submitted, declined or closed invitation where it belongs (TOK-05)."""
    state = visit.invitation.state
    if endpoint == "autosave" and (state in ("submitted", "declined") or not visit.is_open):
        return jsonify(error="closed", state=state), 409
    if state == "submitted":
        return None if endpoint in ("thanks", "index") else _go("thanks")
    if endpoint == "thanks":
        return _go("index")
    if state == "declined":
        return None if endpoint in ("decline", "index") else _go("decline")
    if not visit.is_open:
        return _message_page(LINK_TEXTS, 404)
    return None


def _go(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(f".{endpoint}", **values), code=303)


# ---------------------------------------------------------------------------- headers, errors


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
    return _message_page((TITLES.get(status, TITLES[500]),), status)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    """An unexpected failure: logged without the address, answered in all three languages.

    Nothing of a failed save is written (its transaction rolls back), but what was typed
    is kept: going back to the page shows it again, to be saved once more (DATA-07).
    """
    current_app.logger.error("unhandled error in the respondent flow", exc_info=error)
    if request.method == "POST" and session.get(SESSION_KEY):
        _stash(request.form, "unsaved")
    return _message_page(ERROR_TEXTS, 500)


def _message_page(texts: tuple[Any, ...], status: int, **params: Any) -> tuple[str, int]:
    """One message in the page's language first, then in the two others."""
    current = i18n.normalize(str(g.get("locale_override") or "")) or _browser_locale()
    ordered = [current] + [locale for locale in i18n.LOCALES if locale != current]
    blocks = []
    for locale in ordered:
        with force_locale(locale):
            blocks.append((locale, [str(text) % params if params else str(text) for text in texts]))
    _use_locale(current)
    return render_template("responding/message.html", blocks=blocks, status=status), status


def _browser_locale() -> str:
    for value, _quality in request.accept_languages:
        if locale := i18n.normalize(value):
            return locale
    return "en"


# ---------------------------------------------------------------------------- the link


@bp.route("/r/<path:token>", methods=["GET", "POST"])
@public
def exchange(token: str) -> Response | tuple[Any, ...]:
    """Check a personal link, exchange it for a respondent session, leave the link's address."""
    if request.method != "GET":
        return _message_page(LINK_TEXTS, 405)
    db.session.rollback()  # nothing read so far matters: this request writes, so begin as a writer
    set_writing(True)
    address = request.remote_addr or "unknown"
    wait = _link_throttle(address)
    if wait:
        current_app.logger.warning("respondent link throttled for %s", address)
        response = _message_page(BUSY_TEXTS, 429, minutes=max(1, round(wait / 60)))
        return (*response, {"Retry-After": str(wait)})
    invitation = rounds.find_by_token(db.session, token)
    if invitation is None:
        _count_failure(address)
        current_app.logger.info("unknown respondent link from %s", address)
        return _message_page(LINK_TEXTS, 404)
    if not _usable(invitation):
        return _message_page(LINK_TEXTS, 404)
    _mark_opened(invitation)
    _start_session(invitation)
    return _go("index")


def _limit(name: str) -> int:
    return int(current_app.config.get(name, DEFAULT_LIMITS[name]))


def _link_throttle(address: str) -> int | None:
    """Seconds to wait when this address used up its failed look-ups (only failures count)."""
    return throttle.of(current_app).over(
        "link", address, _limit("TOKEN_IP_LIMIT"), _limit("TOKEN_IP_WINDOW_SECONDS")
    )


def _count_failure(address: str) -> None:
    throttle.of(current_app).hit(
        "link", address, _limit("TOKEN_IP_LIMIT"), _limit("TOKEN_IP_WINDOW_SECONDS")
    )


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
    session[SESSION_KEY] = {"i": invitation.id, "h": invitation.token_hash[:16], "l": keep}


def _set_language(visit: Visit, locale: str | None) -> None:
    if locale is None:
        return
    data = dict(session.get(SESSION_KEY) or {})
    data["l"] = visit.locale = locale
    session[SESSION_KEY] = data
    _use_locale(locale)


# ---------------------------------------------------------------------------- no session


def _no_session() -> Response | tuple[Any, ...]:
    """Without a respondent session: a GET is told to reopen the link; a POST keeps its input."""
    if request.endpoint == "responding.autosave":
        return jsonify(error="session"), 401
    if request.method != "POST":
        return _message_page(SESSION_TEXTS, 403)
    locale = forms.language_of(request.form) or i18n.normalize(request.form.get("_ui"))
    _use_locale(locale or _browser_locale())
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not name.startswith("_") and name != "csrf_token" and value.strip()
    ]
    _stash(request.form)
    return render_template("responding/expired.html", kept=kept), 403


def _stash(form: Any, note: str = "restored") -> None:
    """Keep a section page's input in the cookie for the next visit, if it is small enough.

    `note` is what the page will say when it shows the input again (see NOTES).

    Only for posts that provably come from our own page: another site must not be able
    to plant answers to be shown (pre-filled) to a respondent later.
    """
    if not request.path.startswith("/respond/p/") or not _from_our_page():
        return
    fields = [
        [name, value]
        for name, value in form.items(multi=True)
        if name not in ("csrf_token", "_lang", "_nav")
    ]
    stash = {"path": request.path, "at": int(utcnow().timestamp()), "fields": fields, "note": note}
    if len(str(stash).encode()) <= STASH_MAX_BYTES:
        session[STASH_KEY] = stash


def _take_stash(path: str) -> tuple[Any, str] | None:
    """The input kept for page `path` and the note to show with it, once."""
    stash = session.get(STASH_KEY)
    if not isinstance(stash, dict) or stash.get("path") != path:
        return None
    session.pop(STASH_KEY, None)
    if utcnow().timestamp() - stash.get("at", 0) > STASH_SECONDS:
        return None
    note = stash.get("note") if stash.get("note") in ("restored", "unsaved") else "restored"
    return forms.fields_to_form(stash.get("fields")), note


def _stashed_section(state: State) -> str | None:
    """The page whose input a lost session kept, if it can be shown now."""
    stash = session.get(STASH_KEY)
    if not isinstance(stash, dict):
        return None
    key = str(stash.get("path", "")).removeprefix("/respond/p/")
    return key if flow.reachable(state.order, key, state.unfinished) else None


# ---------------------------------------------------------------------------- pages


@bp.route("/respond/")
@respondent_page
def index(visit: Visit) -> Response:
    """Where a respondent continues: welcome, their last page, the review, or the thanks."""
    if visit.invitation.state == "submitted":
        return _go("thanks")
    if visit.invitation.state == "declined":
        return _go("decline")
    state = state_of(visit)
    target = _stashed_section(state) or flow.resume_at(
        state.order, visit.invitation.current_section, state.unfinished
    )
    if target is None:
        return _go("welcome")
    return _go("review") if target == flow.REVIEW else _go("page", key=target)


@bp.route("/respond/welcome", methods=["GET", "POST"])
@respondent_page
def welcome(visit: Visit) -> Response | str:
    """The study, the pair and the respondent's side, the introduction, and Start."""
    notes = []
    if request.method == "POST":
        if not _csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            _set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") == "start":
                return _start(visit)
            return _go("welcome")
    return render_template(
        "responding/welcome.html", visit=visit, places=_places(visit), notes=notes
    )


def _start(visit: Visit) -> Response:
    state = state_of(visit)
    if not state.order:
        _place(visit, flow.REVIEW)
        return _go("review")
    target = flow.resume_at(state.order, visit.invitation.current_section, state.unfinished)
    if target is None:
        target = state.order[0].key
    _place(visit, target)
    return _go("review") if target == flow.REVIEW else _go("page", key=target)


def _place(visit: Visit, section: str) -> None:
    """Remember `section` as the page the respondent is at."""
    if visit.invitation.current_section == section:
        return
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == visit.invitation.id)
        .values(current_section=section)
    )
    visit.invitation.current_section = section


def _record(visit: Visit) -> Invitation:
    """The visit's invitation as an ORM object, for the services that change its state."""
    return db.session.get_one(Invitation, visit.invitation.id)


def _places(visit: Visit) -> dict[str, str]:
    """The pair's two places in the respondent's language: theirs and the partner's."""
    sides = db.session.scalars(select(PairSide).where(PairSide.pair_id == visit.invitation.pair_id))
    chinese = visit.locale.startswith("zh")
    names = {}
    for pair_side in sides:
        first, second = (
            (pair_side.place_zh, pair_side.place_en)
            if chinese
            else (pair_side.place_en, pair_side.place_zh)
        )
        names["own" if pair_side.side_id == visit.side.id else "partner"] = first or second
    return names


@bp.route("/respond/p/<key>", methods=["GET", "POST"])
@reads_first
@respondent_page
def page(visit: Visit, key: str) -> Response | tuple[Any, ...] | str:
    """One section: shown with the saved answers; posted, it is saved, then Back or Next."""
    part = flow.section(visit.q, key)
    state = state_of(visit, upto=key)
    if part is None or part.key not in {s.key for s in state.order}:
        return _go("index")
    if request.method == "GET":
        if not flow.reachable(state.order, key, state.unfinished):
            return _go("index")
        restored = _take_stash(request.path)
        if restored is not None:
            page_in = forms.read_page(visit.q, part, restored[0])
            return render_page(visit, part, state, page_in, notes=[restored[1]])
        return render_page(visit, part, state)
    return _post_page(visit, part, state)


def _post_page(visit: Visit, part: Section, state: State) -> Response | tuple[Any, ...] | str:
    page_in = forms.read_page(visit.q, part, request.form)
    if not _csrf_holds():
        _set_language(visit, page_in.language)
        return render_page(visit, part, state, page_in, notes=["csrf"])
    if page_in.unknown:
        return _refuse_unknown(visit, page_in.unknown)
    _set_language(visit, page_in.language)
    return _save_and_answer(visit, part, state, page_in, _answer_post)


def _answer_post(visit: Visit, part: Section, saved: Saved, page_in: forms.PageInput) -> Outcome:
    """Where a saved page leads: itself with its errors or conflicts, Back, Next or stay."""
    state = saved.state
    if saved.errors or saved.conflicts:
        notes = ["conflict"] if saved.conflicts else []
        page = render_page(visit, part, state, page_in, saved.errors, saved.conflicts, notes)
        return part.key, page
    if page_in.language or page_in.nav not in ("next", "back"):
        return part.key, _go("page", key=part.key)
    if page_in.nav == "back":
        return _back(state, part)
    return _next(visit, state, part, page_in)


def _back(state: State, part: Section) -> Outcome:
    previous = flow.neighbour(state.order, part.key, -1)
    if previous is None:
        return part.key, _go("welcome")
    return previous.key, _go("page", key=previous.key)


def _next(visit: Visit, state: State, part: Section, page_in: forms.PageInput) -> Outcome:
    """Next: every question of this page that applies must be answered and valid (REDCap-like)."""
    problems = state.problems.get(part.key, {})
    if problems:
        return part.key, render_page(visit, part, state, page_in, problems)
    shown = flow.shown_questions(part, state.values)
    unseen = {
        key
        for key, on in shown.items()
        if on
        and page_in.visible is not None
        and key not in page_in.visible
        and key in page_in.versions
        and is_blank(state.values.get(key))
    }
    if unseen:
        return part.key, render_page(visit, part, state, page_in, notes=["more"])
    following = flow.neighbour(state.order, part.key, +1)
    if following is None:
        return flow.REVIEW, _go("review")
    return following.key, _go("page", key=following.key)


# ---------------------------------------------------------------------------- saving a page


@dataclass
class Saved:
    """A page's save as planned: its errors and conflicts, and the answers once written."""

    errors: dict[str, AnswerError]
    conflicts: dict[str, tuple[Any, int]]
    plan: answers.Plan
    state: State


Outcome = tuple[str, Any]  # the page to remember as the respondent's place, and the answer
Respond = Callable[[Visit, Section, Saved, forms.PageInput], Outcome]


def _save_and_answer(
    visit: Visit,
    part: Section,
    state: State,
    page_in: forms.PageInput,
    respond: Respond,
    before_writing: Callable[[], Any] | None = None,
) -> Any:
    """Save a page and answer the request, holding the write lock for the writes alone.

    The save is planned on the answers as read and the answer (a redirect, the page
    with its errors, the autosave JSON) is drawn before any lock is taken; the writes
    then run in a short writer transaction guarded by the invitation's version. When
    another save came in between (a second tab, an interviewer, a parallel request),
    the invitation is locked, read again and the save planned once more: it then shows
    a conflict or finds nothing left to change, never overwriting silently (DATA-05/06).
    """
    seen = visit.invitation.version
    saved = _plan(visit, part, state, page_in)
    section, response = respond(visit, part, saved, page_in)
    begin_writing()
    visit.rows = None  # from here on, what was read may have changed
    refusal = before_writing() if before_writing else None
    if refusal is not None:
        return refusal
    if answers.write(db.session, visit.invitation, saved.plan, ACTOR, seen=seen, section=section):
        return response
    relock(visit)  # PostgreSQL: row lock
    gate = _gate(visit, str(request.endpoint).rpartition(".")[2])
    if gate is not None:
        return gate
    saved = _plan(visit, part, state_of(visit, upto=part.key), page_in)
    section, response = respond(visit, part, saved, page_in)
    answers.write(db.session, visit.invitation, saved.plan, ACTOR, section=section)
    return response


def _plan(visit: Visit, part: Section, state: State, page_in: forms.PageInput) -> Saved:
    """Plan a page's save with the versions it was drawn with; never overwrite silently."""
    raw, errors = dict(page_in.raw), dict(page_in.errors)
    for key in page_in.pending:
        choice = page_in.choices.get(key)
        if choice != "mine":
            raw.pop(key, None)
        if choice is None:
            errors[key] = forms.conflict_error()
        elif choice == "theirs":
            errors.pop(key, None)
            page_in.shown[key] = stored_shown(visit.q.question(key), state.values.get(key))
    plan = answers.plan(
        db.session,
        visit.invitation,
        visit.q,
        state.rows,
        raw,
        actor=ACTOR,
        expected=page_in.versions,
    )
    after = State(visit.q, plan.rows, part.key)
    shown = flow.shown_questions(part, after.values)
    errors |= {key: error for key, error in plan.result.errors.items() if shown.get(key, True)}
    return Saved(errors, plan.result.conflicts, plan, after)


def _refuse_unknown(visit: Visit, unknown: list[str]) -> tuple[str, int]:
    """Another form's field names: nothing is written, the attempt is audited (TOK-04)."""
    begin_writing()
    audit.record(
        db.session,
        "answer.refused",
        study_id=visit.study.id,
        object_type="invitation",
        object_id=str(visit.invitation.id),
        details={"unknown_questions": unknown[:20]},
        actor_invitation_id=visit.invitation.id,
        on_behalf_of=f"respondent:{visit.invitation.respondent_id}",
    )
    db.session.commit()
    message = ServiceError("question", "unknown_question", keys=", ".join(unknown[:20])).message
    return _message_page((message,), 400)


# ---------------------------------------------------------------------------- autosave


@bp.route("/respond/autosave", methods=["POST"])
@reads_first
@respondent_page
def autosave(visit: Visit) -> tuple[Response, int] | Response:
    """Save one page's answers as the respondent types (JSON; CSRF header; same origin)."""
    refusal = _autosave_refusal()
    if refusal is not None:
        return jsonify(error=refusal[0]), refusal[1]
    body = request.get_json(silent=True)
    part = flow.section(visit.q, body.get("section")) if isinstance(body, dict) else None
    form = forms.fields_to_form(body.get("fields")) if isinstance(body, dict) else None
    if part is None or form is None:
        return jsonify(error="malformed"), 400
    state = state_of(visit, upto=part.key)
    if part.key not in {s.key for s in state.order}:
        return jsonify(error="page"), 409
    page_in = forms.read_page(visit.q, part, form)
    if page_in.unknown:
        _refuse_unknown(visit, page_in.unknown)
        return jsonify(error="unknown_question", keys=page_in.unknown[:20]), 400
    return _save_and_answer(visit, part, state, page_in, _autosaved, _autosave_throttle)


def _autosave_throttle() -> tuple[Any, ...] | None:
    """At most AUTOSAVE_LIMIT autosaves a minute per invitation (FAULT-06)."""
    wait = throttle.of(current_app).hit(
        "autosave", str(g.visit.invitation.id), _limit("AUTOSAVE_LIMIT"), 60
    )
    return (jsonify(error="busy"), 429, {"Retry-After": str(wait)}) if wait else None


def _autosaved(visit: Visit, part: Section, saved: Saved, page_in: forms.PageInput) -> Outcome:
    """The autosave's answer: what was saved, the versions now stored, errors, conflicts."""
    rows = saved.state.rows
    unsettled = set(saved.errors) | set(saved.conflicts)  # their versions must not move on
    return part.key, jsonify(
        saved=sorted(saved.plan.result.saved),
        versions={
            key: rows[key].version
            for key in page_in.versions
            if key in rows and key not in unsettled
        },
        errors={
            key: answer_message(error, visit.q.question(key), visit.language)
            for key, error in saved.errors.items()
        },
        conflicts=sorted(saved.conflicts),
    )


def _autosave_refusal() -> tuple[str, int] | None:
    """JSON only, from our own pages only, with the page's CSRF token in a header (CSRF-03)."""
    if request.mimetype != "application/json":
        return "content_type", 415
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return "origin", 403
    origin = request.headers.get("Origin")
    if origin is not None and origin not in _own_origins():
        return "origin", 403
    if not _csrf_holds():
        return "csrf", 400
    return None


def _csrf_holds() -> bool:
    """Flask-WTF's CSRF check of this post, as a yes or no rather than its 400.

    The token (form field or `X-CSRFToken` header), and on HTTPS a Referer of this
    host: everything its global check does for the other blueprints.
    """
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def _from_our_page() -> bool:
    """Whether the browser says the request came from one of our pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("Origin") in _own_origins()


def _own_origins() -> set[str]:
    origins = {request.host_url.rstrip("/")}
    base = urlsplit(current_app.config.get("BASE_URL") or "")
    if base.scheme and base.netloc:
        origins.add(f"{base.scheme}://{base.netloc}")
    return origins


# ---------------------------------------------------------------------------- review, submit


@bp.route("/respond/review", methods=["GET", "POST"])
@respondent_page
def review(visit: Visit) -> Response | str:
    """Every answer by section with Change links; Submit (once, whatever is clicked)."""
    state = state_of(visit)
    if state.unfinished is not None and visit.invitation.current_section != flow.REVIEW:
        return _go("index")
    notes: list[Any] = []
    if request.method == "POST":
        if not _csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            _set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") != "submit":
                return _go("review")
            try:
                answers.submit(db.session, _record(visit), visit.q, actor=ACTOR)
            except ServiceError as error:
                if error.code != "incomplete":
                    return _go("index")
                notes.append(_l("Some answers are missing or need attention. Please see below."))
            else:
                return _go("thanks")  # the first submit and every repeat alike (DATA-03)
    sections = _answer_list(visit, state)
    return render_template(
        "responding/review.html",
        visit=visit,
        sections=sections,
        problems=[item for part in sections for item in part["items"] if item["error"]],
        notes=notes,
    )


def _answer_list(visit: Visit, state: State) -> list[dict[str, Any]]:
    """The answers that count, by section that applies, as the respondent reads them."""
    listing = []
    for part in state.order:
        shown = flow.shown_questions(part, state.values)
        problems = state.problems.get(part.key, {})
        items = [
            {
                "q": question,
                "text": text_in(question.text, visit.language),
                "value": display(visit, question, state.values.get(question.key)),
                "special": is_special(state.values.get(question.key)),
                "error": answer_message(problems[question.key], question, visit.language)
                if question.key in problems
                else None,
            }
            for question in part.questions
            if question.is_answerable and shown[question.key]
        ]
        listing.append({"part": part, "title": text_in(part.title, visit.language), "items": items})
    return listing


@bp.route("/respond/thanks", methods=["GET", "POST"])
@respondent_page
def thanks(visit: Visit) -> Response | str:
    """After submitting: thanks, the closing text and the answers, read-only."""
    notes = []
    if request.method == "POST":
        if _csrf_holds():
            _set_language(visit, forms.language_of(request.form))
            return _go("thanks")
        notes.append(NOTES["csrf"])
    state = state_of(visit)
    return render_template(
        "responding/thanks.html", visit=visit, sections=_answer_list(visit, state), notes=notes
    )


@bp.route("/respond/decline", methods=["GET", "POST"])
@respondent_page
def decline(visit: Visit) -> Response | str:
    """Decline to take part, after a confirmation; reminders stop."""
    notes = []
    if request.method == "POST" and visit.invitation.state != "declined":
        if not _csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            _set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") == "decline":
                answers.decline(db.session, _record(visit))
            return _go("decline")
    return render_template("responding/decline.html", visit=visit, notes=notes)
