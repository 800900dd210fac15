"""When the demo's interviews happened: dates inside the 2009–2010 round, as fieldwork goes.

Invitations go out in the round's first days; web respondents answer over the following
weeks, most within a month, a few months later (a long tail), after one or two reminders
sent as the round's schedule says (14 and 35 days after the invitation, 09:00 local time);
telephone and e-mail interviews are arranged and held over the months after. Every date
comes from a generator seeded by the pair's code and side, so the demo is reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from survey.rounds.schedule import Schedule, due_times

OPENS = dt.datetime(2009, 6, 1, 13, 0, tzinfo=dt.UTC)
LAST = dt.datetime(2010, 5, 28, 20, 0, tzinfo=dt.UTC)  # the fieldwork's last day
SETUP = {  # the study is set up before the round opens
    "study": dt.datetime(2009, 5, 11, 15, 0, tzinfo=dt.UTC),
    "pairs": dt.datetime(2009, 5, 18, 14, 30, tzinfo=dt.UTC),
    "round": dt.datetime(2009, 5, 25, 16, 0, tzinfo=dt.UTC),
}
REMINDER_DAYS = (14, 35)  # reminders to web respondents who have not answered by then
REMINDER_AT = dt.time(9, 0)  # the round's reminder schedule: 09:00 in the respondent's zone
ZONES = {"us": "America/New_York", "cn": "Asia/Shanghai"}  # the sides' default zones


@dataclass(frozen=True)
class SideDates:
    """One side's fieldwork: invited, reminded, started answering, submitted (or not)."""

    invited: dt.datetime
    reminders: tuple[dt.datetime, ...]
    started: dt.datetime
    submitted: dt.datetime | None
    decided: dt.datetime  # when a researcher reviewed the pair's discrepancies


def _rng(code: str, side: str) -> random.Random:
    seed = int(hashlib.sha256(f"fieldwork:{code}:{side}".encode()).hexdigest()[:12], 16)
    return random.Random(seed)  # noqa: S311 - reproducible demo data, not security


def _working_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same day at a plausible office hour (UTC covers U.S. and Chinese offices)."""
    hour = rng.choice((1, 2, 3, 6, 7, 8, 14, 15, 16, 18, 19, 20))
    return moment.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def dates(code: str, side: str, mode: str, submitted: bool, answered: bool = True) -> SideDates:
    """The dates of one side of one pair (`mode`: web, phone or email); a side that never
    answered (`answered` false) gets every reminder."""
    rng = _rng(code, side)
    invited = _working_hours(OPENS + dt.timedelta(days=rng.choice((0, 0, 1, 2))), rng)
    invited = max(invited, OPENS + dt.timedelta(hours=1))
    if mode == "web":
        # most answer within weeks; a long tail over the following months
        delay = rng.expovariate(1 / 16) if rng.random() < 0.8 else rng.uniform(45, 240)
    else:
        # an interview is arranged first, then held: one to seven months later
        delay = rng.uniform(20, 60) + rng.expovariate(1 / 45)
    started = _working_hours(invited + dt.timedelta(days=1 + delay), rng)
    started = min(started, LAST - dt.timedelta(days=2))
    finish = dt.timedelta(minutes=rng.randint(12, 50) if mode == "web" else rng.randint(40, 95))
    scheduled = due_times(invited, Schedule(REMINDER_DAYS, REMINDER_AT), ZONES.get(side, "UTC"))
    reminders = tuple(
        moment
        for days, moment in zip(REMINDER_DAYS, scheduled, strict=True)
        if mode == "web" and (not answered or started > invited + dt.timedelta(days=days + 1))
    )
    done = started + finish if submitted else None
    decided = min((done or started) + dt.timedelta(days=rng.randint(3, 20)), LAST)
    return SideDates(invited, reminders, started, done, decided)
