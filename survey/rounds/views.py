"""Researcher pages for rounds: list and create, the round page, actions, interviewer entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from survey import paging
from survey.accounts.authz import ROLE_RANK
from survey.db import db, utcnow
from survey.errors import NotFoundError, ServiceError
from survey.exports_safety import csv_download
from survey.i18n import TIME_ZONES
from survey.questionnaires.models import QuestionnaireVersion
from survey.rounds import bp, entry, presentation, services
from survey.rounds.forms import ActionForm, RoundForm, ScheduleForm
from survey.rounds.models import Round
from survey.rounds.monitoring import next_action, round_status
from survey.studies.access import study_role
from survey.studies.models import Pair
from survey.templating import STATE_NAMES, side_name

# Sections a higher layer adds to the round page (the fieldwork rates): each takes the round
# and gives (template, its context) or None; the app factory fills this list.
ROUND_PANELS: list[Callable[[Round], tuple[str, dict[str, Any]] | None]] = []


def study_round(round_slug: str) -> Round:
    """The round of the URL's study (loaded by `study_role`), or 404; shared by round pages."""
    try:
        return services.get_round(db.session, round_slug, study=g.study)
    except NotFoundError:
        abort(404)


def _can_manage() -> bool:
    return ROLE_RANK[g.role] >= ROLE_RANK["researcher"]


@bp.route("/studies/<slug>/rounds/")
@study_role("viewer")
def index(slug: str) -> str:
    """The study's rounds, newest first, and (for researchers) the form to create one."""
    rounds = db.session.scalars(
        select(Round).where(Round.study_id == g.study.id).order_by(Round.id.desc())
    )
    return render_template(
        "rounds/index.html",
        study=g.study,
        rounds=list(rounds),
        form=_round_form() if _can_manage() else None,
    )


def _round_form() -> RoundForm:
    form = RoundForm()
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .where(
            (QuestionnaireVersion.study_id == g.study.id) | QuestionnaireVersion.study_id.is_(None)
        )
        .order_by(QuestionnaireVersion.id.desc())
    )
    form.questionnaire.choices = [
        SelectChoice(f"{v.key}@{v.version}", f"{v.key} {v.version}") for v in versions
    ]
    kinds = db.session.scalars(select(Pair.kind).where(Pair.study_id == g.study.id).distinct())
    form.kinds.choices = [SelectChoice(k, k) for k in sorted(kinds) if k]
    form.timezone.choices = [SelectChoice(z, z) for z in TIME_ZONES]
    return form


@bp.route("/studies/<slug>/rounds/", methods=["POST"])
@study_role("researcher")
def create(slug: str) -> str | Response:
    """Create a draft round from a questionnaire version and a choice of pairs."""
    form = _round_form()
    if form.validate_on_submit():
        zone = ZoneInfo(form.timezone.data or "UTC")
        codes = [c.strip() for c in (form.pairs.data or "").split(",") if c.strip()]
        try:
            round_ = services.create_round(
                db.session,
                g.study,
                form.name.data,
                form.questionnaire.data,
                pair_codes=codes or None,
                kinds=form.kinds.data or None,
                opens_at=aware(form.opens_at.data, zone),
                closes_at=aware(form.closes_at.data, zone),
                timezone=str(zone),
                user=g.user,
            )
        except ServiceError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Round %(name)s created as a draft.", name=round_.name), "info")
            return redirect(url_for("rounds.show", slug=slug, round_slug=round_.slug))
    return render_template(
        "rounds/index.html",
        study=g.study,
        form=form,
        rounds=list(db.session.scalars(select(Round).where(Round.study_id == g.study.id))),
    ), 422


