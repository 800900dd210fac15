"""`survey round …` commands: create, open, close, invite, remind, links, status, reissue."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.cli import transactional
from survey.db import db
from survey.errors import ServiceError
from survey.rounds import services
from survey.rounds.models import Invitation, Round
from survey.studies.models import Pair, Study, StudySide
from survey.studies.services import get_study


@click.group("round", cls=AppGroup)
def round_group() -> None:
    """Interview rounds: a pinned questionnaire version sent to a set of pairs."""


def _when(value: str | None, zone: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise click.BadParameter(f"{value!r} in {zone!r}: {error}") from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(dt.UTC)


@round_group.command("create")
@click.argument("name")
@click.option("--study", "study_slug", required=True)
@click.option("--questionnaire", required=True, metavar="KEY[@VERSION]")
@click.option("--pairs", default=None, help="Comma-separated pair codes (default: all).")
@click.option("--kind", "kinds", multiple=True, help="Only pairs of this kind (repeatable).")
@click.option("--opens", default=None, help="Opening time, ISO 8601 (in --timezone).")
@click.option("--closes", default=None, help="Closing time, ISO 8601 (in --timezone).")
@click.option("--timezone", default="UTC", show_default=True)
@transactional
def create(
    name: str,
    study_slug: str,
    questionnaire: str,
    pairs: str | None,
    kinds: tuple[str, ...],
    opens: str | None,
    closes: str | None,
    timezone: str,
) -> None:
    """Create a draft round; prints its slug (ROUND in the other commands)."""
    study = get_study(db.session, study_slug)
    codes = [c.strip() for c in pairs.split(",") if c.strip()] if pairs else None
    round_ = services.create_round(
        db.session,
        study,
        name,
        questionnaire,
        pair_codes=codes,
        kinds=kinds or None,
        opens_at=_when(opens, timezone),
        closes_at=_when(closes, timezone),
        timezone=timezone,
    )
    count = len(services.round_pairs(db.session, round_))
    click.echo(f"Created round {round_.slug} ({count} pairs, draft).")


def resolve(slug: str, study_slug: str | None) -> Round:
    """The round named on the command line (ServiceError when unknown or ambiguous)."""
    study = get_study(db.session, study_slug) if study_slug else None
    return services.get_round(db.session, slug, study=study)


def _state_command(state: str, verb: str):  # noqa: ANN202
    @click.argument("slug", metavar="ROUND")
    @click.option("--study", "study_slug", default=None)
    @transactional
    def command(slug: str, study_slug: str | None) -> None:
        round_ = services.set_state(db.session, resolve(slug, study_slug), state)
        click.echo(f"Round {round_.slug} is {verb}.")

    command.__doc__ = f"Mark the round {verb}."
    return command


round_group.command("open")(_state_command("open", "open"))
round_group.command("close")(_state_command("closed", "closed (all data kept)"))


@round_group.command("links")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@transactional
def links(slug: str, study_slug: str | None, fmt: str) -> None:
    """Print the respondent links (for researchers who send them themselves)."""
    rows = services.links_of_round(db.session, resolve(slug, study_slug))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["pair"])
    writer.writeheader()
    writer.writerows(rows)


@round_group.command("status")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@transactional
def status(slug: str, study_slug: str | None, fmt: str) -> None:
    """Counts per side and state, and pairs complete on both, one or neither side."""
    from survey.rounds.monitoring import round_status

    round_ = resolve(slug, study_slug)
    study = db.session.get(Study, round_.study_id)
    result = round_status(db.session, round_, services.side_codes(study))
    if fmt == "json":
        click.echo(json.dumps({"round": round_.slug, "state": round_.state, **result.to_dict()}))
        return
    click.echo(
        f"{round_.slug} ({round_.state}): {result.pairs} pairs; submitted on both sides "
        f"{result.both}, on one {result.one}, on neither {result.neither}"
    )
    for side, counts in result.by_side.items():
        click.echo(f"  {side}: " + ", ".join(f"{s} {counts[s]}" for s in result.states))


@round_group.command("reissue")
@click.argument("slug", metavar="ROUND")
@click.argument("pair")
@click.argument("side")
@click.option("--study", "study_slug", default=None)
@transactional
def reissue(slug: str, pair: str, side: str, study_slug: str | None) -> None:
    """Give one side of one pair a new link; the old link stops working."""
    round_ = resolve(slug, study_slug)
    services.ensure_invitations(db.session, round_)
    invitation = db.session.scalar(
        select(Invitation)
        .join(Pair, Pair.id == Invitation.pair_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(Invitation.round_id == round_.id, Pair.code == pair, StudySide.code == side)
    )
    if invitation is None:
        raise ServiceError(None, "not_found", what=f"{pair}/{side}")
    click.echo(services.reissue_link(db.session, invitation))


def _print_report(report, verb: str) -> None:  # noqa: ANN001
    click.echo(
        f"Queued {report.queued} {verb}; already queued {report.already}, "
        f"no e-mail {report.no_email}, not eligible {report.not_eligible}, "
        f"reminder still waiting {report.waiting}. Run `survey mail send` to deliver."
    )
    for line in report.errors:
        click.echo(f"  not queued: {line}", err=True)


@round_group.command("invite")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@transactional
def invite(slug: str, study_slug: str | None) -> None:
    """Queue the invitations of an open round (each respondent once)."""
    from survey.rounds.invite import invite_round

    _print_report(invite_round(db.session, resolve(slug, study_slug)), "invitations")


@round_group.command("remind")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@transactional
def remind(slug: str, study_slug: str | None) -> None:
    """Queue reminders (same link) for invited respondents who have not submitted."""
    from survey.rounds.invite import remind_round

    _print_report(remind_round(db.session, resolve(slug, study_slug)), "reminders")
