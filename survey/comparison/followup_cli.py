"""`survey followup create | list`: ask both sides of a pair again about what they disagreed on."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from survey.commands import transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.comparison import followups
from survey.db import db
from survey.rounds.cli import resolve
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
    help="counterpart: show each side the partner's earlier answer (audited).",
)
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
    study_slug: str | None,
    fmt: str,
) -> None:
    """Create a draft follow-up round of ROUND; by default for every open discrepancy.

    Each selected pair is asked the questions it disagreed on plus each one's mirror
    partner. Open it, send it and watch it with `survey round open|invite|remind|status`.
    """
    parent = resolve(slug, study_slug)
    selection = followups.Selection(
        states=_codes(states) or ["open"],
        pairs=_codes(pairs),
        questions=_codes(questions),
        kinds=[kind for value in kinds for kind in _codes(value)],
    )
    round_, found = followups.create(db.session, parent, name, selection, reveal=reveal)
    if fmt == "json":
        click.echo(json.dumps({"round": round_.slug, "of": parent.slug, "pairs": found.to_list()}))
        return
    click.echo(
        f"Created follow-up round {round_.slug} of {parent.slug} (draft): "
        f"{len(found.asked)} pairs, {found.questions} questions"
        f"{', partner answers shown' if reveal == 'counterpart' else ''}."
    )


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