def aware(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return moment.replace(tzinfo=zone).astimezone(dt.UTC) if moment else None


@bp.route("/studies/<slug>/rounds/<round_slug>/")
@study_role("viewer")
def show(slug: str, round_slug: str) -> str:
    """State and its one next action, progress per side, mail, reminders, submissions, pairs."""
    return _show(study_round(round_slug))


def _show(round_: Round, schedule_form: ScheduleForm | None = None) -> str:
    from survey.rounds import paradata, schedule

    slug, round_slug = g.study.slug, round_.slug
    status = round_status(db.session, round_, services.side_codes(g.study))
    rows = presentation.filter_rows(status.rows, request.args)
    wanted = paging.parse(request.args, presentation.pair_sort_keys(status.sides), "pair")
    found, total, wanted = paging.list_page(rows, wanted, presentation.pair_sort_keys(status.sides))
    link = paging.link_to("rounds.show", request.args, slug=slug, round_slug=round_slug)
    from survey.rounds.mail import outbox_counts

    return render_template(
        "rounds/show.html",
        study=g.study,
        round=round_,
        status=status,
        listing=paging.Listing(found, total, wanted, link),
        version=db.session.get(QuestionnaireVersion, round_.questionnaire_version_id),
        action=ActionForm(),
        next_action=next_action(round_.state, status),
        can_manage=_can_manage(),
        enterable=_enterable_pairs(round_),
        kinds=sorted({r["kind"] for r in status.rows if r["kind"]}),
        state_filter=request.args.get("state", ""),
        kind_filter=request.args.get("kind", ""),
        mail_counts=outbox_counts(db.session, round_id=round_.id),
        chart=presentation.submissions_chart(round_, status),
        completion=paradata.completion(db.session, round_, [(s.id, s.code) for s in g.study.sides]),
        schedule=schedule.schedule_of(round_),
        next_reminders=schedule.next_reminders(db.session, round_, utcnow()),
        schedule_form=schedule_form or (_schedule_form(round_) if _can_manage() else None),
        panels=[found for panel in ROUND_PANELS if (found := panel(round_)) is not None],
    )


def _schedule_form(round_: Round) -> ScheduleForm:
    """The schedule form with a time zone field per side, filled from the round on a GET."""

    class Form(ScheduleForm):
        pass

    zones = [SelectChoice("", _("Same as the round (%(zone)s)", zone=round_.timezone))]
    zones += [SelectChoice(z, z) for z in TIME_ZONES]
    for side in g.study.sides:
        label = _("Time zone of the respondents of %(side)s", side=side_name(side))
        setattr(Form, f"zone_{side.position}", SelectField(label, choices=zones, default=""))
    data: dict[str, object] = {f"zone_{s.position}": s.timezone or "" for s in g.study.sides}
    if round_.reminder_days:
        data.update(
            remind_after=", ".join(str(d) for d in round_.reminder_days),
            at=round_.reminder_at,
            maximum=round_.reminder_max,
        )
    return Form() if request.method == "POST" else Form(data=data)


@bp.route("/studies/<slug>/rounds/<round_slug>/schedule", methods=["POST"])
@study_role("researcher")
def schedule_post(slug: str, round_slug: str) -> str | Response | tuple[str, int]:
    """Set the reminder schedule and the sides' time zones (CSRF; researchers and above)."""
    from survey.rounds import schedule

    round_ = study_round(round_slug)
    form = _schedule_form(round_)
    if form.validate_on_submit():
        try:
            days = (form.remind_after.data or "").strip()
            plan = (
                schedule.Schedule(
                    schedule.parse_days(days), schedule.parse_hour(form.at.data), form.maximum.data
                )
                if days
                else None
            )
            for side in g.study.sides:
                zone = getattr(form, f"zone_{side.position}").data
                if zone and zone != side.timezone:
                    schedule.set_side_zone(db.session, round_, side.code, zone, user=g.user)
            schedule.set_schedule(db.session, round_, plan, user=g.user)
        except ServiceError as error:
            fields = {"remind_after": form.remind_after, "at": form.at, "max": form.maximum}
            target = fields.get(error.field or "")
            (target.errors if target is not None else form.form_errors).append(error.message)
        else:
            flash(_("Reminder schedule saved."), "info")
            return redirect(url_for("rounds.show", slug=slug, round_slug=round_slug) + "#reminders")
    return _show(round_, form), 422


@bp.route("/studies/<slug>/rounds/<round_slug>/submissions.csv")
@study_role("viewer")
def submissions_csv(slug: str, round_slug: str) -> Response:
    """The numbers of the submissions chart as CSV: period start, submissions."""
    round_ = study_round(round_slug)
    status = round_status(db.session, round_, services.side_codes(g.study))
    unit, buckets = presentation.submission_buckets(round_, status)
    return csv_download(
        [f"{unit}_starting", "submissions"],
        ([b.start.isoformat(), b.count] for b in buckets),
        f"{round_slug}-submissions.csv",
    )


def _enterable_pairs(round_: Round) -> set[str]:
    codes = {p.id: p.code for p in services.round_pairs(db.session, round_)}
    return {
        code
        for pid, code in codes.items()
        if entry.may_enter(db.session, g.study.id, g.user, g.role, pid)
    }


@bp.route("/studies/<slug>/rounds/<round_slug>/<action>", methods=["POST"])
@study_role("researcher")
def act(slug: str, round_slug: str, action: str) -> Response:
    """Open or close the round, or queue invitations or reminders (POST with CSRF only)."""
    states = {"open": "open", "close": "closed"}
    if action not in (*states, "invite", "remind"):
        abort(404)
    round_ = study_round(round_slug)
    if ActionForm().validate_on_submit():
        try:
            if action in states:
                services.set_state(db.session, round_, states[action], user=g.user)
                flash(_("The round is now %(state)s.", state=STATE_NAMES[round_.state]), "info")
            else:
                _queue(round_, action)
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("rounds.show", slug=slug, round_slug=round_slug))


