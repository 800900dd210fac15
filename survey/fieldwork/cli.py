"""`survey contact …`: log a contact attempt, list a round's sides by next callback, rates.

Times without an offset are wall times in `--zone`, the respondent's zone (default: the
zone of the side's last agreed callback, else the round's); a time the DST change skips
or repeats there is refused. Outcome and mode codes are those of docs/fieldwork.md.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.accounts.models import User
from survey.commands import not_found, transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.db import db
from survey.fieldwork import dispositions, rates, services, times
from survey.fieldwork.labels import FieldworkError
from survey.rounds.cli import resolve, resolve_pair
from survey.rounds.models import Round
from survey.studies.access import role_in
from survey.studies.models import Study


@click.group("contact", cls=AppGroup)
def contact_group() -> None:
    """Contact attempts and appointments of telephone and e-mail interviews."""


@contact_group.command("log")
@click.argument("slug", metavar="ROUND")
@click.argument("pair")
@click.argument("side")
@click.option("--outcome", required=True, type=click.Choice(list(dispositions.OUTCOMES)))
@click.option("--at", "at_text", default=None, metavar="TIME", help="When (default: now).")
@click.option(
    "--mode", default="phone", show_default=True, type=click.Choice(dispositions.ATTEMPT_MODES)
)
@click.option("--note", default="", metavar="TEXT")
@click.option(
    "--callback",
    "callback_text",
    default=None,
    metavar="TIME",
    help="The agreed time of a callback or appointment.",
)
@click.option("--zone", default=None, help="The respondent's time zone, e.g. Asia/Shanghai.")
@click.option(
    "--by",
    "by_email",
    default=None,
    metavar="EMAIL",
    help="The interviewer: a member who may enter this pair.",
)
@click.option("--study", "study_slug", default=None)
@transactional
def log(  # noqa: PLR0913
    slug: str,
    pair: str,
    side: str,
    outcome: str,
    at_text: str | None,
    mode: str,
    note: str,
    callback_text: str | None,
    zone: str | None,
    by_email: str | None,
    study_slug: str | None,
) -> None:
    """Record one attempt to reach SIDE of PAIR in ROUND."""
    round_ = resolve(slug, study_slug)
    found = resolve_pair(round_, pair)
    study = db.session.get(Study, round_.study_id)
    codes = [s.code for s in study.sides]
    if side not in codes:
        raise not_found("side", side, codes, hint=f"the sides are {', '.join(codes)}")
    case = services.find_case(db.session, round_, found.code, side)
    user = _interviewer(by_email, round_, case) if by_email else None
    zone = zone or case.zone or round_.timezone
    attempt = services.log_attempt(
        db.session,
        case,
        outcome=outcome,
        mode=mode,
        at=_moment(at_text, zone, "at"),
        note=note,
        callback_at=_moment(callback_text, zone, "callback"),
        zone=zone,
        user=user,
    )
    line = f"Logged {outcome} for {found.code} {side} at {attempt.at.isoformat()}"
    if attempt.callback_at:
        line += f"; callback {times.shown_in(attempt.callback_at, zone)}"
    click.echo(line + f" (AAPOR {case.disposition.code}).")


def _moment(value: str | None, zone: str, field: str) -> Any:
    if value is None:
        return None
    try:
        return services.local(times.parse(value), zone, field)
    except times.TimeError as problem:
        raise FieldworkError(field, problem.code, **problem.params) from None


def _interviewer(email: str, round_: Round, case: services.Case) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.UsageError(f"no user {email}")
    role = role_in(round_.study_id, user)
    if role is None or role == "viewer":
        raise click.UsageError(f"{email} may not log contacts in this study.")
    if not services.may_log(db.session, round_.study_id, user, role, case.pair.id):
        raise FieldworkError("by", "not_yours", pair=case.pair.code)
    return user


@contact_group.command("list")
@click.argument("slug", metavar="ROUND")
@click.option("--due", is_flag=True, help="Only sides whose agreed callback time has come.")
@click.option("--attempts", "each", is_flag=True, help="One row per attempt instead.")
@click.option("--study", "study_slug", default=None)
@format_option(("table", "tsv", "csv", "json"))
@transactional
def list_(slug: str, due: bool, each: bool, study_slug: str | None, fmt: str | None) -> None:
    """The round's sides by next callback: attempts, last outcome, AAPOR disposition."""
    round_ = resolve(slug, study_slug)
    found = services.cases(db.session, round_)
    if due:
        found = services.due(found)
    if each:
        emit(_attempt_rows(found), ATTEMPT_COLUMNS, chosen(fmt), title=f"Attempts in {round_.slug}")
        return
    rows = [_case_row(case, round_.timezone) for case in found]
    emit(rows, CASE_COLUMNS, chosen(fmt), title=f"Contacts in {round_.slug}")


