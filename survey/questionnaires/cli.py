"""`survey questionnaire …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup


@click.group("questionnaire", cls=AppGroup)
def questionnaire_group() -> None:
    """Questionnaire files and stored versions."""
