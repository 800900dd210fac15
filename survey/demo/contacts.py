"""The demo's contact histories: how each telephone and e-mail interview was arranged.

A telephone side is called a few times without reaching anyone (no answer, busy, an
answering machine), then someone asks to be called back on a Thursday at 9:00 in the
respondent's zone (Beijing or Taipei time on the Chinese side, New York time on the U.S.
side); that call makes an appointment for the interview, and the interview is completed
(or started, when it was never submitted). An e-mail interview is arranged the same way,
by telephone, after e-mails that went unanswered; its answers come back by e-mail. The
one telephone side that never answered refuses; an e-mail side that never answered simply
goes unanswered. Every choice comes from a generator seeded by the pair's code and side,
so the demo is reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from survey.db import db
from survey.fieldwork import services

THURSDAY = 3
Step = tuple[dt.datetime, str, str, dt.datetime | None, str]  # when, outcome, mode, agreed, zone


def _rng(code: str, side: str) -> random.Random:
    seed = int(hashlib.sha256(f"contacts:{code}:{side}".encode()).hexdigest()[:12], 16)
    return random.Random(seed)  # noqa: S311 - reproducible demo data, not security


def zone_of(side: str, kind: str) -> str:
    """The respondent's zone: Beijing or Taipei time on the Chinese side, else New York."""
    if side == "cn":
        return "Asia/Taipei" if kind == "cross-strait" else "Asia/Shanghai"
    return "America/New_York"


def next_thursday_nine(after: dt.datetime, zone: str) -> dt.datetime:
    """The first Thursday 9:00 in `zone` at least a day after `after`, as UTC."""
    local = (after + dt.timedelta(days=1)).astimezone(ZoneInfo(zone))
    days = (THURSDAY - local.weekday()) % 7
    day = (local + dt.timedelta(days=days)).date()
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def history(
    code: str, side: str, kind: str, mode: str, invited: dt.datetime, started: dt.datetime,
    *, submitted: bool, answered: bool, refuses: bool,
) -> list[Step]:  # fmt: skip
    """The attempts on one side, oldest first (none for a web respondent)."""
    if mode == "web":
        return []
    rng, zone = _rng(code, side), zone_of(side, kind)
    how = "phone" if mode == "phone" else "email"
    misses = ("no_answer", "busy", "answering_machine") if how == "phone" else ("no_answer",)
    steps: list[Step] = []
    at = invited + dt.timedelta(hours=rng.randint(20, 60))
    for _ in range(rng.choice((0, 1, 1, 2, 3)) if answered else 3):
        steps.append((at, rng.choice(misses), how, None, zone))
        at += dt.timedelta(days=rng.randint(2, 4), hours=rng.randint(0, 5))
    if not answered:
        return steps + ([(at, "refused", how, None, zone)] if refuses else [])
    # The interview is arranged on the telephone, whatever its mode.
    thursday = next_thursday_nine(at, zone)
    if thursday + dt.timedelta(days=1) >= started:  # no time for a callback: arranged at once
        arranged = [(at, "appointment", "phone", started, zone)]
    else:
        arranged = [
            (at, "callback", "phone", thursday, zone),
            (thursday, "appointment", "phone", started, zone),
        ]
    return [*steps, *arranged, _last(started, how, zone, submitted)]


def _last(started: dt.datetime, how: str, zone: str, submitted: bool) -> Step:
    outcome = "completed" if submitted else "started"
    return (started + dt.timedelta(minutes=1), outcome, how, None, zone)


def logger(code: str, side: str, step: Step, user) -> Callable[..., None]:  # noqa: ANN001
    """The demo event that logs one step (run under `clock_at` its time)."""

    def log(round_, q, u) -> None:  # noqa: ANN001
        at, outcome, how, agreed, zone = step
        case = services.find_case(db.session, round_, code, side)
        services.log_attempt(
            db.session, case, outcome=outcome, mode=how, at=at, callback_at=agreed, zone=zone,
            user=user, note=NOTES.get(outcome, ""),
        )  # fmt: skip

    return log


NOTES = {
    "callback": "Secretary: the director is travelling; call back Thursday 9:00.",
    "appointment": "Interview arranged.",
    "refused": "Declined: no time for interviews this year.",
    "answering_machine": "Left a message with our number.",
}
