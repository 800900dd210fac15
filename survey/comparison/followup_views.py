"""The comparison dashboard's "Ask both sides again": a follow-up round from a selection.

A researcher chooses which discrepancies to ask about again (review states, questions,
pair kinds, pairs), names the round and, as an owner only, whether each side sees the
partner's earlier answer. The page says how many pairs and questions the default
selection covers; creating it makes a draft round opened, sent and watched on its own
round page like any other.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from survey.comparison import bp, followups, pages, services
from survey.comparison.forms import STATUS_NAMES
from survey.comparison.models import Discrepancy
from survey.db import db
from survey.errors import ServiceError
from survey.i18n import TIME_ZONES
from survey.inputs import no_control_characters
from survey.rounds.views import aware, study_round
from survey.studies.access import study_role
from survey.studies.models import Pair
from survey.templating import text_in

BASE = "/studies/<slug>/rounds/<round_slug>/comparison"


class FollowupForm(FlaskForm):
    name = StringField(
        _l("Name of the follow-up round"),
        validators=[DataRequired(), Length(max=200), no_control_characters],
    )
    states = SelectMultipleField(
        _l("Discrepancies in these review states"),
        validators=[DataRequired(message=_l("Choose at least one review state."))],
    )
    questions = SelectMultipleField(
        _l("Only these questions (none chosen: every question)"), validators=[Optional()]
    )
    kinds = SelectMultipleField(
        _l("Only pairs of these kinds (none chosen: every kind)"), validators=[Optional()]
    )
    pairs = StringField(
        _l("Only these pairs (codes, comma-separated; empty: every pair)"),
        validators=[Optional(), Length(max=20000), no_control_characters],
    )
    reveal = RadioField(
        _l("What each side sees"),
        default="none",
        choices=[
            SelectChoice("none", _l("Only their own earlier answers (both sides stay blind)")),
            SelectChoice(
                "counterpart",
                _l("Also the partner's earlier answer, named by the partner's side (owners only)"),
            ),
        ],
    )
    timezone = SelectField(_l("Time zone for the dates"), validators=[Optional()])
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M")


def _choices(form: FollowupForm, round_) -> None:  # noqa: ANN001
    q = services.questionnaire_of(db.session, round_)
    disputed = set(
        db.session.scalars(
            select(Discrepancy.question_key).where(Discrepancy.round_id == round_.id)
        )
    )
    form.states.choices = [SelectChoice(k, v) for k, v in STATUS_NAMES.items()]
    form.questions.choices = [
        SelectChoice(question.key, f"{text_in(question.text)} ({question.key})")
        for question in q.questions()
        if question.key in disputed
    ]
    kinds = db.session.scalars(
        select(Pair.kind).where(Pair.study_id == g.study.id).distinct().order_by(Pair.kind)
    )
    form.kinds.choices = [SelectChoice(kind, kind) for kind in kinds if kind]
    zones = TIME_ZONES if round_.timezone in TIME_ZONES else (round_.timezone, *TIME_ZONES)
    form.timezone.choices = [SelectChoice(zone, zone) for zone in zones]


@bp.route(BASE + "/followup", methods=["GET", "POST"])
@study_role("researcher")
def followup(slug: str, round_slug: str) -> Response | str | tuple[str, int]:
    """Ask both sides again: choose the discrepancies, name the round, create it (draft)."""
    round_ = study_round(round_slug)
    form = FollowupForm()
    if request.method == "GET":
        form.states.data = ["open"]
        form.timezone.data = round_.timezone
    _choices(form, round_)
    status = 200
    if form.validate_on_submit():
        selection = followups.Selection(
            states=form.states.data,
            pairs=[c.strip() for c in (form.pairs.data or "").split(",") if c.strip()],
            questions=form.questions.data or [],
            kinds=form.kinds.data or [],
        )
        zone = ZoneInfo(form.timezone.data or round_.timezone)
        try:
            if form.reveal.data == "counterpart" and g.role != "owner":
                raise ServiceError("reveal", "reveal_owner")
            created, found = followups.create(
                db.session,
                round_,
                form.name.data,
                selection,
                reveal=form.reveal.data,
                user=g.user,
                opens_at=aware(form.opens_at.data, zone),
                closes_at=aware(form.closes_at.data, zone),
                timezone=str(zone),
            )
        except ServiceError as error:
            target = getattr(form, error.field or "", None)
            (target.errors if target is not None else form.form_errors).append(error.message)
            status = 422
        else:
            flash(
                _(
                    "Follow-up round %(name)s created as a draft: %(pairs)s pairs, "
                    "%(questions)s questions. Open it and send the invitations from here.",
                    name=created.name,
                    pairs=len(found.asked),
                    questions=found.questions,
                ),
                "info",
            )
            return redirect(url_for("rounds.show", slug=slug, round_slug=created.slug))
    elif request.method == "POST":
        status = 422
    try:
        preview = followups.plan(db.session, round_, followups.Selection())
    except ServiceError:
        preview = None
    return render_template(
        "comparison/followup.html",
        **pages.page_context(round_),
        form=form,
        preview=preview,
        existing=followups.listing(db.session, round_),
        is_owner=g.role == "owner",
    ), status
