"""The respondent's follow-up page: the disputed questions asked again, on one page.

A follow-up round's invitation leads here instead of the section pages. Each question
the round asks this pair comes pre-filled with the respondent's own earlier answer (or
the follow-up answer they saved since), to confirm or change, with an optional "what is
this based on?" beside it. With `reveal=counterpart` the partner's earlier answer is
shown too, named by the partner's side label; otherwise neither side sees the other's.

Saving and submitting go through the same path as a section page: `saving.save_page`
(plan, guarded write, one audit row, a retry on a conflict) and `services.submit` (once,
whatever is clicked), on a one-section questionnaire holding the asked questions as
required. No script is needed; CSRF is checked here so that a failed check keeps what
was typed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.core.questionnaire import Section
from survey.core.types import AnswerError, is_blank
from survey.db import db
from survey.errors import ServiceError
from survey.responding import bp, forms, guards, saving, store
from survey.responding import services as answers
from survey.responding.drawing import NOTES, display, item
from survey.responding.followup_answers import (
    WHY_MAX,
    asked_part,
    explanations_of,
    one_page,
    original_answers,
    partner_label,
    save_explanations,
)
from survey.responding.respondent import gate, go, message_page, respondent_page, set_language
from survey.responding.visit import State, Visit, state_of
from survey.rounds.models import FollowupPair, FollowupRound
from survey.studies.models import PairSide

WHY = "_why."  # explanation fields: `_why.<question key>` (a leading _ is no answer)
SUBMIT_NOTE = _l("Some answers are missing or need attention. Please see below.")


@dataclasses.dataclass
class Followup:
    """What the page asks this respondent, and what it shows beside each question."""

    part: Section  # the asked questions, required, without show-if conditions
    own: dict[str, Any]  # the respondent's answers in the original round
    partner: dict[str, Any] | None  # the partner's, when the round shows them
    partner_label: str
    explanations: dict[str, str]


def _load(visit: Visit) -> Followup | None:
    link = db.session.get(FollowupRound, visit.round.id)
    if link is None:
        return None
    invitation = visit.invitation
    asked = db.session.get(FollowupPair, (visit.round.id, invitation.pair_id))
    part = asked_part(visit.q, list(asked.questions if asked else []))
    earlier = original_answers(db.session, link.parent_id, invitation.pair_id)
    own = earlier.get(invitation.side_id, {})
    partner, label = None, ""
    if link.reveal == "counterpart":
        partner_side = next((s for s in earlier if s != invitation.side_id), None)
        partner = earlier.get(partner_side, {}) if partner_side else {}
        label = _partner_label(visit)
    return Followup(part, own, partner, label, explanations_of(db.session, invitation.id))


def _partner_label(visit: Visit) -> str:
    return partner_label(db.session, visit.invitation.pair_id, visit.side.id, visit.language)


def _partner_place(visit: Visit) -> str:
    place = db.session.scalar(
        select(PairSide).where(
            PairSide.pair_id == visit.invitation.pair_id, PairSide.side_id != visit.side.id
        )
    )
    if place is None:
        return ""
    chinese = visit.locale.startswith("zh")
    first, second = (
        (place.place_zh, place.place_en) if chinese else (place.place_en, place.place_zh)
    )
    return first or second or ""


def _shown_state(visit: Visit, state: State, followup: Followup) -> State:
    """The answers as the page shows them: the follow-up's, else the earlier ones (version 0)."""
    rows = dict(state.rows)
    for question in followup.part.questions:
        stored = rows.get(question.key)
        if (stored is None or stored.value is None) and question.key in followup.own:
            rows[question.key] = store.Stored(None, followup.own[question.key], 0)
    return State(visit.q, rows)