@bp.route("/studies/<slug>/rounds/<round_slug>/links.csv", methods=["POST"])
@study_role("researcher")
def links_csv(slug: str, round_slug: str) -> Response:
    """Download the respondent links as CSV (audited; they grant access to the forms)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    rows = services.links_of_round(db.session, study_round(round_slug), user=g.user)
    header = ["pair", "side", "respondent", "email", "language", "state", "link"]
    return csv_download(
        header, ([row[c] for c in header] for row in rows), f"{round_slug}-links.csv"
    )


def _queue(round_: Round, action: str) -> None:
    from survey.rounds.invite import invite_round, remind_round

    report = (invite_round if action == "invite" else remind_round)(db.session, round_, user=g.user)
    flash(
        _(
            "%(count)s messages queued; they are sent by the mail worker. Not queued: "
            "%(already)s already queued, %(no_email)s without e-mail, %(waiting)s with a "
            "reminder still waiting.",
            count=report.queued,
            already=report.already,
            no_email=report.no_email,
            waiting=report.waiting,
        ),
        "info",
    )
    for line in report.errors:
        flash(line, "error")


@bp.route("/studies/<slug>/rounds/<round_slug>/texts", methods=["GET", "POST"])
@study_role("researcher")
def texts_page(slug: str, round_slug: str) -> str | Response:
    """Invitation and reminder texts per language, checked on save and previewed as sent."""
    from survey.rounds import invite, texts

    round_ = study_round(round_slug)
    form = ActionForm()
    problems: dict[str, list[str]] = {}
    if form.validate_on_submit():
        problems = services.save_texts(db.session, round_, _posted_texts(texts), user=g.user)
        if not problems:
            flash(_("Texts saved."), "info")
            return redirect(url_for("rounds.texts_page", slug=slug, round_slug=round_slug))
    rows = services.invitation_rows(db.session, round_)
    sample = rows[0] if rows else None
    previews = (
        {
            (kind, lang): invite.render(db.session, round_, sample, kind, lang)
            for kind in texts.KINDS
            for lang in texts.LANGUAGES
        }
        if sample
        else {}
    )
    current = {
        (kind, lang): _current_text(round_, kind, lang, texts)
        for kind in texts.KINDS
        for lang in texts.LANGUAGES
    }
    values = request.form if request.method == "POST" else None
    return render_template(
        "rounds/texts.html",
        study=g.study,
        round=round_,
        form=form,
        kinds=texts.KINDS,
        languages=texts.LANGUAGES,
        current=current,
        previews=previews,
        problems=problems,
        values=values,
        placeholders=texts.PLACEHOLDERS,
    ), (422 if problems else 200)


def _posted_texts(texts) -> dict[str, dict[str, dict[str, str]]]:  # noqa: ANN001
    posted: dict[str, dict[str, dict[str, str]]] = {}
    for kind in texts.KINDS:
        for lang in texts.LANGUAGES:
            subject = request.form.get(f"{kind}-{lang}-subject", "")
            body = request.form.get(f"{kind}-{lang}-body", "")
            posted.setdefault(kind, {})[lang] = {"subject": subject, "body": body}
    return posted


def _current_text(round_: Round, kind: str, lang: str, texts) -> tuple[str, str]:  # noqa: ANN001
    custom = (getattr(round_, f"{kind}_texts") or {}).get(lang)
    if custom:
        return custom["subject"], custom["body"]
    return texts.default_texts(kind, lang, closing_date=round_.closes_at is not None)
