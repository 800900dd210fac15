"""`survey responses …` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from survey.commands import transactional
from survey.commands.output import progress
from survey.db import db
from survey.responding import imports
from survey.rounds.cli import resolve


@click.group("responses", cls=AppGroup)
def responses_group() -> None:
    """Answers collected by telephone, e-mail or on paper."""


@responses_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--round", "round_slug", required=True, metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@transactional
def import_(file: str, round_slug: str, study_slug: str | None) -> None:
    """Import answers (pair, side, question, value[, mode]); all or nothing."""
    round_ = resolve(round_slug, study_slug)
    try:
        with progress(f"Importing {Path(file).name} into {round_.slug}"):
            report = imports.import_responses(db.session, round_, Path(file))
    except imports.ResponsesImportError as error:
        for line in imports.problem_lines(file, error):
            click.echo(line, err=True)
        raise click.ClickException(
            f"{len(error.problems)} problems; nothing was imported."
        ) from error
    modes = ", ".join(f"{mode} {count}" for mode, count in sorted(report.modes.items()))
    click.echo(
        f"Imported {report.answers} answers for {report.sides} sides ({modes or 'none'}); "
        f"{report.unchanged} sides already submitted and unchanged."
    )
