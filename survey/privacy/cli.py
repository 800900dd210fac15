"""`survey respondent export|erase`, `survey retention apply`, `survey study privacy`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.commands import cannot_write, output_file, transactional
from survey.db import db
from survey.errors import ServiceError
from survey.privacy import access, compact, erasure, settings, subjects
from survey.studies import identifiers
from survey.studies.cli import acting_user, resolve_study


@click.group("respondent", cls=AppGroup)
def respondent_group() -> None:
    """A respondent's rights: everything held about them, and erasure."""


def _owner(respondent, email: str | None):  # noqa: ANN001, ANN202
    """Who acts (--user, default the study's owner): the study's owner, else refused."""
    study = subjects.study_of(db.session, respondent)
    user = acting_user(email, study)
    if identifiers.role_of(db.session, study, user) != "owner":
        raise click.ClickException(
            f"Only an owner of {study.slug} may do this; {user.email} is not one."
        )
    return study, user


@respondent_group.command("export")
@click.argument("who", metavar="ID|EMAIL")
@click.option("--user", "email", default=None, help="Who asks (default: the study's owner).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@transactional
def export_command(who: str, email: str | None, output: str) -> None:
    """Write everything held about a person: FILE.json and a readable FILE.html (their language).

    -o x.json (or x) writes x.json and x.html beside it. Audited."""
    target = output_file(output)
    respondent = subjects.find(db.session, who)
    study, user = _owner(respondent, email)
    try:
        json_path, html_path = access.write(db.session, respondent, target)
    except OSError as error:
        raise cannot_write(target, error) from error
    access.record(db.session, respondent, study, user)
    click.echo(f"Wrote everything held about respondent {respondent.id} to {json_path}")
    click.echo(f"and a readable page in their language to {html_path}.")


@respondent_group.command("erase")
@click.argument("who", metavar="ID|EMAIL")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@click.option(
    "--cancel-mail", is_flag=True, help="Cancel queued mail to them (else the erasure refuses)."
)
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing.")
@click.option("--user", "email", default=None, help="Who erases (default: the study's owner).")
def erase_command(
    who: str, reason: str, cancel_mail: bool, dry_run: bool, email: str | None
) -> None:
    """Erase a person's identity and identifying answers; the audit chain stays intact."""
    from survey.db import writing

    with writing():
        try:
            respondent = subjects.find(db.session, who)
            _owner(respondent, email)
            erasure.check_reason(reason)
            if dry_run:
                click.echo(settings.plan_words(erasure.plan(db.session, respondent)))
                return
            user = acting_user(email, subjects.study_of(db.session, respondent))
            found, pseudonym = erasure.erase(
                db.session, respondent, reason=reason, user=user, cancel_mail=cancel_mail
            )
            db.session.commit()
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        finally:
            db.session.rollback()
            db.session.remove()
    compact.after_erasure(db.session)
    click.echo(f"Erased respondent {found.respondent_id}: now {pseudonym}.")
    click.echo(settings.plan_words(found, done=True))


@click.group("retention", cls=AppGroup)
def retention_group() -> None:
    """Identities kept no longer than each study's retention period."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="List who would be erased; change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Erase the respondents of studies whose retention period has passed."""
    from survey.db import writing
    from survey.privacy import retention

    with writing():
        try:
            due = retention.due(db.session)
            for item in due:
                click.echo(
                    f"{'would erase' if dry_run else 'erasing'} respondent {item.respondent_id} "
                    f"of {item.study} (kept until {item.until:%Y-%m-%d})"
                )
            if not dry_run:
                retention.apply(db.session, due)
                db.session.commit()
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        finally:
            db.session.rollback()
            db.session.remove()
    if due and not dry_run:
        compact.after_erasure(db.session)
    what = "would be erased" if dry_run else "erased"
    click.echo(f"{len(due)} respondent(s) {what}.")


@click.command("privacy")
@click.argument("slug")
@click.option(
    "--answers",
    type=click.Choice(["keep", "erase"]),
    default=None,
    help="On erasure, keep the structured answers (the default) or erase them too.",
)
@click.option(
    "--retention-days",
    default=None,
    metavar="DAYS|off",
    help="Keep identities this many days after the last round closes; off: no limit.",
)
@transactional
def study_privacy(slug: str, answers: str | None, retention_days: str | None) -> None:  # fmt: skip
    """Show or set a study's privacy settings (what erasure keeps; how long identities stay)."""
    study = resolve_study(slug)
    days: int | None | str = "unchanged"
    if retention_days is not None:
        if retention_days == "off":
            days = None
        elif retention_days.isdigit() and 0 < int(retention_days) <= 36500:
            days = int(retention_days)
        else:
            raise click.BadParameter("give a number of days (1-36500) or off",
                                     param_hint="--retention-days")  # fmt: skip
    erase_answers = None if answers is None else answers == "erase"
    row = settings.change(db.session, study, erase_answers, days, user=None)
    kept = "erased too" if row.erase_answers else "kept"
    limit = f"{row.retention_days} days" if row.retention_days else "no limit"
    click.echo(f"{slug}: on erasure the structured answers are {kept}; identities: {limit}.")
