"""The round's contacts pages: sides by next callback with their history, and logging.

Viewers read them; interviewers see and log only the pairs assigned to them (another
pair's page is a 404, as for interviewer entry); researchers and owners log for all.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_percent, get_timezone
from flask_babel import gettext as _

from survey import paging
from survey.db import db, utcnow
from survey.fieldwork import bp, dispositions, services
from survey.fieldwork.forms import AttemptForm
from survey.fieldwork.labels import GROUP_NAMES, MODE_NAMES, OUTCOME_NAMES, FieldworkError
from survey.fieldwork.times import shown_in
from survey.rounds.models import Round
from survey.rounds.views import study_round
from survey.studies.access import study_role

blueprints = (bp,)
PER_PAGE = 50
_OUTCOME_ORDER = {code: n for n, code in enumerate(dispositions.OUTCOMES)}
# The contacts list's sorts (a side without the value last, whatever the direction): the next
# agreed callback, the last attempt's time, its outcome in the documented order.
SORT_KEYS = {
    "callback": lambda case: case.next_callback,
    "last": lambda case: case.last.at if case.last else None,
    "outcome": lambda case: _OUTCOME_ORDER[case.last.outcome] if case.last else None,
}
SIDE_PATH = "/studies/<slug>/rounds/<round_slug>/contacts/<pair_code>/<side_code>"


@bp.route("/studies/<slug>/rounds/<round_slug>/contacts/")
@study_role("viewer")
def contacts(slug: str, round_slug: str) -> str:
    """The sides (an interviewer's own), next callback first, with their attempts."""
    round_ = study_round(round_slug)
    found = services.cases(db.session, round_, user=g.user, role=g.role)
    wanted = paging.parse(request.args, tuple(SORT_KEYS), "callback", per_page=PER_PAGE)
    rows, total, wanted = paging.list_page(found, wanted, SORT_KEYS)
    link = paging.link_to(
        "fieldwork.contacts", request.args, slug=g.study.slug, round_slug=round_.slug
    )
    return render_template(
        "fieldwork/contacts.html",
        study=g.study,
        round=round_,
        listing=paging.Listing(rows, total, wanted, link),
        due=services.due(found),
        outcome_names=OUTCOME_NAMES,
        mode_names=MODE_NAMES,
        group_names=GROUP_NAMES,
    )


def _case(round_: Round, pair_code: str, side_code: str) -> services.Case:
    try:
        case = services.find_case(db.session, round_, pair_code, side_code)
    except FieldworkError:
        abort(404)
    if g.role == "interviewer" and not services.may_log(
        db.session, g.study.id, g.user, g.role, case.pair.id
    ):
        abort(404)
    return case


@bp.route(SIDE_PATH)
@study_role("viewer")
def side(slug: str, round_slug: str, pair_code: str, side_code: str) -> str:
    """One side's attempts, newest first, and (for those who may) the form to log one."""
    round_ = study_round(round_slug)
    case = _case(round_, pair_code, side_code)
    form = AttemptForm(formdata=None)
    form.zone.data = case.zone or round_.timezone
    form.at.data = utcnow().astimezone(get_timezone()).replace(tzinfo=None, second=0)
    return _page(round_, case, form)


def _page(round_: Round, case: services.Case, form: AttemptForm, status: int = 200):  # noqa: ANN202
    may = services.may_log(db.session, g.study.id, g.user, g.role, case.pair.id)
    return render_template(
        "fieldwork/side.html",
        study=g.study,
        round=round_,
        case=case,
        form=form if may else None,
        viewer_zone=str(get_timezone()),
        outcome_names=OUTCOME_NAMES,
        mode_names=MODE_NAMES,
        group_names=GROUP_NAMES,
    ), status


@bp.route(SIDE_PATH, methods=["POST"])
@study_role("interviewer")
def log(slug: str, round_slug: str, pair_code: str, side_code: str) -> str | Response:
    """Log one attempt (CSRF); errors in the viewer's language at their fields."""
    round_ = study_round(round_slug)
    case = _case(round_, pair_code, side_code)
    form = AttemptForm()
    if form.validate_on_submit():
        try:
            services.log_attempt(
                db.session,
                case,
                outcome=form.outcome.data,
                mode=form.mode.data,
                at=services.local(form.at.data, str(get_timezone()), "at"),
                note=form.note.data or "",
                callback_at=services.local(form.callback.data, form.zone.data, "callback"),
                zone=form.zone.data,
                user=g.user,
            )
        except FieldworkError as error:
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None else form.form_errors).append(error.message)
        else:
            flash(_("Attempt logged."), "info")
            return redirect(
                url_for(
                    "fieldwork.side",
                    slug=slug,
                    round_slug=round_slug,
                    pair_code=pair_code,
                    side_code=side_code,
                )
            )
    return _page(round_, case, form, 422)


@bp.app_template_global("aapor_code")
def aapor_code(outcome: str) -> str:
    """The AAPOR disposition of a contact outcome, e.g. 3.13."""
    return dispositions.OUTCOMES[outcome].code


@bp.app_template_global("callback_time")
def callback_time(moment: dt.datetime | None, zone: str | None) -> str:
    """An agreed time in the respondent's zone with its offset; empty when none."""
    return shown_in(moment, zone or "UTC") if moment else ""


@bp.app_template_global("rate_percent")
def rate_percent(value: float | None) -> str:
    """A rate as a percentage with one decimal in the interface language; "—" for none."""
    return "—" if value is None else format_percent(value, "#,##0.0%")