def _case_row(case: services.Case, round_zone: str) -> dict[str, Any]:
    last, zone = case.last, case.zone or round_zone
    callback = case.next_callback
    return {
        "pair": case.pair.code,
        "side": case.side.code,
        "respondent": case.respondent.name,
        "phone": case.respondent.phone,
        "state": case.invitation.state,
        "attempts": len(case.attempts),
        "last_outcome": last.outcome if last else None,
        "last_at": last.at.isoformat() if last else None,
        "next_callback": callback.isoformat() if callback else None,
        "next_callback_local": times.shown_in(callback, zone) if callback else None,
        "zone": zone,
        "disposition": case.disposition.code,
        "group": case.disposition.group,
    }


CASE_COLUMNS = [
    Column("pair", "Pair"),
    Column("side", "Side"),
    Column("respondent", "Respondent"),
    Column("phone", "Phone"),
    Column("attempts", "Attempts", numeric=True),
    Column("last_outcome", "Last outcome"),
    Column("next_callback_local", "Next callback (respondent's time)"),
    Column("disposition", "AAPOR"),
    Column("group", "Group"),
]


def _attempt_rows(found: list[services.Case]) -> list[dict[str, Any]]:
    return [
        {
            "pair": case.pair.code,
            "side": case.side.code,
            "at": a.at.isoformat(),
            "mode": a.mode,
            "outcome": a.outcome,
            "aapor": dispositions.OUTCOMES[a.outcome].code,
            "callback_at": a.callback_at.isoformat() if a.callback_at else None,
            "callback_zone": a.callback_zone,
            "note": a.note,
        }
        for case in found
        for a in case.attempts
    ]


ATTEMPT_COLUMNS = [
    Column("pair", "Pair"),
    Column("side", "Side"),
    Column("at", "At (UTC)"),
    Column("mode", "Mode"),
    Column("outcome", "Outcome"),
    Column("aapor", "AAPOR"),
    Column("callback_at", "Callback (UTC)"),
    Column("callback_zone", "Zone"),
    Column("note", "Note"),
]


@contact_group.command("rates")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@format_option(("table", "tsv", "json"))
@transactional
def rates_(slug: str, study_slug: str | None, fmt: str | None) -> None:
    """AAPOR RR1, COOP1, REF1 and CON1 of the round, per side and per mode, with counts."""
    round_ = resolve(slug, study_slug)
    found = rates.round_rates(db.session, round_)
    if chosen(fmt) == "json":
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    rows = [_rate_row("all", "", found.overall)]
    rows += [_rate_row("side", k, v) for k, v in found.by_side.items()]
    rows += [_rate_row("mode", k, v) for k, v in found.by_mode.items()]
    columns = [
        Column("by", "By"),
        Column("group", "Group"),
        Column("cases", "Cases", numeric=True),
        *(Column(g, g, numeric=True) for g in dispositions.GROUPS),
        *(Column(r, r, numeric=True) for r in dispositions.RATE_NAMES),
    ]
    emit(rows, columns, chosen(fmt), title=f"AAPOR outcome rates of {round_.slug}")


def _rate_row(by: str, group: str, found: dispositions.Rates) -> dict[str, Any]:
    shape = found.as_dict()
    return {"by": by, "group": group, "cases": shape["cases"], **shape["counts"], **shape["rates"]}  # type: ignore[dict-item]
