"""The respondent's section pages: where to continue, the welcome, one section a page, autosave.

A post is checked (`guards`), saved by `saving.save_page`, and answered from what
that did: the page again with its errors, conflicts or notes, or the next page.
CSRF is checked in each view rather than by the global hook, so that a failed check
draws the page again with what was typed (CSRF-02).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey import audit, i18n
from survey.db import db
from survey.errors import ServiceError
from survey.responding import bp, flow, forms, guards, paradata, saving
from survey.responding.drawing import NOTES, render_page
from survey.responding.messages import answer_message
from survey.responding.respondent import (
    gate,
    go,
    message_page,
    place,
    respondent_page,
    set_language,
    stashed_section,
    take_stash,
)
from survey.responding.visit import Visit, state_of
from survey.studies.models import PairSide
from survey.transaction import keep_on_error

WELCOME_PAGE = paradata.WELCOME_PAGE  # the paradata's name for the welcome page


@bp.route("/respond/")
@respondent_page
def index(visit: Visit) -> Response:
    """Where a respondent continues: welcome, their last page, the review, or the thanks."""
    if visit.followup_of is not None:
        return go("followup")  # a follow-up round asks its few questions on one page
    if visit.invitation.state == "submitted":
        return go("thanks")
    if visit.invitation.state == "declined":
        return go("decline")
    state = state_of(visit)
    target = stashed_section(state) or flow.resume_at(
        state.order, visit.invitation.current_section, state.unfinished
    )
    if target is None:
        return go("welcome")
    return go("review") if target == flow.REVIEW else go("page", key=target)


@bp.route("/respond/welcome", methods=["GET", "POST"])
@respondent_page
def welcome(visit: Visit) -> Response | str:
    """The study, the pair and the respondent's side, the introduction, and Start."""
    notes = []
    if request.method == "POST":
        if not guards.csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            _timed(visit, WELCOME_PAGE, visit.language, forms.language_of(request.form))
            set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") == "start":
                return _start(visit)
            return go("welcome")
    since = paradata.shown_token(visit.invitation.id, WELCOME_PAGE)
    return render_template(
        "responding/welcome.html", visit=visit, places=_places(visit), notes=notes, since=since
    )


def _timed(visit: Visit, section: str, shown_in: str, switch: str | None) -> None:
    """The paradata of a posted page, shown in `shown_in` (a language tag), `switch`: the
    locale asked for: one row, when its `_since` field holds (see paradata)."""
    switched = i18n.tag(switch) if switch else None
    paradata.record_posted(db.session, visit.invitation.id, section, shown_in, switched)


def _start(visit: Visit) -> Response:
    state = state_of(visit)
    if not state.order:
        place(visit, flow.REVIEW)
        return go("review")
    target = flow.resume_at(state.order, visit.invitation.current_section, state.unfinished)
    if target is None:
        target = state.order[0].key
    place(visit, target)
    return go("review") if target == flow.REVIEW else go("page", key=target)


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
@respondent_page
def page(visit: Visit, key: str) -> Response | tuple[Any, ...] | str:
    """One section: shown with the saved answers; posted, it is saved, then Back or Next."""
    part = flow.section(visit.q, key)
    state = state_of(visit, upto=key)
    if part is None or part.key not in {s.key for s in state.order}:
        return go("index")
    if request.method == "GET":
        if not flow.reachable(state.order, key, state.unfinished):
            return go("index")
        restored = take_stash(request.path)
        if restored is not None:
            page_in = forms.read_page(visit.q, part, restored[0])
            return render_page(visit, part, state, page_in, notes=[restored[1]])
        return render_page(visit, part, state)
    page_in = forms.read_page(visit.q, part, request.form)
    if not guards.csrf_holds():
        set_language(visit, page_in.language)
        return render_page(visit, part, state, page_in, notes=["csrf"])
    if page_in.unknown:
        return _refuse_unknown(visit, page_in.unknown)
    shown_in = visit.language
    set_language(visit, page_in.language)
    saved = saving.save_page(db.session, visit, part, state, page_in, page_in.nav)
    if saved.closed:
        return gate(visit, "page")
    _timed(visit, part.key, shown_in, page_in.language)
    if saved.go is None:
        errors, conflicts = saved.errors, saved.conflicts
        return render_page(visit, part, saved.state, page_in, errors, conflicts, saved.notes)
    if page_in.roster is not None:  # "Add a row" / "Remove row n": saved, drawn again
        return render_page(visit, part, saved.state, page_in)
    if saved.go == saving.WELCOME:
        return go("welcome")
    return go("review") if saved.go == flow.REVIEW else go("page", key=saved.go)


def _refuse_unknown(visit: Visit, unknown: list[str]) -> tuple[str, int]:
    """Another form's field names: nothing is written, the attempt is audited (TOK-04)."""
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
    keep_on_error()  # the audit row stays, although the answer is a 400
    message = ServiceError("question", "unknown_question", keys=", ".join(unknown[:20])).message
    return message_page((message,), 400)


@bp.route("/respond/autosave", methods=["POST"])
@respondent_page
def autosave(visit: Visit) -> tuple[Response, int] | Response | tuple[Any, ...]:
    """Save one page's answers as the respondent types (JSON; CSRF header; same origin)."""
    refusal = guards.autosave_refusal()
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
    wait = guards.autosave_wait(visit.invitation.id)
    if wait:
        return jsonify(error="busy"), 429, {"Retry-After": str(wait)}
    saved = saving.save_page(db.session, visit, part, state, page_in, None)
    if saved.closed:
        return gate(visit, "autosave")
    paradata.record_autosave(db.session, visit.invitation.id, part.key, visit.language)
    return _autosaved(visit, saved, page_in)


def _autosaved(visit: Visit, saved: saving.PageSave, page_in: forms.PageInput) -> Response:
    """The autosave's answer: what was saved, the versions now stored, errors, conflicts."""
    rows = saved.state.rows
    unsettled = set(saved.errors) | set(saved.conflicts)  # their versions must not move on
    return jsonify(
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