@bp.route("/respond/followup", methods=["GET", "POST"])
@respondent_page
def followup(visit: Visit) -> Response | tuple[Any, ...] | str:
    """The disputed questions, pre-filled, each with "what is this based on?"; Save, Submit."""
    found = _load(visit)
    if found is None:
        return go("index")
    state = state_of(visit)
    if visit.invitation.state == "submitted":
        return _draw(visit, found, state, done=True)
    if request.method == "GET":
        return _draw(visit, found, state)
    page_in = forms.read_page(visit.q, found.part, request.form)
    typed = _typed_explanations(found)
    if not guards.csrf_holds():
        set_language(visit, page_in.language)
        return _draw(visit, found, state, page_in, notes=[NOTES["csrf"]], typed=typed)
    if page_in.unknown:
        message = ServiceError("question", "unknown_question", keys=", ".join(page_in.unknown))
        return message_page((message.message,), 400)
    set_language(visit, page_in.language)
    saved = saving.save_page(db.session, visit, found.part, state, page_in, None)
    if saved.closed:
        return gate(visit, "followup") or go("followup")
    _save_explanations(visit, found, typed)
    if saved.errors or saved.conflicts:
        notes = [NOTES[note] for note in saved.notes]
        errors, conflicts = saved.errors, saved.conflicts
        return _draw(visit, found, saved.state, page_in, errors, conflicts, notes, typed)
    if page_in.roster is not None:  # "Add a row" / "Remove row n": saved, drawn again
        return _draw(visit, found, saved.state, page_in, typed=typed)
    if page_in.language is None and request.form.get("_nav") == "submit":
        return _submit(visit, found, saved.state, typed)
    return go("followup")


def _submit(visit: Visit, found: Followup, state: State, typed: dict[str, str]) -> Any:
    try:
        answers.submit(
            db.session, visit.invitation, one_page(visit.q, found.part), actor=saving.ACTOR
        )
    except ServiceError as error:
        if error.code != "incomplete":
            return go("index")
        missing = {
            question.key: AnswerError("required")
            for question in found.part.questions
            if question.is_asked and is_blank(state.values.get(question.key))
        }
        return _draw(visit, found, state, None, missing, None, [SUBMIT_NOTE], typed)
    return go("followup")  # the first submit and every repeat alike


def _typed_explanations(found: Followup) -> dict[str, str]:
    typed = {}
    for question in found.part.questions:
        value = request.form.get(WHY + question.key)
        if value is not None:
            typed[question.key] = value.replace("\r\n", "\n").strip()[:WHY_MAX]
    return typed


def _save_explanations(visit: Visit, found: Followup, typed: dict[str, str]) -> None:
    changes = save_explanations(db.session, visit.invitation, typed)
    found.explanations.update({key: new for key, (_old, new) in changes.items()})


def _draw(  # noqa: PLR0913
    visit: Visit,
    found: Followup,
    state: State,
    page_in: forms.PageInput | None = None,
    errors: dict[str, AnswerError] | None = None,
    conflicts: dict[str, tuple[Any, int]] | None = None,
    notes: list[Any] | None = None,
    typed: dict[str, str] | None = None,
    *,
    done: bool = False,
) -> str:
    shown = _shown_state(visit, state, found)
    explanations = {**found.explanations, **(typed or {})}
    items = []
    for question in found.part.questions:
        if not question.is_asked:
            continue  # a disputed calculation: computed again from the inputs asked
        key = question.key
        drawn = item(visit, question, shown, page_in, errors or {}, conflicts or {}, False)
        partner = None
        if found.partner is not None:
            partner = display(visit, question, found.partner.get(key))
        items.append(
            {
                "key": key,
                "text": drawn.text,
                "html": drawn.html,
                "errors": drawn.errors,
                "earlier": display(visit, question, found.own.get(key)),
                "now": display(visit, question, shown.values.get(key)),
                "partner": partner,
                "why": explanations.get(key, ""),
            }
        )
    return render_template(
        "responding/followup.html",
        visit=visit,
        items=items,
        summary=[i for i in items if i["errors"]],
        partner_label=found.partner_label,
        partner_place=_partner_place(visit),
        notes=notes or [],
        done=done,
        why_max=WHY_MAX,
    )
