"""Server-side chart geometry: date buckets over a round, and room for every label."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.charts import bar_chart, date_buckets, nice_step, text_width

D = dt.date


@pytest.mark.parametrize(
    ("first", "last", "unit", "count"),
    [
        (D(2009, 6, 1), D(2009, 6, 21), "day", 21),
        (D(2009, 6, 1), D(2009, 8, 30), "week", 13),  # Monday 1 June to Sunday 30 August
        (D(2009, 6, 1), D(2010, 5, 31), "month", 12),
        (D(2009, 6, 1), D(2009, 6, 1), "day", 1),
    ],
)
def test_the_unit_follows_the_span_and_every_period_is_there(first, last, unit, count):
    got_unit, buckets = date_buckets({}, first, last)
    assert got_unit == unit
    assert len(buckets) == count
    assert all(b.count == 0 for b in buckets)


def test_counts_fall_into_their_period_and_outside_days_are_not_counted():
    per_day = {D(2009, 6, 3): 2, D(2009, 6, 30): 1, D(2009, 8, 15): 4, D(2011, 1, 1): 9}
    unit, buckets = date_buckets(per_day, D(2009, 6, 1), D(2010, 5, 31))
    assert unit == "month"
    assert [(b.label, b.count) for b in buckets[:3]] == [
        ("2009-06", 3),
        ("2009-07", 0),
        ("2009-08", 4),
    ]
    assert sum(b.count for b in buckets) == 7


def test_weeks_start_on_monday():
    _, buckets = date_buckets({D(2009, 6, 7): 1}, D(2009, 6, 3), D(2009, 9, 1))
    assert buckets[0].start == D(2009, 6, 1)
    assert buckets[0].count == 1  # Sunday 7 June belongs to the week of Monday 1 June


@pytest.mark.parametrize(("peak", "step"), [(0, 1), (3, 1), (19, 5), (37, 10), (180, 50)])
def test_value_axis_steps_are_round(peak, step):
    assert nice_step(peak) == step


def test_every_label_has_room_inside_the_chart():
    points = [
        (f"2009-{m:02d}", v) for m, v in zip(range(1, 13), [0, 3, 19, 100, 7, 1] * 2, strict=True)
    ]
    chart = bar_chart(points, width=720, height=280)
    assert chart.y_ticks[-1].label == "100"
    for bar in chart.bars:
        assert chart.left <= bar.x
        assert bar.x + bar.width <= chart.right
        if bar.show_value:
            assert bar.y - 4 - 13 >= 0  # the value above the bar stays below the top edge
    for tick in chart.x_ticks:
        assert tick.at - text_width(tick.label) / 2 >= 0
        assert tick.at + text_width(tick.label) / 2 <= chart.width
    assert chart.left > text_width("100")  # the value axis' labels fit left of the axis
    assert chart.bottom + 17 + 13 < chart.height  # the category labels above the axis title


def test_crowded_labels_are_thinned_not_overlapped():
    points = [(f"2009-06-{d:02d}", d) for d in range(1, 31)]
    chart = bar_chart(points, width=720)
    assert 0 < len(chart.x_ticks) < 30
    edges = [
        (t.at - text_width(t.label) / 2, t.at + text_width(t.label) / 2) for t in chart.x_ticks
    ]
    assert all(
        right < next_left for (_, right), (next_left, _) in zip(edges, edges[1:], strict=False)
    )


def test_a_horizontal_chart_keeps_room_for_labels_and_values():
    from survey.charts import hbar_chart

    points = [
        ("In what year was the relationship formally established?", 0.97, "97 % (n=34)"),
        ("短", 1.0, "100 % (n=34)"),
        ("none", None, "—"),
    ]
    chart = hbar_chart(points, maximum=1, ticks=[(0, "0 %"), (1, "100 %")], label_room=200)
    first = chart.rows[0]
    assert first.label.endswith("…")
    assert first.title == points[0][0]  # whole, for the bar's tooltip
    assert text_width(first.label) <= chart.left - 8
    for row in chart.rows:  # the value text fits right of the longest bar
        assert chart.left + row.width + 6 + text_width(row.text) <= chart.width
    assert chart.rows[2].width == 0
    assert chart.x_ticks[-1].at == chart.right
    assert chart.height >= chart.bottom + 3 * 13
