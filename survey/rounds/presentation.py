"""What the round page draws from a round's status: its pairs' filters and sort keys, its chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from survey.charts import BarChart, Bucket, bar_chart, date_buckets
from survey.rounds.models import INVITATION_STATES, Round
from survey.rounds.monitoring import RoundStatus

Row = dict[str, Any]


def filter_rows(rows: list[Row], args: Mapping[str, str]) -> list[Row]:
    """The pairs whose kind and (on either side) state match the page's filters."""
    kind, state = args.get("kind", ""), args.get("state", "")
    return [
        r
        for r in rows
        if (not kind or r["kind"] == kind) and (not state or state in r["states"].values())
    ]


def pair_sort_keys(sides: tuple[str, ...]) -> dict[str, Callable[[Row], Any]]:
    """Sortable columns of the round's pair table: pair, kind, and each side's state."""
    keys: dict[str, Callable[[Row], Any]] = {
        "pair": lambda r: r["code"],
        "kind": lambda r: r["kind"] or "",
    }
    for side in sides:
        keys[f"state-{side}"] = _state_key(side)
    return keys


def _state_key(side: str) -> Callable[[Row], Any]:
    def key(row: Row) -> Any:
        state = row["states"].get(side)
        return None if state is None else INVITATION_STATES.index(state)

    return key


def _local_day(moment: dt.datetime, zone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(zone or "UTC")).date()


def submission_buckets(round_: Round, status: RoundStatus) -> tuple[str, list[Bucket]]:
    """Submissions per day, week or month over the round: from its opening to its closing.

    A round still open without a closing date ends at its latest submission, so an
    old round's chart is not stretched to today; one with nothing submitted yet spans
    its opening day (or today) alone.
    """
    days = [day for day, _ in status.submitted_per_day]
    today = dt.datetime.now(dt.UTC).date()
    first = _local_day(round_.opens_at, round_.timezone) if round_.opens_at else None
    last = _local_day(round_.closes_at, round_.timezone) if round_.closes_at else None
    first = first or (min(days) if days else today)
    last = last or (max(days) if days else first)
    if days:
        first, last = min(first, min(days)), max(last, max(days))
    return date_buckets(dict(status.submitted_per_day), first, last)


def submissions_chart(round_: Round, status: RoundStatus) -> tuple[str, BarChart] | None:
    """The unit ("day", "week" or "month") and the bar chart of submissions; None if none yet."""
    if not status.submitted_per_day:
        return None
    unit, buckets = submission_buckets(round_, status)
    return unit, bar_chart([(b.label, b.count) for b in buckets])
