"""`survey token create | list | revoke`: API tokens from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.accounts.models import User
from survey.api import tokens
from survey.api.models import SCOPES, ApiToken
from survey.commands import transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.db import db
from survey.studies.cli import resolve_study
from survey.studies.models import Membership, Study


@click.group("token", cls=AppGroup)
def token_group() -> None:
    """API tokens: each belongs to a user and a study, with one scope."""


def _user(email: str | None, study: Study) -> User:
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
        )
    )
    if len(owners) != 1:
        raise click.ClickException(
            f"Say whose token it is: --user EMAIL (a member of {study.slug})."
        )
    return owners[0]


@token_group.command("create")
@click.option("--study", "study_slug", required=True, help="The study the token reaches.")
@click.option("--scope", type=click.Choice(SCOPES), required=True, help="read, write or links.")
@click.option("--name", default="", help="A name to recognise it by (in the audit log).")
@click.option("--expires", "days", type=int, default=None, help="Days until it expires.")
@click.option("--user", "email", default=None, help="Whose token (default: the study's owner).")
@transactional
def create_command(study_slug: str, scope: str, name: str, days: int | None, email: str) -> None:
    """Make a token and print it once: only its hash is kept."""
    study = resolve_study(study_slug)
    user = _user(email, study)
    made = tokens.create(db.session, study, user, scope=scope, name=name, days=days)
    click.echo(made.secret)
    until = made.row.expires_at.isoformat() if made.row.expires_at else "never"
    click.echo(
        f"Token {made.row.id} ({made.row.name}, {scope}) of {user.email} for {study.slug}; "
        f"expires: {until}. It is shown only now.",
        err=True,
    )


@token_group.command("list")
@click.option("--study", "study_slug", default=None)
@click.option("--user", "email", default=None)
@format_option()
@transactional
def list_command(study_slug: str | None, email: str | None, fmt: str | None) -> None:
    """The tokens (never their secrets), newest first."""
    study = resolve_study(study_slug) if study_slug else None
    user = _user(email, study) if email else None
    query = (
        select(ApiToken, User.email, Study.slug)
        .join(User, User.id == ApiToken.user_id)
        .join(Study, Study.id == ApiToken.study_id)
        .order_by(ApiToken.id.desc())
    )
    if study is not None:
        query = query.where(ApiToken.study_id == study.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    rows = [
        {
            "id": row.id,
            "name": row.name,
            "study": slug,
            "user": owner,
            "scope": row.scope,
            "state": tokens.state(row),
            "hint": row.hint + "…",
            "created_at": row.created_at.isoformat(),
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        }
        for row, owner, slug in db.session.execute(query)
    ]
    columns = [
        Column("id", "Id", numeric=True),
        Column("name", "Name"),
        Column("study", "Study"),
        Column("user", "User"),
        Column("scope", "Scope"),
        Column("state", "State"),
        Column("hint", "Starts with"),
        Column("last_used_at", "Last used", show=lambda r: r["last_used_at"] or "never"),
        Column("expires_at", "Expires", show=lambda r: r["expires_at"] or "never"),
    ]
    emit(rows, columns, chosen(fmt), title="API tokens")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@transactional
def revoke_command(token_id: int) -> None:
    """Stop a token at once (audited)."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token {token_id}: `survey token list` shows them.")
    owner = db.session.get(User, row.user_id)
    tokens.revoke(db.session, token_id, user=owner)
    click.echo(f"Token {token_id} ({row.name}) is revoked.")
