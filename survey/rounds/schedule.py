"""Scheduled reminders: a round's schedule, when each reminder falls due, and queueing them.

A round's schedule is a list of days after the invitation was sent (7, 14, 21), an
optional maximum, and a local hour (09:00). Reminder `k` of an invitation falls due
on the local calendar day `days[k-1]` after the day its invitation was sent, at that
hour, in the respondent's time zone (the respondent's own if stored, else the side's
default zone, else the round's zone), computed with `zoneinfo`, so 09:00 stays 09:00
across a change to or from daylight saving time (I18N-04).

The mail worker calls `queue_due` on each pass (`survey mail send`). A reminder is
queued as the outbox row (invitation, "reminder", k); the outbox's unique constraint
on (invitation, kind, seq) with `ON CONFLICT DO NOTHING` makes two workers that see
the same due reminder queue it once (MAIL-03), and the worker's claim sends it once.
Who gets one: invited web respondents with an e-mail address whose invitation was sent
and who have not submitted, declined or bounced, and who have no reminder waiting in
the outbox. A reminder is only queued while the round is open, before its closing
time, and within `WINDOW` of its due time: one due while the round was closed, or
while no worker ran for longer than that, is never sent. Manual reminders (`survey
round remind`) take the next number, so they count towards the schedule's maximum.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.errors import ServiceError
from survey.rounds import mail, services
from survey.rounds.invite import NOT_REMINDED, draft_for, round_places
from survey.rounds.models import Invitation, OutboxMessage, Round
from survey.rounds.texts import zone_name

MAX_DAY = 365
MAX_REMINDERS = 10
WINDOW = dt.timedelta(hours=24)  # a reminder not queued within this of its due time is skipped
WAITING = ("queued", "claimed", "sending")
_HOUR = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Schedule:
    """A round's reminder schedule: days after the invitation, local hour, maximum."""

    days: tuple[int, ...]
    at: dt.time
    maximum: int | None = None

    @property
    def count(self) -> int:
        """How many reminders the schedule sends at most."""
        return min(len(self.days), self.maximum) if self.maximum else len(self.days)


def schedule_of(round_: Round) -> Schedule | None:
    """The round's schedule, or None when it has none."""
    if not round_.reminder_days or not round_.reminder_at:
        return None
    at = parse_hour(round_.reminder_at)
    return Schedule(tuple(round_.reminder_days), at, round_.reminder_max)


def parse_days(text: str) -> tuple[int, ...]:
    """'7,14,21' → (7, 14, 21): whole days from 1 to MAX_DAY, ascending, no repeats."""
    parts = [part.strip() for part in (text or "").split(",")]
    if not parts or not all(part.isascii() and part.isdigit() for part in parts):
        raise ServiceError("remind_after", "bad_reminder_days", value=text, max=MAX_DAY)
    days = tuple(int(part) for part in parts)
    ascending = all(a < b for a, b in zip(days, days[1:], strict=False))
    if not ascending or days[0] < 1 or days[-1] > MAX_DAY or len(days) > MAX_REMINDERS:
        raise ServiceError("remind_after", "bad_reminder_days", value=text, max=MAX_DAY)
    return days


def parse_hour(text: str) -> dt.time:
    """'09:00' or '9:00' → 09:00, a local hour and minute."""
    match = _HOUR.match((text or "").strip())
    if match is None:
        raise ServiceError("at", "bad_reminder_hour", value=text)
    return dt.time(int(match.group(1)), int(match.group(2)))


def set_schedule(
    session: Session,
    round_: Round,
    schedule: Schedule | None,
    *,
    user: User | None = None,
) -> Round:
    """Set (or with None, remove) the round's reminder schedule; audited."""
    maximum = schedule.maximum if schedule else None
    if maximum is not None and not 1 <= maximum <= MAX_REMINDERS:
        raise ServiceError("max", "bad_reminder_max", max=MAX_REMINDERS)
    before = describe(schedule_of(round_))
    round_.reminder_days = list(schedule.days) if schedule else []  # JSON: None would be 'null'

    round_.reminder_at = f"{schedule.at:%H:%M}" if schedule else None
    round_.reminder_max = schedule.maximum if schedule else None
    session.flush()
    audit.record_for(
        round_,
        "round.schedule",
        user,
        details={"before": before, "after": describe(schedule)},
        study_id=round_.study_id,
        session=session,
    )
    return round_


def describe(schedule: Schedule | None) -> dict[str, object] | None:
    """The schedule as plain data (audit rows, JSON output)."""
    if schedule is None:
        return None
    return {"days": list(schedule.days), "at": f"{schedule.at:%H:%M}", "max": schedule.maximum}


def due_times(sent_at: dt.datetime, schedule: Schedule, zone: str) -> list[dt.datetime]:
    """When each reminder of an invitation sent at `sent_at` falls due, in UTC.

    Counted in local calendar days in `zone`, at the schedule's local hour: the wall
    clock, not a multiple of 24 hours, so a DST change between stays 09:00 local.
    """
    tz = ZoneInfo(zone)
    day = sent_at.astimezone(tz).date()
    return [
        dt.datetime.combine(day + dt.timedelta(days=d), schedule.at, tzinfo=tz).astimezone(dt.UTC)
        for d in schedule.days[: schedule.count]
    ]


