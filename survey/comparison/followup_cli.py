"""`survey followup create | list`: ask both sides of a pair again about what they disagreed on."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.accounts.models import User
from survey.commands import transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.comparison import followups
from survey.db import db
from survey.errors import NotFoundError
from survey.rounds.cli import moment_in, resolve
from survey.rounds.models import REVEALS


@click.group("followup", cls=AppGroup)
def followup_group() -> None:
    """Follow-up rounds: the disputed questions (and their mirrors) asked of both sides again."""


def _codes(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@followup_group.command("create")
@click.argument("slug", metavar="ROUND")
@click.option("--name", required=True, help="The follow-up round's name (its slug comes from it).")
@click.option(
    "--status",
    "states",
    default="open",
    show_default=True,
    help="Discrepancies in these review states (comma-separated, e.g. open,explained).",
)
@click.option("--pairs", default=None, help="Only these pairs (comma-separated codes).")
@click.option("--questions", default=None, help="Only these questions (comma-separated keys).")
@click.option("--kind", "kinds", multiple=True, help="Only pairs of this kind (repeatable).")
@click.option(
    "--reveal",
    type=click.Choice(REVEALS),
    default="none",
    show_default=True,
    help="counterpart: show each side the partner's earlier answer (an owner's choice: "
    "give --by; audited).",
)
@click.option(
    "--by",
    "by_email",
    default=None,
    metavar="EMAIL",
    help="Who asks: a member of the study, named in the audit log; with --reveal "
    "counterpart it must be an owner of the study.",
)
@click.option("--opens", default=None, help="Opening time, ISO 8601 (in --timezone).")
@click.option("--closes", default=None, help="Closing time, ISO 8601 (in --timezone).")
@click.option("--timezone", default=None, help="Time zone of the dates (default: ROUND's).")
@click.option("--study", "study_slug", default=None)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@transactional
def create(  # noqa: PLR0913
    slug: str,
    name: str,
    states: str,
    pairs: str | None,
    questions: str | None,
    kinds: tuple[str, ...],
    reveal: str,
    by_email: str | None,
    opens: str | None,
    closes: str | None,
    timezone: str | None,
    study_slug: str | None,
    fmt: str,
) -> None:
    """Create a draft follow-up round of ROUND; by default for every open discrepancy.

    Each selected pair is asked the questions it disagreed on plus each one's mirror
    partner. Open it, send it and watch it with `survey round open|invite|remind|status`.
    """
    parent = resolve(slug, study_slug)
    zone = timezone or parent.timezone
    opens_at, closes_at = moment_in(opens, zone), moment_in(closes, zone)
    user = _member(by_email, parent.study_id) if by_email else None
    if reveal == "counterpart" and user is None:
        raise click.UsageError(
            "--reveal counterpart is an owner's choice: name the owner with --by EMAIL."
        )
    selection = followups.Selection(
        states=_codes(states) or ["open"],
        pairs=_codes(pairs),
        questions=_codes(questions),
        kinds=[kind for value in kinds for kind in _codes(value)],
    )
    round_, found = followups.create(
        db.session,
        parent,
        name,
        selection,
        reveal=reveal,
        user=user,
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=zone,
    )
    if fmt == "json":
        click.echo(json.dumps({"round": round_.slug, "of": parent.slug, "pairs": found.to_list()}))
        return
    click.echo(
        f"Created follow-up round {round_.slug} of {parent.slug} (draft): "
        f"{len(found.asked)} pairs, {found.questions} questions"
        f"{', partner answers shown' if reveal == 'counterpart' else ''}."
    )


def _member(email: str, study_id: int) -> User:
    """The user named by --by: they must exist and be a member of the study."""
    from survey.studies.models import Membership

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError("user", email=email)
    member = db.session.scalar(
        select(Membership.id).where(Membership.study_id == study_id, Membership.user_id == user.id)
    )
    if member is None and not user.is_admin:
        raise click.UsageError(f"{email} is not a member of this study.")
    return user


@followup_group.command("list")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@format_option()
@transactional
def list_(slug: str, study_slug: str | None, fmt: str | None) -> None:
    """List a round's follow-up rounds: state, pairs, questions asked, sides submitted."""
    parent = resolve(slug, study_slug)
    rows = followups.listing(db.session, parent)
    columns = [
        Column("round", "Round"),
        Column("of", "Of"),
        Column("name", "Name"),
        Column("state", "State"),
        Column("reveal", "Partner answers"),
        Column("pairs", "Pairs", numeric=True),
        Column("questions", "Questions", numeric=True),
        Column("submitted", "Sides submitted", numeric=True),
    ]
    emit(rows, columns, chosen(fmt), title=f"Follow-up rounds of {parent.slug}")
