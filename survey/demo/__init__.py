"""`survey demo`: an embedded database with the sample study, a demo account, and a server."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.accounts import services as accounts
from survey.accounts.models import User
from survey.db import db, writing
from survey.questionnaires import services as questionnaires
from survey.studies import services as studies
from survey.studies.models import Study

DEMO_EMAIL = "demo@example.org"
QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "sister-cities.yaml"
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
    from survey.cli import upgrade_database

    upgrade_database()
    with writing():
        password = load_demo()
        db.session.commit()
    click.echo(f"Database: {current_app.config['DATABASE_URL']}")
    click.echo(f"Sign in at http://127.0.0.1:{port}/login")
    click.echo(f"  e-mail:   {DEMO_EMAIL}\n  password: {password}")
    if not no_serve:
        current_app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


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
    return password


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
