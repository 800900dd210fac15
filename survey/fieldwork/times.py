"""Local times in a named zone (zoneinfo), refusing those a DST change skips or repeats.

A callback is agreed in the respondent's zone ("Thursday 9:00 Beijing time"). A wall
time the clocks skip (02:30 on the night they move forward) does not exist, and one they
repeat (01:30 on the night they move back) happens twice: both are refused with a clear
message rather than guessed; a time given with its offset (2010-11-07T01:30-04:00) is
never ambiguous and is taken as it is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class TimeError(ValueError):
    """Why a time was refused: a code of `fieldwork.labels.PROBLEMS` and its parameters."""

    def __init__(self, code: str, **params: str):
        self.code, self.params = code, params
        super().__init__(f"{code}: {params}")


def zone_of(name: str) -> ZoneInfo:
    """The zone named `name`, or a TimeError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeError("unknown_zone", zone=name) from None


def parse(value: str) -> dt.datetime:
    """An ISO 8601 date and time (a space or T between), with or without an offset."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise TimeError("bad_time", value=value) from None


def in_zone(moment: dt.datetime, zone: str) -> dt.datetime:
    """`moment` as UTC: a wall time in `zone`, or as its own offset says when it has one."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    tz = zone_of(zone)
    early, late = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    shown = f"{moment:%Y-%m-%d %H:%M}"
    if early.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != moment:
        raise TimeError("skipped_time", time=shown, zone=zone)
    if early.utcoffset() != late.utcoffset():
        offsets = f"{_offset(early)} / {_offset(late)}"
        raise TimeError("repeated_time", time=shown, zone=zone, offsets=offsets)
    return early.astimezone(dt.UTC)


def _offset(moment: dt.datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def shown_in(moment: dt.datetime, zone: str) -> str:
    """`moment` in `zone` with its offset: 2010-03-18 09:00 (CST, UTC+08:00)."""
    local = moment.astimezone(zone_of(zone))
    return f"{local:%Y-%m-%d %H:%M} ({local:%Z}, UTC{_offset(local)})"
