"""roster: a group of questions (its `columns`) answered once per row, e.g. one row per
delegation with its year, direction, size and purpose.

Stored as a list of rows, each a mapping of column key to that column's stored value;
no rows is no answer. Each cell is parsed, checked and shown by its column's own type.
The `roster` compare rule pairs the two sides' rows by the values of its `match`
columns (a mirrored column's codes read as their counterparts on side B), reports rows
of one side only as disagreements, and compares paired rows column by column with each
column's own rule (docs/comparison.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from survey.core.questionnaire import CompareRule, Question
from survey.core.types.base import (
    AnswerError,
    QuestionType,
    Raw,
    Verdict,
    as_special,
    is_blank,
    one,
    special,
)
from survey.core.types.comparing import UnreadableError, normalize_text

MAX_ROWS = 200  # a roster without a max still takes no more rows than this


class RosterError(AnswerError):
    """Rows with answers to correct: (row index, column key) → that cell's AnswerError."""

    def __init__(self, cells: Mapping[tuple[int, str], AnswerError]):
        super().__init__("row_errors", rows=len({row for row, _ in cells}))
        self.cells = dict(cells)


def _type(column: Question) -> QuestionType:
    from survey.core.types import TYPES  # the registry imports this module

    return TYPES[column.type]


def column_relevant(
    column: Question,
    row: Mapping[str, Any],
    answers: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> bool:
    """Whether a column applies in one row: its `relevant` over the answers with the row's
    own cells (`${year}` is this row's year)."""
    if column.relevant is None:
        return True
    from survey.core import expressions

    return expressions.parse(column.relevant).test({**(answers or {}), **row}, today=today)


def relevant_rows(
    q: Question,
    rows: Any,
    answers: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Any:
    """The rows without the cells of columns that do not apply in their row (as XLSForm
    leaves out what is not relevant); a row left empty goes, and no rows is no answer.
    Anything but rows (no answer, don't know, refused) is returned as it is."""
    if not isinstance(rows, list) or not any(c.relevant for c in q.columns):
        return rows
    kept = []
    for row in rows:
        if not isinstance(row, dict):
            return rows  # not rows: the type's own check refuses it
        cells = {
            key: value
            for key, value in row.items()
            if (column := q.column(key)) is None or column_relevant(column, row, answers, today)
        }
        if cells:
            kept.append(cells)
    return kept or None


def row_problems(
    q: Question,
    rows: list[dict[str, Any]],
    answers: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> dict[tuple[int, str], AnswerError]:
    """Every cell of `rows` that its column refuses: its limits, required, constraint; a
    column that does not apply in its row is not checked there."""
    from survey.core.types import check_answer

    found: dict[tuple[int, str], AnswerError] = {}
    for index, row in enumerate(rows):
        scope = {**(answers or {}), **row}
        for column in q.columns:
            if not column_relevant(column, row, answers, today):
                continue
            error = check_answer(column, row.get(column.key), scope, today=today)
            if error is not None:
                found[index, column.key] = error
    return found


class RosterType(QuestionType):
    """Rows of answers to the roster's column questions."""

    name = "roster"
    bounded = True  # min and max: the number of rows
    rules = ("roster", "review", "none")
    default_rule = "review"
    agreement_levels = ()
    export_kind = "integer"  # exports hold its number of rows; the long one each row
    widget = "roster"

    def parse(self, q: Question, raw: Raw | list[dict[str, Raw]]) -> Any:
        """Rows of raw cells (a form's), or their JSON text (a CSV cell's) → stored rows;
        rows left wholly blank are dropped; RosterError names every refused cell. A
        calculate column's cell is never read: the service computes it in each row."""
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            raw = one(raw)  # a plain field: blank, or "dk"/"rf", or rows as JSON text
        if isinstance(raw, str):
            if not raw.strip():
                return None
            found = special(q, raw)
            if found is not None:
                return found
            try:
                raw = json.loads(raw)
            except ValueError:
                raise AnswerError("not_rows") from None
        if raw is None or raw == []:
            return None
        if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
            raise AnswerError("not_rows")
        rows: list[dict[str, Any]] = []
        errors: dict[tuple[int, str], AnswerError] = {}
        for cells in raw:
            row: dict[str, Any] = {}
            index = len(rows)
            for column in q.columns:
                if column.type == "calculate":
                    continue  # as a calculation's posted value is never taken
                cell = cells.get(column.key)
                try:
                    value = _type(column).parse(column, _raw(cell))
                except AnswerError as error:
                    errors[index, column.key] = error
                    value = cell  # kept as typed, so that the row is not lost
                if not is_blank(value):
                    row[column.key] = value
            if row or any((index, c.key) in errors for c in q.columns):
                rows.append(row)
        if errors:  # with the other cells' own problems, so that all show at once
            parsed = [
                {k: v for k, v in row.items() if (i, k) not in errors} for i, row in enumerate(rows)
            ]
            found = row_problems(q, parsed)
            raise RosterError({**found, **errors})
        return rows or None

    def check(self, q: Question, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise AnswerError("not_rows")
        if q.min is not None and len(value) < int(q.min):
            raise AnswerError("too_few_rows", min=int(q.min))
        limit = int(q.max) if q.max is not None else MAX_ROWS
        if len(value) > limit:
            raise AnswerError("too_many_rows", max=limit)
        # each cell is checked in its row by check_answer (`row_problems`): required and
        # constraint need the row's other answers

    def validate(self, q: Question, value: Any) -> None:
        if is_blank(value):
            return
        found = as_special(value)
        if found is None:
            self.check(q, value)
        elif found not in q.specials():
            raise AnswerError("special_not_allowed", special=str(found))

    def show(self, q: Question, value: Any, language: str) -> str:
        """One line per row: its cells shown by their columns, joined by ' · '."""
        lines = []
        for row in value if isinstance(value, list) else ():
            shown = (
                _type(column).display(column, row.get(column.key), language) or "–"
                for column in q.columns
                if column.is_asked and isinstance(row, dict)
            )
            lines.append(" · ".join(shown))
        return "\n".join(lines)


def _raw(cell: Any) -> Raw:
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, list):
        return [str(item) for item in cell]
    return str(cell)  # a number or a date from JSON: read as typed


# ---------------------------------------------------------------------------- comparing


def _key_part(value: Any) -> Any:
    """A match column's value as compared: text normalised, numbers as numbers."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, list):
        return frozenset(_key_part(item) for item in value)
    return repr(value)


def _rows(value: Any, side: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise UnreadableError(side, value, "roster rows")
    return value


def row_label(q: Question, rule: CompareRule, row: Mapping[str, Any]) -> str:
    """A row named by its match columns, as the comparison's detail names it."""
    return " ".join(str(row.get(key, "–")) for key in rule.match) or "row"


def pair_rows(
    rule: CompareRule, rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """(index in A, index in B) of every row: paired by the match columns (B's mirrored
    codes read as A's), rows with equal keys in the order given; None for no partner."""
    swaps = rule.swaps()

    def key(row: Mapping[str, Any], mirrored: bool) -> tuple[Any, ...]:
        parts = []
        for column in rule.match:
            value = row.get(column)
            if mirrored and isinstance(value, str):
                value = swaps.get(column, {}).get(value, value)
            parts.append(_key_part(value))
        return tuple(parts)

    waiting: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(rows_b):
        waiting[key(row, True)].append(index)
    pairs: list[tuple[int | None, int | None]] = []
    for index, row in enumerate(rows_a):
        partners = waiting.get(key(row, False))
        pairs.append((index, partners.pop(0) if partners else None))
    taken = {b for _, b in pairs if b is not None}
    pairs += [(None, index) for index in range(len(rows_b)) if index not in taken]
    return pairs


def compare_rows(
    q: Question, rule: CompareRule, row_a: Mapping[str, Any], row_b: Mapping[str, Any]
) -> dict[str, Verdict]:
    """Each compared column of two paired rows under its own rule."""
    verdicts: dict[str, Verdict] = {}
    for column in q.columns:
        if column.key in rule.match or not column.is_compared or column.compare is None:
            continue
        a, b = row_a.get(column.key), row_b.get(column.key)
        if is_blank(a) and is_blank(b):
            verdicts[column.key] = ("agree", "both blank")
        elif is_blank(a) or is_blank(b) or as_special(a) or as_special(b):
            verdicts[column.key] = ("disagree", "answered on one side only")
        else:
            verdicts[column.key] = _compare(column, a, b)
    return verdicts


def _compare(column: Question, a: Any, b: Any) -> Verdict:
    rule = column.compare
    assert rule is not None  # is_compared
    column_type = _type(column)
    try:
        return column_type.comparator(column, rule)(column_type, column, rule, a, b)
    except UnreadableError as error:
        return ("review", str(error))


def compare_rosters(t: QuestionType, q: Question, rule: CompareRule, a: Any, b: Any) -> Verdict:
    """disagree when a row has no partner or a paired row's column disagrees; review when
    a column goes to a person; agree otherwise. The detail names what differs."""
    rows_a, rows_b = _rows(a, "A"), _rows(b, "B")
    matched, notes, review = 0, [], False
    for index_a, index_b in pair_rows(rule, rows_a, rows_b):
        if index_b is None:
            notes.append(f"only side A: {row_label(q, rule, rows_a[index_a or 0])}")
            continue
        if index_a is None:
            notes.append(f"only side B: {row_label(q, rule, rows_b[index_b])}")
            continue
        matched += 1
        for column, (outcome, detail) in compare_rows(
            q, rule, rows_a[index_a], rows_b[index_b]
        ).items():
            if outcome == "disagree":
                notes.append(f"{row_label(q, rule, rows_a[index_a])}: {column} {detail}")
            review = review or outcome == "review"
    summary = f"matched rows: {matched}"
    if notes:
        return ("disagree", "; ".join([summary, *notes]))
    return ("review" if review else "agree", summary)


RosterType.comparators = {"roster": compare_rosters}
