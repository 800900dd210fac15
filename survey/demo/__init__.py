"""`survey demo`: an embedded database with the sample study, a demo account, and a server."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.accounts import services as accounts
from survey.accounts.models import User
from survey.comparison import services as comparison
from survey.comparison.models import Discrepancy
from survey.db import clock_at, db, utcnow, writing
from survey.demo import data, fieldwork
from survey.questionnaires import services as questionnaires
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies import services as studies
from survey.studies.models import Study

DEMO_EMAIL = "demo@example.org"
QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "sister-cities.yaml"
PAIRS = Path(__file__).resolve().parent / "pairs.csv"
DEMO_ROUND = "Interviews 2009-2010"
OPENS = fieldwork.OPENS
CLOSES = None  # still open, so the demo's respondent links can be tried
DEMO_STUDY = "sister-cities"
DEMO_TITLE = {
    "en": "Sino-U.S. sister city relations",
    "zh-Hans": "中美友好城市关系",
    "zh-Hant": "中美友好城市關係",
}
SIDE_LABELS = {
    "us": {"en": "United States", "zh-Hans": "美方", "zh-Hant": "美方"},
    "cn": {"en": "China", "zh-Hans": "中方", "zh-Hant": "中方"},
}
# The U.S.–Taiwan pairs' second side is named Taiwan, never China (a side label per pair kind).
KIND_LABELS = {("cn", "cross-strait"): {"en": "Taiwan", "zh-Hans": "台湾", "zh-Hant": "臺灣"}}


@click.command("demo")
@with_appcontext
@click.option("--port", default=5000, show_default=True, help="Port to serve on (127.0.0.1).")
@click.option("--no-serve", is_flag=True, help="Set everything up, print the links, do not serve.")
def demo_command(port: int, no_serve: bool) -> None:
    """Set up the embedded database with the sample study, print the login, and serve."""
    from survey.commands import upgrade_database

    if current_app.config["BASE_URL"] == "http://127.0.0.1:5000":  # the default: follow --port
        current_app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    upgrade_database()
    with writing():
        password = load_demo()
        links = open_links()
        db.session.commit()
    click.echo(f"Database: {current_app.config['DATABASE_URL']}")
    click.echo(f"Study:    {DEMO_STUDY}")
    for slug in demo_rounds():
        click.echo(f"Round:    {slug}   (try: survey round status {slug})")
    click.echo(f"Sign in at http://127.0.0.1:{port}/login")
    click.echo(f"  e-mail:   {DEMO_EMAIL}\n  password: {password}")
    if links:
        click.echo("Respondent links of sides that have not submitted yet (try the form):")
        for label, link in links:
            click.echo(f"  {label}: {link}")
    if not no_serve:
        # app.run() refuses to serve inside the flask CLI; serve with werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)


def load_demo() -> str:
    """Create (or refresh) the demo account and study; return the account's new password."""
    password = accounts.generate_password()
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = accounts.create_user(
            db.session, DEMO_EMAIL, password, role="researcher", name="Demo researcher"
        )
    else:
        accounts.set_password(db.session, user, password)
    study = db.session.scalar(select(Study).where(Study.slug == DEMO_STUDY))
    fresh = study is None
    with clock_at(fieldwork.SETUP["study"]) if fresh else contextlib.nullcontext():
        if study is None:
            study = _create_study(user)
        questionnaires.import_questionnaire(
            db.session,
            questionnaires.load_source(QUESTIONNAIRE),
            study=study,
            source_name=QUESTIONNAIRE.name,
        )
    if db.session.scalar(select(Round.id).where(Round.study_id == study.id)) is None:
        load_interviews(study, user)
    return password


def demo_rounds() -> list[str]:
    """The slugs of the demo study's rounds, oldest first."""
    return list(
        db.session.scalars(
            select(Round.slug)
            .join(Study, Study.id == Round.study_id)
            .where(Study.slug == DEMO_STUDY)
            .order_by(Round.id)
        )
    )


