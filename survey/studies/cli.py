"""`survey study …` commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.commands import not_found, transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.db import db
from survey.errors import NotFoundError
from survey.studies import services
from survey.studies.models import Membership, Pair, Study

LANGUAGES = click.Choice(["en", "zh-Hans", "zh-Hant"])


# Rounds per study, by study id: rounds register the function (survey/__init__.py), as a
# feature that comes after studies in the layer order may not be imported from here.
ROUND_COUNTERS: list[Callable[[Session], dict[int, int]]] = []


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
@click.option(
    "--identifiers",
    is_flag=True,
    help="Also let them see respondents' names, contacts and identifying answers.",
)
@transactional
def add_member(slug: str, email: str, role: str, identifiers: bool) -> None:
    """Give a user a role in a study."""
    study = resolve_study(slug)
    membership = services.add_member(db.session, study, email, role)
    click.echo(f"{email} is now {role} of {slug}.")
    if identifiers:
        _identifiers(study, membership.user_id, email, True)


@study_group.command("grant-identifiers")
@click.argument("slug")
@click.argument("email")
@transactional
def grant_identifiers(slug: str, email: str) -> None:
    """Let a member see respondents' identifiers (with a reason, each time; audited)."""
    study = resolve_study(slug)
    _identifiers(study, acting_user(email, study).id, email, True)


@study_group.command("revoke-identifiers")
@click.argument("slug")
@click.argument("email")
@transactional
def revoke_identifiers(slug: str, email: str) -> None:
    """Withdraw a member's identifiers permission."""
    study = resolve_study(slug)
    _identifiers(study, acting_user(email, study).id, email, False)


def _identifiers(study: Study, user_id: int, email: str, granted: bool) -> None:
    from survey.studies import identifiers

    changed = identifiers.set_granted(db.session, study, user_id, granted, None)
    state = "may" if granted else "may not"
    already = "" if changed else " (unchanged)"
    click.echo(f"{email} {state} see respondents' identifiers in {study.slug}{already}.")


@study_group.command("side-label")
@click.argument("slug")
@click.argument("side")
@click.argument("kind")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="LANGUAGE=TEXT",
    help="The side's label for pairs of KIND in one language, e.g. en=Taiwan; "
    "English is required, zh-Hans and zh-Hant fall back to it.",
)
@click.option("--remove", is_flag=True, help="Name the side by its own label again.")
@transactional
def side_label(slug: str, side: str, kind: str, labels: tuple[str, ...], remove: bool) -> None:
    """Name SIDE otherwise for the study's pairs of KIND (cross-strait: Taiwan / 台湾 / 臺灣)."""
    from survey.studies import side_labels

    study = resolve_study(slug)
    if remove == bool(labels):
        raise click.UsageError("Give the labels with --label LANGUAGE=TEXT, or --remove.")
    if remove:
        side_labels.remove_kind_label(db.session, study, side, kind)
        click.echo(f"Side {side} of {slug} is named by its own label again for {kind} pairs.")
        return
    parsed = {}
    for spec in labels:
        language, equals, text = spec.partition("=")
        if not equals:
            raise click.UsageError(f"Give --label as LANGUAGE=TEXT, e.g. en=Taiwan (not {spec!r}).")
        parsed[language.strip()] = text
    own = side_labels.set_kind_label(db.session, study, side, kind, parsed)
    named = ", ".join(f"{language}: {text}" for language, text in own.label.items())
    click.echo(f"Side {side} of {slug} is named for {kind} pairs: {named}.")


def resolve_study(slug: str) -> Study:
    """The study named on the command line; a clear error with the nearest name otherwise."""
    study = db.session.scalar(select(Study).where(Study.slug == slug))
    if study is None:
        raise not_found(
            "study",
            slug,
            db.session.scalars(select(Study.slug)),
            hint="`survey study list` shows them",
        )
    return study


def acting_user(email: str | None, study: Study) -> User:
    """Who a command acts as: the user named by --user, else the study's one owner."""
    if email:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No user {email}: `survey user list` shows them.")
        return user
    owners = list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.study_id == study.id, Membership.role == "owner")
            .order_by(User.id)
        )
    )
    if len(owners) != 1:
        raise click.ClickException(f"Say who acts: --user EMAIL (a member of {study.slug}).")
    return owners[0]


def in_language(texts: dict[str, str] | None, lang: str) -> str:
    """A per-language text in `lang`, else in English, else any."""
    texts = texts or {}
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


@study_group.command("list")
@format_option()
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Titles in.")
@transactional
def list_(fmt: str | None, lang: str) -> None:
    """List the studies: slug, title, sides, pairs and rounds."""
    pairs = dict(
        db.session.execute(select(Pair.study_id, func.count()).group_by(Pair.study_id)).all()
    )
    rounds: dict[int, int] = {}
    for count_rounds in ROUND_COUNTERS:  # rounds come after studies: they register the count
        rounds.update(count_rounds(db.session))
    records: list[dict[str, Any]] = [
        {
            "slug": study.slug,
            "title": in_language(study.title, lang),
            "sides": [
                {
                    "code": s.code,
                    "label": s.label,
                    "language": s.default_language,
                    "kind_labels": {own.kind: own.label for own in s.kind_labels},
                }
                for s in study.sides
            ],
            "pairs": pairs.get(study.id, 0),
            "rounds": rounds.get(study.id, 0),
            "archived": study.is_archived,
        }
        for study in db.session.scalars(select(Study).order_by(Study.slug))
    ]
    rows = [
        {**r, "sides": ";".join(f"{s['code']}:{s['language']}" for s in r["sides"])}
        for r in records
    ]
    sides_words = {
        r["slug"]: ", ".join(f"{in_language(s['label'], lang)} ({s['code']})" for s in r["sides"])
        for r in records
    }
    columns = [
        Column("slug", "Study"),
        Column("title", "Title"),
        Column("sides", "Sides", show=lambda row: sides_words[row["slug"]]),
        Column("pairs", "Pairs", numeric=True),
        Column("rounds", "Rounds", numeric=True),
    ]
    emit(rows, columns, chosen(fmt), records=records)