def due_number(times: list[dt.datetime], now: dt.datetime) -> int:
    """The number (1…) of the reminder due now, within WINDOW of its due time; 0 if none."""
    for number in range(len(times), 0, -1):
        if times[number - 1] <= now:
            return number if now < times[number - 1] + WINDOW else 0
    return 0


def queue_due(session: Session, now: dt.datetime) -> int:
    """Queue every scheduled reminder due at `now` in every open round; the number queued."""
    rounds = session.scalars(
        select(Round).where(
            Round.state == "open",
            Round.reminder_at.is_not(None),
            or_(Round.closes_at.is_(None), Round.closes_at > now),
        )
    ).all()
    return sum(_queue_round(session, round_, now) for round_ in rounds if schedule_of(round_))


def _queue_round(session: Session, round_: Round, now: dt.datetime) -> int:
    schedule = schedule_of(round_)
    assert schedule is not None
    numbers = _reminder_numbers(session, round_)
    waiting = _waiting(session, round_)
    drafts: list[mail.Draft] = []
    places = None
    for row in services.invitation_rows(session, round_):
        invitation = row.invitation
        if (
            invitation.state in NOT_REMINDED
            or invitation.mode != "web"
            or invitation.sent_at is None
            or invitation.bounced_at is not None
            or not row.respondent.email
            or invitation.id in waiting
        ):
            continue
        zone = zone_name(row.respondent.timezone, row.side.timezone, round_.timezone)
        number = due_number(due_times(invitation.sent_at, schedule, zone), now)
        if number <= numbers.get(invitation.id, 0):
            continue
        places = places if places is not None else round_places(session, round_)
        draft = draft_for(session, round_, row, "reminder", number, places, now=now)
        if draft is not None:
            drafts.append(draft)
    if not drafts:
        return 0
    action = "round.remind.scheduled"
    return mail.queue_many(
        session, drafts, study_id=round_.study_id, action=action, audit_empty=False
    )


def _reminder_numbers(session: Session, round_: Round) -> dict[int, int]:
    query = (
        select(OutboxMessage.invitation_id, func.max(OutboxMessage.seq))
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(Invitation.round_id == round_.id, OutboxMessage.kind == "reminder")
        .group_by(OutboxMessage.invitation_id)
    )
    return {invitation_id: seq for invitation_id, seq in session.execute(query)}


def _waiting(session: Session, round_: Round) -> set[int]:
    query = (
        select(OutboxMessage.invitation_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(
            Invitation.round_id == round_.id,
            OutboxMessage.kind == "reminder",
            OutboxMessage.state.in_(WAITING),
        )
    )
    return set(session.scalars(query))


def next_reminders(session: Session, round_: Round, now: dt.datetime) -> list[dt.datetime]:
    """The due times still ahead for the round's invitations (for the round page), sorted."""
    schedule = schedule_of(round_)
    if schedule is None:
        return []
    ahead = []
    for row in services.invitation_rows(session, round_):
        invitation = row.invitation
        if invitation.sent_at is None or invitation.state in ("submitted", "declined", "bounced"):
            continue
        zone = zone_name(row.respondent.timezone, row.side.timezone, round_.timezone)
        ahead.extend(t for t in due_times(invitation.sent_at, schedule, zone) if t > now)
    return sorted(ahead)


def set_side_zone(
    session: Session, round_: Round, side_code: str, zone: str, *, user: User | None = None
) -> None:
    """Give a side of the round's study a default time zone for its respondents; audited."""
    from survey.studies.models import StudySide

    side = session.scalar(
        select(StudySide).where(StudySide.study_id == round_.study_id, StudySide.code == side_code)
    )
    if side is None:
        codes = session.scalars(select(StudySide.code).where(StudySide.study_id == round_.study_id))
        raise ServiceError("zone", "unknown_side", side=side_code, sides=", ".join(codes))
    if zone_name(zone) != zone:
        raise ServiceError("zone", "bad_zone", zone=zone)
    before, side.timezone = side.timezone, zone
    session.flush()
    if before != zone:
        audit.record_for(
            side,
            "side.zone",
            user,
            details={"side": side.code, "before": before, "after": zone},
            study_id=round_.study_id,
            session=session,
        )


def summary(session: Session, round_: Round) -> str:
    """The schedule and the sides' zones in one line (the command line's answer)."""
    from survey.studies.models import StudySide

    sides = session.scalars(
        select(StudySide).where(StudySide.study_id == round_.study_id).order_by(StudySide.position)
    )
    zones = ", ".join(f"{s.code} {s.timezone or round_.timezone}" for s in sides)
    plan = schedule_of(round_)
    if plan is None:
        return f"Round {round_.slug}: no reminder schedule. Time zones: {zones}."
    days = ", ".join(str(d) for d in plan.days[: plan.count])
    return (
        f"Round {round_.slug}: reminders {days} days after the invitation at {plan.at:%H:%M} "
        f"local time, at most {plan.count}. Time zones: {zones}."
    )