def open_links() -> list[tuple[str, str]]:
    """The links of the demo round's sides that have not submitted, to try the form."""
    round_ = db.session.scalar(
        select(Round)
        .join(Study, Study.id == Round.study_id)
        .where(Study.slug == DEMO_STUDY)
        .order_by(Round.id)
        .limit(1)
    )
    if round_ is None:
        return []
    return [
        (
            f"{row.pair.code} ({row.side.code}, {row.respondent.language})",
            rounds.link_of(row.invitation),
        )
        for row in rounds.invitation_rows(db.session, round_)
        if row.invitation.state != "submitted"
    ]


def load_interviews(study: Study, user: User) -> None:
    """The 37 pairs, a round of interviews, both sides' answers and a few decided discrepancies,
    each dated when it would have happened in the 2009–2010 fieldwork (demo.fieldwork)."""
    from survey.rounds import schedule as reminders
    from survey.studies.pairs import import_pairs
    from survey.studies.side_labels import set_kind_label

    with clock_at(fieldwork.SETUP["pairs"]):
        import_pairs(db.session, study, PAIRS, user=user)
        for (side, kind), labels in KIND_LABELS.items():
            set_kind_label(db.session, study, side, kind, labels, user=user)
    with clock_at(fieldwork.SETUP["round"]):
        round_ = rounds.create_round(
            db.session,
            study,
            DEMO_ROUND,
            "sister-cities",
            opens_at=OPENS,
            closes_at=CLOSES,
            timezone="America/New_York",
            user=user,
        )
        for side, zone in fieldwork.ZONES.items():
            reminders.set_side_zone(db.session, round_, side, zone, user=user)
        plan = reminders.Schedule(fieldwork.REMINDER_DAYS, fieldwork.REMINDER_AT, maximum=2)
        reminders.set_schedule(db.session, round_, plan, user=user)
    with clock_at(OPENS):
        rounds.set_state(db.session, round_, "open", user=user)
        rounds.ensure_invitations(db.session, round_)
    q = comparison.questionnaire_of(db.session, round_)
    order = {code: index for index, code in enumerate(_pair_codes())}
    events = []
    for row in rounds.invitation_rows(db.session, round_):
        events.extend(_events(row, order[row.pair.code]))
    latest = OPENS
    for when, _, step in sorted(events, key=lambda event: (event[0], event[1])):
        with clock_at(when):
            step(round_, q, user)
        latest = max(latest, when)
    with clock_at(latest + dt.timedelta(hours=2)):
        comparison.compare_round(db.session, round_, user=user)
    with clock_at(latest + dt.timedelta(days=3)):
        _decide_some(round_, user)
    from survey.demo.followup import load_followup

    load_followup(round_, user, latest + dt.timedelta(days=10))


def _events(row: rounds.InvitationRow, index: int) -> list:
    """One side's fieldwork as (when, order, step) events: invited, reminded, answered."""
    language = row.respondent.language or row.side.default_language
    plan = data.plan(
        index, row.pair.code, row.pair.kind, row.pair.established or 1985, row.side.code, language
    )
    when = fieldwork.dates(
        row.pair.code, row.side.code, plan.mode, plan.submitted, answered=bool(plan.answers)
    )
    events = [(when.invited, 0, lambda r, q, u: _invite(row, plan.mode, "invitation", 1))]
    for seq, moment in enumerate(when.reminders, start=1):
        events.append((moment, 1, lambda r, q, u, s=seq: _invite(row, plan.mode, "reminder", s)))
    if plan.answers:
        events.append((when.started, 2, lambda r, q, u: _record(row, q, plan, u)))
    if plan.answers and when.submitted and plan.mode == "web":
        events.append((when.started, 2, lambda r, q, u: _timed(row, q, language, when)))
    if plan.answers and when.submitted:
        events.append((when.submitted, 3, lambda r, q, u: _submit(row, q, plan, u)))
    return events + _contacts(row, plan, when)


def _contacts(row: rounds.InvitationRow, plan: data.SidePlan, when: fieldwork.SideDates) -> list:
    """A telephone or e-mail side's contact attempts (demo.contacts) as events."""
    from survey.demo import contacts

    steps = contacts.history(
        row.pair.code, row.side.code, row.pair.kind, plan.mode, when.invited, when.started,
        submitted=plan.submitted, answered=bool(plan.answers), refuses=plan.mode == "phone",
    )  # fmt: skip
    code, side = row.pair.code, row.side.code
    return [
        (step[0], 1, lambda r, q, u, s=step: contacts.logger(code, side, s, u)(r, q, u))
        for step in steps
    ]


