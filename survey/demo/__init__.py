"""`survey demo`: an embedded database with the sample study, a demo account, and a server."""

from __future__ import annotations

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
from survey.db import db, writing
from survey.demo import data
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
OPENS = dt.datetime(2009, 6, 1, 13, 0, tzinfo=dt.UTC)
CLOSES = None  # still open, so the demo's respondent links can be tried
DEMO_STUDY = "sister-cities"
DEMO_TITLE = {
    "en": "Sino-U.S. sister city relations",
    "zh-Hans": "中美友好城市关系",
    "zh-Hant": "中美友好城市關係",
}
SIDE_LABELS = {
    "us": {"en": "United States", "zh-Hans": "美方", "zh-Hant": "美方"},
    "cn": {"en": "China / Taiwan", "zh-Hans": "中方", "zh-Hant": "中方"},
}


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
        select(Round).join(Study, Study.id == Round.study_id).where(Study.slug == DEMO_STUDY)
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
    """The 37 pairs, a round of interviews, both sides' answers and a few decided discrepancies."""
    from survey.studies.pairs import import_pairs

    import_pairs(db.session, study, PAIRS, user=user)
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
    rounds.set_state(db.session, round_, "open", user=user)
    rounds.ensure_invitations(db.session, round_)
    q = comparison.questionnaire_of(db.session, round_)
    order = {code: index for index, code in enumerate(_pair_codes())}
    for row in rounds.invitation_rows(db.session, round_):
        _answer(row, q, order[row.pair.code], user)
    comparison.compare_round(db.session, round_, user=user)
    _decide_some(round_, user)


def _pair_codes() -> list[str]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        return list(dict.fromkeys(row["pair"] for row in csv.DictReader(handle)))


def _answer(row: rounds.InvitationRow, q, index: int, user: User) -> None:  # noqa: ANN001
    language = row.respondent.language or row.side.default_language
    plan = data.plan(
        index, row.pair.code, row.pair.kind, row.pair.established or 1985, row.side.code, language
    )
    if not plan.answers:
        return
    actor = answers.Actor(
        "respondent" if plan.mode == "web" else "interviewer",
        None if plan.mode == "web" else user,
        mode=plan.mode,
    )
    result = answers.record_answers(db.session, row.invitation, q, plan.answers, actor=actor)
    if result.errors:  # the demo data must be valid; fail loudly if it drifts
        raise RuntimeError(f"demo answers for {row.pair.code}/{row.side.code}: {result.errors}")
    if plan.submitted:
        answers.submit(db.session, row.invitation, q, actor=actor)


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
