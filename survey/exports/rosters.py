"""Rosters in exports (docs/exports.md, "Rosters").

A roster's answer is a list of rows. The wide, pairwise and respondent layouts hold the
number of rows in the roster's column (don't know / refused as they are). The long layout
has the roster's own row (its number of rows per side, its outcome), then one row per
roster row: `<key>.<n>` in `question`, the rows of the two sides paired as the roster rule
pairs them, each side's row in words (`year=2009; direction=sent; size=5`), and that row's
outcome (`disagree` for a row of one side only or a column that differs)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from survey.core.questionnaire import Question, Questionnaire
from survey.core.types.base import as_special, format_number
from survey.core.types.roster import compare_rows, pair_rows
from survey.exports.dataset import Dataset
from survey.exports.layouts import PairRecord


def roster_keys(q: Questionnaire) -> list[str]:
    return [question.key for question in q.questions() if question.type == "roster"]


def prepared(q: Questionnaire, layout: str, records: Iterable[PairRecord]) -> Iterator[PairRecord]:
    """The records with each roster's rows as its number of rows, or for the long layout
    as JSON text (read back by `expanded`)."""
    keys = roster_keys(q)
    for record in records:
        if not keys:
            yield record
            continue
        sides = tuple(
            dataclasses.replace(side, answers=_turned(side.answers, keys, layout))
            for side in record.sides
        )
        yield dataclasses.replace(record, sides=sides)  # type: ignore[arg-type]


def _turned(answers: Any, keys: list[str], layout: str) -> Any:
    if not answers or not any(isinstance(answers.get(key), list) for key in keys):
        return answers
    turned = dict(answers)
    for key in keys:
        value = turned.get(key)
        if isinstance(value, list):
            turned[key] = json.dumps(value, ensure_ascii=False) if layout == "long" else len(value)
    return turned


def expanded(
    q: Questionnaire, dataset: Dataset, sides: int = 2, identifiers: bool = True
) -> Dataset:
    """The long dataset with one row per roster row after each roster's own row; without
    `identifiers`, a row's text leaves out the columns marked identifying."""
    rosters = {key: q.question(key) for key in roster_keys(q)}
    if not rosters:
        return dataset
    rows = _expand(rosters, dataset.rows, sides, identifiers)
    return dataclasses.replace(dataset, rows=rows)


def _expand(
    rosters: dict[str, Question], rows: Iterable[Sequence[Any]], sides: int, identifiers: bool
) -> Iterator[Sequence[Any]]:
    for row in rows:
        roster = rosters.get(row[1])
        if roster is None:
            yield row
            continue
        values = [_rows(value) for value in row[2 : 2 + sides]]
        yield [*row[:2], *(_count(v, raw) for v, raw in zip(values, row[2:], strict=False)),
               *row[2 + sides :]]  # fmt: skip
        yield from _row_lines(roster, row, values, sides, identifiers)


def _row_lines(
    roster: Question,
    row: Sequence[Any],
    values: list[list[dict] | None],
    sides: int,
    identifiers: bool = True,
) -> Iterator[list[Any]]:
    rule = roster.compare
    first, second = (values + [None, None])[:2]
    rows_a, rows_b = first or [], second or []
    if rule is not None and rule.kind == "roster" and sides == 2:
        pairs = pair_rows(rule, rows_a, rows_b)
    else:  # no pairing rule: rows side by side in the order given
        pairs = [(i if i < len(rows_a) else None, i if i < len(rows_b) else None)
                 for i in range(max(len(rows_a), len(rows_b)))]  # fmt: skip
    rest = list(row[2 + sides :])
    for number, (index_a, index_b) in enumerate(pairs, start=1):
        row_a = rows_a[index_a] if index_a is not None else None
        row_b = rows_b[index_b] if index_b is not None else None
        outcome = None
        if rule is not None and rule.kind == "roster":
            if row_a is None or row_b is None:
                outcome = "disagree"
            else:
                verdicts = compare_rows(roster, rule, row_a, row_b).values()
                outcome = "disagree" if any(v[0] == "disagree" for v in verdicts) else "agree"
        texts = [_row_text(roster, r, identifiers) for r in (row_a, row_b)][:sides]
        yield [row[0], f"{roster.key}.{number}", *texts, outcome, *rest[1:]]


def _rows(value: Any) -> list[dict] | None:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    return found if isinstance(found, list) else None


def _count(rows: list[dict] | None, raw: Any) -> Any:
    return str(len(rows)) if rows is not None else raw


def _row_text(roster: Question, row: dict | None, identifiers: bool = True) -> str | None:
    """`year=2009; direction=sent; size=5`: a row's cells by column key, as stored (without
    `identifiers`, not those of a column marked identifying)."""
    if row is None:
        return None
    parts = []
    for column in roster.columns:
        value = row.get(column.key)
        if value is None or (column.identifying and not identifiers):
            continue
        if isinstance(value, list):
            shown = ";".join(map(str, value))
        elif isinstance(value, bool) or as_special(value) is not None or isinstance(value, str):
            shown = str(value)
        else:
            shown = format_number(value)
        parts.append(f"{column.key}={shown}")
    return "; ".join(parts) or None
