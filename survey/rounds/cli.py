"""`survey round …` commands: create, open, close, invite, remind, links, status, reissue."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.commands import ambiguous, not_found, transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.db import db
from survey.rounds import services
from survey.rounds.models import Invitation, Round, RoundPair
from survey.studies.cli import LANGUAGES, in_language, resolve_study
from survey.studies.models import Pair, Study, StudySide


@click.group("round", cls=AppGroup)
def round_group() -> None:
    """Interview rounds: a pinned questionnaire version sent to a set of pairs."""


def moment_in(value: str | None, zone: str) -> dt.datetime | None:
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
    from survey.questionnaires.cli import resolve_questionnaire

    opens_at, closes_at = moment_in(opens, timezone), moment_in(closes, timezone)
    study = resolve_study(study_slug)
    resolve_questionnaire(questionnaire, study.slug)  # unknown: the nearest name
    codes = [c.strip() for c in pairs.split(",") if c.strip()] if pairs else None
    round_ = services.create_round(
        db.session,
        study,
        name,
        questionnaire,
        pair_codes=codes,
        kinds=kinds or None,
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=timezone,
    )
    count = len(services.round_pairs(db.session, round_))
    click.echo(f"Created round {round_.slug} ({count} pairs, draft).")


def resolve(slug: str, study_slug: str | None) -> Round:
    """The round named on the command line: unique across studies, or in `--study`.

    Unknown: the error repeats the name and suggests the nearest; ambiguous: it names
    the studies to choose from.
    """
    study = resolve_study(study_slug) if study_slug else None
    query = select(Round, Study.slug).join(Study, Study.id == Round.study_id)
    if study is not None:
        query = query.where(Round.study_id == study.id)
    found = list(db.session.execute(query.where(Round.slug == slug)))
    if not found:
        names = db.session.scalars(query.with_only_columns(Round.slug))
        where = (
            f"`survey round list --study {study.slug}` shows them"
            if study
            else "`survey round list` shows them"
        )
        raise not_found("round", slug, names, hint=where)
    if len(found) > 1:
        raise ambiguous("round", slug, [study_slug for _, study_slug in found])
    return found[0][0]


def resolve_pair(round_: Round, code: str) -> Pair:
    """A pair of the round's study by its code, or an error with the nearest code."""
    query = select(Pair).where(Pair.study_id == round_.study_id)
    pair = db.session.scalar(query.where(Pair.code == code))
    if pair is None:
        names = db.session.scalars(query.with_only_columns(Pair.code))
        raise not_found("pair", code, names, hint="`survey pairs list --study S` shows them")
    return pair


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
@format_option(("table", "csv", "json", "tsv"), machine="csv")
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Side labels in.")
@transactional
def links(slug: str, study_slug: str | None, fmt: str | None, lang: str) -> None:
    """Print the respondent links (for researchers who send them themselves)."""
    round_ = resolve(slug, study_slug)
    rows = services.links_of_round(db.session, round_)
    named = pair_side_labels(round_, lang)
    columns = [
        Column("pair", "Pair"),
        Column("side", "Side", show=lambda row: named.get((row["pair"], row["side"]), row["side"])),
        Column("respondent", "Respondent"),
        Column("email", "E-mail"),
        Column("language", "Language"),
        Column("state", "State", show=lambda row: row["state"].replace("_", " ")),
        Column("link", "Link"),
    ]
    emit(rows, columns, chosen(fmt, "csv"), title=f"Respondent links of {round_.slug}")


def side_labels(round_: Round, lang: str) -> dict[str, str]:
    """Side code → its label in `lang` (the code when the study gives none)."""
    study = db.session.get(Study, round_.study_id)
    return {s.code: in_language(s.label, lang) or s.code for s in study.sides}


def pair_side_labels(round_: Round, lang: str) -> dict[tuple[str, str], str]:
    """(pair code, side code) → the side's label for that pair's kind, in `lang`."""
    study = db.session.get(Study, round_.study_id)
    kinds = db.session.execute(
        select(Pair.code, Pair.kind)
        .join(RoundPair, RoundPair.pair_id == Pair.id)
        .where(RoundPair.round_id == round_.id)
    )
    return {
        (code, side.code): in_language(side.label_for(kind), lang) or side.code
        for code, kind in kinds
        for side in study.sides
    }


@round_group.command("status")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@format_option(("table", "tsv", "json"))
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Side labels in.")
@transactional
def status(slug: str, study_slug: str | None, fmt: str | None, lang: str) -> None:
    """Counts per side and state, and pairs complete on both, one or neither side."""
    from survey.rounds.monitoring import round_status

    round_ = resolve(slug, study_slug)
    study = db.session.get(Study, round_.study_id)
    result = round_status(db.session, round_, services.side_codes(study))
    if chosen(fmt) == "json":
        click.echo(json.dumps({"round": round_.slug, "state": round_.state, **result.to_dict()}))
        return
    labels = side_labels(round_, lang)
    rows = [
        {"side": side, **{s: counts[s] for s in result.states}, "total": sum(counts.values())}
        for side, counts in result.by_side.items()
    ]
    columns = [
        Column("side", "Side", show=lambda row: f"{labels[row['side']]} ({row['side']})"),
        *(Column(s, s.replace("_", " "), numeric=True) for s in result.states),
        Column("total", "total", numeric=True),
    ]
    emit(
        rows,
        columns,
        chosen(fmt),
        title=f"{round_.name} ({round_.slug}): {round_.state}",
        caption=(
            f"{result.pairs} pairs: submitted on both sides {result.both}, "
            f"on one {result.one}, on neither {result.neither}"
        ),
    )


