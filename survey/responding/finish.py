"""The end of the respondent's flow: the review with Submit (once), the thanks, declining."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from survey import i18n
from survey.db import db
from survey.errors import ServiceError
from survey.responding import bp, flow, forms, guards, paradata
from survey.responding import services as answers
from survey.responding.drawing import NOTES, display, is_special
from survey.responding.messages import answer_message
from survey.responding.respondent import go, respondent_page, set_language
from survey.responding.saving import ACTOR
from survey.responding.visit import State, Visit, state_of
from survey.templating import text_in


@bp.route("/respond/review", methods=["GET", "POST"])
@respondent_page
def review(visit: Visit) -> Response | str:
    """Every answer by section with Change links; Submit (once, whatever is clicked)."""
    state = state_of(visit)
    if state.unfinished is not None and visit.invitation.current_section != flow.REVIEW:
        return go("index")
    notes: list[Any] = []
    if request.method == "POST":
        if not guards.csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            _timed(visit, paradata.REVIEW_PAGE)
            set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") != "submit":
                return go("review")
            try:
                answers.submit(db.session, visit.invitation, visit.q, actor=ACTOR)
            except ServiceError as error:
                if error.code != "incomplete":
                    return go("index")
                notes.append(_l("Some answers are missing or need attention. Please see below."))
            else:
                return go("thanks")  # the first submit and every repeat alike (DATA-03)
    sections = _answer_list(visit, state)
    return render_template(
        "responding/review.html",
        visit=visit,
        sections=sections,
        problems=[item for part in sections for item in part["items"] if item["error"]],
        notes=notes,
        since=paradata.shown_token(visit.invitation.id, paradata.REVIEW_PAGE),
    )


def _timed(visit: Visit, page: str) -> None:
    """The time on the review or thanks page until this post (a submit or a language switch)."""
    switch = forms.language_of(request.form)
    paradata.record_posted(
        db.session, visit.invitation.id, page, visit.language, i18n.tag(switch) if switch else None
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
            if question.is_asked and shown[question.key]
        ]
        listing.append({"part": part, "title": text_in(part.title, visit.language), "items": items})
    return listing


@bp.route("/respond/thanks", methods=["GET", "POST"])
@respondent_page
def thanks(visit: Visit) -> Response | str:
    """After submitting: thanks, the closing text and the answers, read-only."""
    notes = []
    if request.method == "POST":
        if guards.csrf_holds():
            _timed(visit, paradata.THANKS_PAGE)
            set_language(visit, forms.language_of(request.form))
            return go("thanks")
        notes.append(NOTES["csrf"])
    state = state_of(visit)
    return render_template(
        "responding/thanks.html",
        visit=visit,
        sections=_answer_list(visit, state),
        notes=notes,
        since=paradata.shown_token(visit.invitation.id, paradata.THANKS_PAGE),
    )


@bp.route("/respond/decline", methods=["GET", "POST"])
@respondent_page
def decline(visit: Visit) -> Response | str:
    """Decline to take part, after a confirmation; reminders stop."""
    notes = []
    if request.method == "POST" and visit.invitation.state != "declined":
        if not guards.csrf_holds():
            notes.append(NOTES["csrf"])
        else:
            set_language(visit, forms.language_of(request.form))
            if request.form.get("_nav") == "decline":
                answers.decline(db.session, visit.invitation)
            return go("decline")
    return render_template("responding/decline.html", visit=visit, notes=notes)