def _invite(row: rounds.InvitationRow, mode: str, kind: str, seq: int) -> None:
    """An invitation or reminder e-mail to a web respondent, queued and sent at once; a
    telephone or e-mail interviewee is contacted (the invitation is marked sent)."""
    from survey.rounds import mail
    from survey.rounds.invite import render, round_places
    from survey.rounds.models import OutboxMessage

    now = utcnow()
    invitation = row.invitation
    if kind == "invitation":
        invitation.sent_at = now
        if invitation.state == "pending":
            invitation.state = "sent"
    if mode != "web" or not row.respondent.email:
        return
    round_ = db.session.get(Round, invitation.round_id)
    language = row.respondent.language or row.side.default_language
    places = round_places(db.session, round_)
    subject, body = render(db.session, round_, row, kind, language, places)
    draft = mail.Draft(invitation.id, kind, seq, row.respondent.email, language, subject, body)
    mail.queue_many(db.session, [draft], study_id=round_.study_id, action=f"round.{kind}")
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation.id,
            OutboxMessage.kind == kind,
            OutboxMessage.seq == seq,
        )
    )
    message.state, message.attempts = "sent", 1
    message.sent_at = now + dt.timedelta(minutes=2)


def _pair_codes() -> list[str]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        return list(dict.fromkeys(row["pair"] for row in csv.DictReader(handle)))


def _actor(plan: data.SidePlan, user: User) -> answers.Actor:
    web = plan.mode == "web"
    return answers.Actor(
        "respondent" if web else "interviewer", None if web else user, mode=plan.mode
    )


def _record(row: rounds.InvitationRow, q, plan: data.SidePlan, user: User) -> None:  # noqa: ANN001
    result = answers.record_answers(
        db.session, row.invitation, q, plan.answers, actor=_actor(plan, user)
    )
    if result.errors:  # the demo data must be valid; fail loudly if it drifts
        raise RuntimeError(f"demo answers for {row.pair.code}/{row.side.code}: {result.errors}")
    if plan.mode == "web":
        row.invitation.opened_at = row.invitation.opened_at or utcnow()


def _timed(row: rounds.InvitationRow, q, language: str, when: fieldwork.SideDates) -> None:  # noqa: ANN001
    """The web interview's paradata: a visit and its time on each page (demo.paradata)."""
    from survey.demo import paradata

    seed = f"paradata:{row.pair.code}:{row.side.code}"
    tag = _tag(language)
    paradata.add(db.session, row.invitation.id, q, tag, when.started, when.submitted, seed)


def _tag(language: str) -> str:
    """The BCP 47 tag of a respondent's language (en, zh-Hans, zh-Hant)."""
    from survey import i18n

    return i18n.tag(i18n.normalize(language) or "en")


def _submit(row: rounds.InvitationRow, q, plan: data.SidePlan, user: User) -> None:  # noqa: ANN001
    answers.submit(db.session, row.invitation, q, actor=_actor(plan, user))


def _decide_some(round_: Round, user: User) -> None:
    """Two decisions already taken, so the dashboard shows every state of the review."""
    notes = {
        "established": (
            "explained",
            "One side counts from the first exchange, the other from the signing of the agreement.",
        ),
        "delegations_sent": ("confirmed", "Both offices stand by their own records."),
    }
    for item in comparison.items(db.session, round_):
        if item.question in notes and item.discrepancy_id:
            status, note = notes.pop(item.question)
            discrepancy = db.session.get(Discrepancy, item.discrepancy_id)
            comparison.decide(
                db.session, discrepancy, status, user=user, note=note, version=discrepancy.version
            )


def _create_study(owner: User) -> Study:
    study = studies.create_study(
        db.session,
        DEMO_STUDY,
        [("us", "en"), ("cn", "zh-Hans")],
        title=DEMO_TITLE["en"],
        owner=owner,
    )
    study.title = dict(DEMO_TITLE)
    for side in study.sides:
        side.label = dict(SIDE_LABELS[side.code])
    return study
