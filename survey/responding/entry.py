"""Interviewer entry: a telephone, e-mail or paper interview entered on the respondent's behalf.

A researcher's page (the site's CSRF check, headers and error pages), on a
blueprint of its own beside the respondent's. It reads each section's answers as
the respondent's pages do (`forms.read_page`) and stores them through the same
service, as the interviewer (or, once submitted, as a correction with a reason),
with the answers' versions as shown guarding against a save in between (ACL-05).
A follow-up round's interview asks only the questions the round asks the pair, with
what each answer is based on (`followup_entry.py`).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _
from sqlalchemy import select

from survey.core.questionnaire import Questionnaire
from survey.db import db, utcnow
from survey.errors import ServiceError
from survey.questionnaires import services as questionnaires
from survey.questionnaires.models import QuestionnaireVersion
from survey.responding import drawing, followup_entry
from survey.responding import services as answers
from survey.responding.followup_answers import save_explanations
from survey.responding.forms import PageInput, read_page
from survey.responding.messages import answer_message
from survey.rounds import entry, services
from survey.rounds.forms import EntryForm
from survey.rounds.models import Invitation, Round
from survey.rounds.views import study_round
from survey.studies.access import study_role
from survey.studies.models import Pair, StudySide
from survey.templating import lang_tag

bp = Blueprint("entry", __name__)


def _invitation(round_: Round, pair_code: str, side_code: str) -> Invitation:
    services.ensure_invitations(db.session, round_)
    found = db.session.scalar(
        select(Invitation)
        .join(Pair, Pair.id == Invitation.pair_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(
            Invitation.round_id == round_.id, Pair.code == pair_code, StudySide.code == side_code
        )
    )
    if found is None or not entry.may_enter(db.session, g.study.id, g.user, g.role, found.pair_id):
        abort(404)
    return found


@bp.route(
    "/studies/<slug>/rounds/<round_slug>/entry/<pair_code>/<side_code>", methods=["GET", "POST"]
)
@study_role("interviewer")
def enter(slug: str, round_slug: str, pair_code: str, side_code: str) -> str | Response:
    """Enter a telephone, e-mail or paper interview on the respondent's behalf (ACL-05)."""
    round_ = study_round(round_slug)
    invitation = _invitation(round_, pair_code, side_code)
    q = questionnaires.model_of(
        db.session.get(QuestionnaireVersion, round_.questionnaire_version_id)
    )
    again = followup_entry.asked_again(db.session, round_, q, invitation, lang_tag())
    if again is not None:
        q = again.page  # only the questions the follow-up asks this pair
    form = EntryForm(mode=invitation.mode if invitation.mode != "web" else "phone")
    errors: dict[str, str] = {}
    conflicts: dict = {}
    cells: dict[str, dict[tuple[int, str], str]] = {}  # a roster's refused cells
    # The same reader as the respondent's pages, over every section of the entry form.
    pages = [read_page(q, s, request.form) for s in q.sections] if request.method == "POST" else []
    if form.validate_on_submit():
        outcome = _save_entry(invitation, q, form, again, pages)
        if isinstance(outcome, Response):
            return outcome
        errors, conflicts, cells = outcome
    saved = answers.answers_of(db.session, invitation)
    values = request.form if request.method == "POST" else saved
    questions = list(q.questions())
    piped = drawing.pipe_values(q, questions, saved, lang_tag())  # as saved, escaped when drawn
    # what the marks and the filtered options follow: as typed (after a refusal), else saved
    typed = drawing.typed_over(q, saved, {k: v for p in pages for k, v in p.raw.items()})
    needed = {key for section in q.sections for key in drawing.required_now(section, typed)}
    offers = {
        k: v for section in q.sections for k, v in drawing.offered_codes(section, typed).items()
    }
    why = {}
    if again is not None:
        if request.method != "POST":
            values = followup_entry.prefilled(again, values)
        why = {**again.explanations, **followup_entry.typed_explanations(again, request.form)}
    return render_template(
        "responding/entry.html",
        study=g.study,
        round=round_,
        invitation=invitation,
        q=q,
        form=form,
        pair_code=pair_code,
        side_code=side_code,
        pair=db.session.get(Pair, invitation.pair_id),
        errors=errors,
        cells=cells,
        conflicts=conflicts,
        values=values,
        again=again,
        why=why,
        why_max=followup_entry.WHY_MAX,
        shown=drawing.shown_in,  # an earlier answer in words, as the pages show it
        versions={k: r.version for k, r in answers.answer_rows(db.session, invitation).items()},
        rosters=_roster_rows(q, values, pages),
        stored=saved,  # what a roster's column's `relevant` reads besides its row
        language=lang_tag(),
        piped=piped,
        needed=needed,
        offers=offers,
        # for the page script (live required marks and choice filters): what is not on the page
        outside=current_app.json.dumps(
            {k: v for k, v in saved.items() if k not in q.answerable_keys}
        ),
        today=utcnow().date().isoformat(),
    ), (422 if errors or conflicts else 200)


def _save_entry(
    invitation: Invitation,
    q: Questionnaire,
    form: EntryForm,
    again: followup_entry.AskedAgain | None,
    pages: list[PageInput],
) -> Response | tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    submitted = invitation.state == "submitted"
    actor = answers.Actor(
        "correction" if submitted else "interviewer",
        g.user,
        reason=form.reason.data or None,
        mode=form.mode.data,
    )
    try:
        result = answers.record_answers(
            db.session,
            invitation,
            q,
            {k: v for p in pages for k, v in p.raw.items()},
            actor=actor,
            expected={k: v for p in pages for k, v in p.versions.items()},
        )
        result.errors.update({k: e for p in pages for k, e in p.errors.items()})
        if again is not None:  # what each answer is based on, kept whatever else failed
            typed = followup_entry.typed_explanations(again, request.form)
            save_explanations(db.session, invitation, typed, actor_user_id=g.user.id)
        if not result.errors and not result.conflicts and form.action.data == "submit":
            answers.submit(db.session, invitation, q, actor=actor)
    except ServiceError as error:
        flash(error.message, "error")
        return {}, {}, {}
    if result.errors or result.conflicts:
        language = lang_tag()
        errors = result.errors.items()
        return (
            {k: answer_message(e, q.question(k), language) for k, e in errors},
            result.conflicts,
            {k: cells for k, e in errors if (cells := _cells(q, k, e, language))},
        )
    flash(_("Saved."), "info")
    if any(page.roster for page in pages):  # a roster's button: saved, drawn again
        return {}, {}, {}
    return redirect(request.path)


def _cells(q: Questionnaire, key: str, error: Any, language: str) -> Any:
    """A roster's refused cells with their messages, by (row, column), or None."""
    return drawing.cell_messages(q.question(key), error, language)


def _roster_rows(q: Questionnaire, values: Any, pages: list[PageInput]) -> dict[str, list[Any]]:
    """Each roster's rows as the form shows them: as posted (with a row added or removed
    by its button; `pages`, the form as read), else as stored."""
    rosters = [x for x in q.questions() if x.type == "roster"]
    if not pages:
        return {x.key: list(values.get(x.key) or []) for x in rosters}
    shown = {k: v for page in pages for k, v in page.shown.items()}
    return {x.key: list(shown.get(x.key, ([], None))[0]) for x in rosters}