@round_group.command("reissue")
@click.argument("slug", metavar="ROUND")
@click.argument("pair")
@click.argument("side")
@click.option("--study", "study_slug", default=None)
@transactional
def reissue(slug: str, pair: str, side: str, study_slug: str | None) -> None:
    """Give one side of one pair a new link; the old link stops working."""
    round_ = resolve(slug, study_slug)
    found = resolve_pair(round_, pair)
    study = db.session.get(Study, round_.study_id)
    if side not in {s.code for s in study.sides}:
        raise not_found("side", side, [s.code for s in study.sides])
    services.ensure_invitations(db.session, round_)
    invitation = db.session.scalar(
        select(Invitation)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(
            Invitation.round_id == round_.id,
            Invitation.pair_id == found.id,
            StudySide.code == side,
        )
    )
    if invitation is None:
        raise click.ClickException(f'pair "{pair}" is not in round "{round_.slug}"')
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


@round_group.command("list")
@click.option("--study", "study_slug", default=None, help="Only this study's rounds.")
@format_option()
@transactional
def list_(study_slug: str | None, fmt: str | None) -> None:
    """List the rounds: study, slug, name, state, questionnaire, pairs and submissions."""
    from sqlalchemy import func

    from survey.questionnaires.models import QuestionnaireVersion
    from survey.rounds.models import RoundPair

    query = (
        select(Round, Study.slug, QuestionnaireVersion.key, QuestionnaireVersion.version)
        .join(Study, Study.id == Round.study_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
        .order_by(Study.slug, Round.created_at, Round.id)
    )
    if study_slug:
        query = query.where(Round.study_id == resolve_study(study_slug).id)
    pairs = dict(
        db.session.execute(
            select(RoundPair.round_id, func.count()).group_by(RoundPair.round_id)
        ).all()
    )
    submitted = dict(
        db.session.execute(
            select(Invitation.round_id, func.count())
            .where(Invitation.state == "submitted")
            .group_by(Invitation.round_id)
        ).all()
    )
    rows = [
        {
            "study": study,
            "slug": round_.slug,
            "name": round_.name,
            "state": round_.state,
            "questionnaire": f"{key}@{version}",
            "pairs": pairs.get(round_.id, 0),
            "submitted": submitted.get(round_.id, 0),
            "opens_at": _iso(round_.opens_at),
            "closes_at": _iso(round_.closes_at),
        }
        for round_, study, key, version in db.session.execute(query)
    ]
    columns = [
        Column("study", "Study"),
        Column("slug", "Round"),
        Column("name", "Name"),
        Column("state", "State"),
        Column("questionnaire", "Questionnaire"),
        Column("pairs", "Pairs", numeric=True),
        Column("submitted", "Sides submitted", numeric=True),
        Column("opens_at", "Opens", show=lambda row: (row["opens_at"] or "")[:10]),
        Column("closes_at", "Closes", show=lambda row: (row["closes_at"] or "")[:10]),
    ]
    emit(rows, columns, chosen(fmt))


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@round_group.command("schedule")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option(
    "--remind-after",
    "days",
    default=None,
    metavar="DAYS",
    help="Days after the invitation was sent, comma-separated, e.g. 7,14,21.",
)
@click.option(
    "--at",
    "at",
    default="09:00",
    show_default=True,
    metavar="HH:MM",
    help="The local hour, in each respondent's time zone.",
)
@click.option("--max", "maximum", type=int, default=None, help="At most this many reminders.")
@click.option(
    "--zone",
    "zones",
    multiple=True,
    metavar="SIDE=ZONE",
    help="A side's default time zone, e.g. us=America/Chicago (repeatable).",
)
@click.option("--off", is_flag=True, help="Remove the schedule (no more scheduled reminders).")
@transactional
def schedule(
    slug: str,
    study_slug: str | None,
    days: str | None,
    at: str,
    maximum: int | None,
    zones: tuple[str, ...],
    off: bool,
) -> None:
    """Send reminders on a schedule; the mail worker queues them when due. Without options,
    show the schedule."""
    from survey.rounds import schedule as reminders

    round_ = resolve(slug, study_slug)
    if off and days:
        raise click.UsageError("Give --remind-after or --off, not both.")
    for spec in zones:
        side, equals, zone = spec.partition("=")
        if not equals:
            raise click.UsageError(f"Give --zone as SIDE=ZONE, e.g. cn=Asia/Shanghai: {spec!r}.")
        reminders.set_side_zone(db.session, round_, side.strip(), zone.strip())
    if off:
        reminders.set_schedule(db.session, round_, None)
    elif days:
        plan = reminders.Schedule(reminders.parse_days(days), reminders.parse_hour(at), maximum)
        reminders.set_schedule(db.session, round_, plan)
    click.echo(reminders.summary(db.session, round_))
