"""`survey paradata purge`: paradata kept no longer than a study needs them (docs/privacy.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.db import db, writing
from survey.rounds import paradata


@click.group("paradata", cls=AppGroup)
def paradata_group() -> None:
    """Paradata: visits and the time on each page."""


@paradata_group.command("purge")
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.IntRange(min=1, max=36_500),
    metavar="DAYS",
    help="Delete what was recorded more than DAYS days ago.",
)
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
def purge_command(days: int, dry_run: bool) -> None:
    """Delete the paradata (page times, language switches, visits) older than DAYS days."""
    with writing():
        try:
            found = paradata.purge(db.session, days, dry_run=dry_run)
            if not dry_run:
                db.session.commit()
        finally:
            db.session.rollback()
            db.session.remove()
    what = "would be deleted" if dry_run else "deleted"
    click.echo(
        f"{found.pages} page row(s) and {found.visits} visit(s) recorded before "
        f"{found.cutoff:%Y-%m-%d %H:%M} UTC {what}."
    )
