"""`survey study …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.accounts.models import User
from survey.cli import transactional
from survey.db import db
from survey.errors import NotFoundError
from survey.studies import services


@click.group("study", cls=AppGroup)
def study_group() -> None:
    """Studies, their sides and members."""


@study_group.command("create")
@click.argument("slug")
@click.option(
    "--side",
    "sides",
    multiple=True,
    required=True,
    metavar="CODE:LANGUAGE",
    help="A side and its default language, e.g. us:en; give exactly two.",
)
@click.option("--title", default=None, help="The study's title.")
@click.option("--owner", default=None, metavar="EMAIL", help="Make this user the owner.")
@transactional
def create(slug: str, sides: tuple[str, ...], title: str | None, owner: str | None) -> None:
    """Create a study with its two sides."""
    parsed = [services.parse_side(spec) for spec in sides]
    owner_user = None
    if owner:
        owner_user = db.session.scalar(select(User).where(User.email == owner.lower()))
        if owner_user is None:
            raise NotFoundError("user", email=owner)
    study = services.create_study(db.session, slug, parsed, title=title, owner=owner_user)
    click.echo(
        f"Created study {study.slug} with sides "
        + " and ".join(f"{s.code} ({s.default_language})" for s in study.sides)
        + "."
    )


@study_group.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["owner", "researcher", "interviewer", "viewer"]), required=True
)
@transactional
def add_member(slug: str, email: str, role: str) -> None:
    """Give a user a role in a study."""
    study = services.get_study(db.session, slug)
    services.add_member(db.session, study, email, role)
    click.echo(f"{email} is now {role} of {slug}.")
