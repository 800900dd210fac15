"""`survey user …` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from survey.accounts import services
from survey.commands import transactional
from survey.db import db


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Researcher accounts."""


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["admin", "researcher"]), default="researcher", show_default=True
)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--generate-password", is_flag=True, help="Generate a password and print it once.")
@transactional
def create(email: str, role: str, name: str, password_stdin: bool, generate_password: bool) -> None:
    """Create an account; the password is prompted twice unless read or generated."""
    if generate_password:
        password = services.generate_password()
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = services.create_user(db.session, email, password, role=role, name=name)
    click.echo(f"Created {role} {user.email}.")
    if generate_password:
        click.echo(f"Password (shown once): {password}")
