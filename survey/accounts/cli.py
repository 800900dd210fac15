"""`survey user …` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.accounts import services, sessions, two_factor
from survey.accounts.models import User
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


@user_group.command("require-2fa")
@click.argument("setting", type=click.Choice(["on", "off"]))
@transactional
def require_two_factor(setting: str) -> None:
    """Require two-factor sign-in of every account (each sets it up at the next sign-in)."""
    changed = two_factor.set_required_for_all(db.session, setting == "on")
    state = "required of every account" if setting == "on" else "no longer required of all"
    click.echo(f"Two-factor sign-in is {state}." if changed else "Nothing changed.")


@user_group.command("reset-2fa")
@click.argument("email")
@transactional
def reset_two_factor(email: str) -> None:
    """Turn off a user's two-factor sign-in (a lost phone and lost codes); they are e-mailed."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account {email}.")
    two_factor.remove(db.session, user, "user.two_factor_reset")
    sessions.end_all(db.session, user, action="user.sessions_ended_by_admin")
    click.echo(f"Two-factor sign-in is off for {user.email}; their sessions are ended.")


@user_group.command("end-sessions")
@click.argument("email")
@transactional
def end_sessions(email: str) -> None:
    """End every session of a user (a lost laptop, a departure); audited."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account {email}.")
    count = sessions.end_all(db.session, user, action="user.sessions_ended_by_admin")
    click.echo(f"Ended {count} sessions of {user.email}; older cookies are refused too.")
