"""Charts drawn on the server as SVG: the geometry of a bar chart with axes, and date buckets.

Pure Python, no Flask: a `BarChart` holds every coordinate the template draws, so
the SVG needs no script and the same numbers go into the table below it and the CSV.
Room is reserved for every label (the value above each bar, the axis titles, the tick
labels), so nothing the chart writes falls outside its own box; a label that would
overlap its neighbour is left out of the axis (its number stays in the table).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

FONT = 13  # px, the size the template writes chart text in
CHAR = 0.62 * FONT  # a generous average advance of a Latin character or digit
WIDE = 1.05 * FONT  # a CJK character


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and where it and its value label go."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    show_value: bool


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis."""

    at: float
    label: str


@dataclass
class BarChart:
    """Everything needed to draw a vertical bar chart with a value axis and a category axis."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top


def text_width(text: str) -> float:
    """An upper estimate of the width of `text` at FONT px."""
    return sum(WIDE if ord(c) > 0x2E80 else CHAR for c in text)


def nice_step(peak: float, ticks: int = 4) -> float:
    """A round step (1, 2, 5 × 10^n) giving about `ticks` intervals up to `peak`."""
    if peak <= 0:
        return 1
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(1, factor * power) if peak >= 1 else factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(
    points: Sequence[tuple[str, float]], *, width: int = 720, height: int = 280
) -> BarChart:
    """Lay out bars for `points` (label, value) with a zero-based value axis."""
    peak = max((value for _, value in points), default=0)
    step = nice_step(peak)
    top_value = step * max(1, math.ceil(peak / step))
    y_labels = [_number(step * n) for n in range(int(round(top_value / step)) + 1)]
    left = 16 + FONT + 8 + max(text_width(label) for label in y_labels)  # y title, gap, ticks
    chart = BarChart(width, height, left, FONT * 2 + 4, width - 12, height - (FONT * 3 + 14))
    scale = chart.plot_height / top_value
    chart.y_ticks = [
        Tick(chart.bottom - step * n * scale, label) for n, label in enumerate(y_labels)
    ]
    slot = (chart.right - chart.left) / max(1, len(points))
    bar_width = max(1.0, slot * 0.72)
    widest_value = max((text_width(_number(v)) for _, v in points), default=0)
    for index, (label, value) in enumerate(points):
        x = chart.left + index * slot + (slot - bar_width) / 2
        chart.bars.append(
            Bar(
                label,
                value,
                x,
                chart.bottom - value * scale,
                bar_width,
                value * scale,
                show_value=widest_value <= slot - 2 and value > 0,
            )
        )
    chart.x_ticks = _spaced(chart, slot)
    return chart


def _spaced(chart: BarChart, slot: float) -> list[Tick]:
    """Category labels centred under their bars, every n-th so that none overlaps another."""
    widest = max((text_width(bar.label) for bar in chart.bars), default=0)
    every = max(1, math.ceil((widest + 10) / slot))
    ticks = []
    for index, bar in enumerate(chart.bars):
        centre = bar.x + bar.width / 2
        half = text_width(bar.label) / 2
        if index % every == 0 and centre - half >= 0 and centre + half <= chart.width:
            ticks.append(Tick(centre, bar.label))
    return ticks


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


@dataclass(frozen=True)
class Bucket:
    """A span of days counted together, with its first day and label."""

    start: dt.date
    label: str
    count: int


def date_buckets(
    per_day: Mapping[dt.date, int], first: dt.date, last: dt.date
) -> tuple[str, list[Bucket]]:
    """Counts per day, week or month from `first` to `last`, every span present (zeros too).

    The unit follows the span, so that a three-week round shows days and a
    fieldwork year shows months: up to 31 days → "day", up to 26 weeks → "week"
    (weeks start on Monday), else "month".
    """
    last = max(first, last)
    days = (last - first).days + 1
    unit = "day" if days <= 31 else "week" if days <= 182 else "month"
    starts: list[dt.date] = []
    cursor = _start_of(first, unit)
    while cursor <= last:
        starts.append(cursor)
        cursor = _next(cursor, unit)
    counts = dict.fromkeys(starts, 0)
    for day, count in per_day.items():
        key = _start_of(day, unit)
        if key in counts:
            counts[key] += count
    return unit, [Bucket(s, _label(s, unit), counts[s]) for s in starts]


def _start_of(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next(day: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return day + dt.timedelta(days=1)
    if unit == "week":
        return day + dt.timedelta(days=7)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _label(day: dt.date, unit: str) -> str:
    return day.strftime("%Y-%m") if unit == "month" else day.isoformat()


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label (cut to fit, whole in `title`), value and value label."""

    label: str
    title: str
    value: float | None
    text: str  # the value as shown at the bar's end ("97 %", "—")
    y: float
    width: float


@dataclass
class HBarChart:
    """A horizontal bar chart: a label per row on the left, bars from `left`, value labels."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    row_height: float
    rows: list[Row] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)


def cut(text: str, room: float) -> str:
    """`text` shortened with "…" so that it fits in `room` px at FONT px."""
    if text_width(text) <= room:
        return text
    out = ""
    for char in text:
        if text_width(out + char + "…") > room:
            break
        out += char
    return out.rstrip() + "…"


def hbar_chart(
    points: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float,
    ticks: Sequence[tuple[float, str]],
    width: int = 720,
    label_room: float = 260,
    row_height: float = 24,
) -> HBarChart:
    """Lay out one bar per (label, value, value text), values from 0 to `maximum`.

    Labels longer than `label_room` px are cut with "…" (the table below the chart holds
    them whole); room for the widest value text is kept right of the longest bar, and for
    the tick labels and the axis title below the plot, so nothing falls outside the SVG.
    """
    widest_text = max((text_width(text) for _, _, text in points), default=0)
    left = 8 + min(label_room, max((text_width(label) for label, _, _ in points), default=0))
    right = width - 8 - widest_text - 6
    top = 4.0
    bottom = top + row_height * max(1, len(points))
    chart = HBarChart(width, int(bottom + FONT * 3 + 16), left, right, top, bottom, row_height)
    scale = (right - left) / maximum if maximum else 0
    for index, (label, value, text) in enumerate(points):
        chart.rows.append(
            Row(
                cut(label, left - 8),
                label,
                value,
                text,
                top + index * row_height,
                max(0.0, (value or 0) * scale),
            )
        )
    chart.x_ticks = [Tick(left + at * scale, label) for at, label in ticks]
    return chart
