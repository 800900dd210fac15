"""Cells as the text formats write them: formula-safe text, ISO times, joined codes, in batches."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from survey.core.formulas import FORMULA_START
from survey.core.types import format_number
from survey.exports.dataset import SPECIAL_CODES, ExportError, Table, Variable

_FORMULA_FIRST = frozenset(FORMULA_START)
# written as text in XLSX: times of day and wall clocks too, as stored (an import's offset kept)
TEXT_KINDS = frozenset({"string", "code", "codes", "time", "clock"})


# ---------------------------------------------------------------------------- cells


def iso_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with its offset; naive datetimes are refused (their zone is unknown)."""
    if value.tzinfo is UTC:
        return value.isoformat()
    if value.tzinfo is None:
        raise ExportError(f"datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC).isoformat()


def _joined(value: Any) -> Any:
    """A multi answer's codes joined by ';'; anything else as it is."""
    return ";".join(value) if isinstance(value, list | tuple) else value


# Column converters: a batch of one column's cells in, the cells to write out. The common
# case costs no Python call per cell: text is checked in one regular-expression scan.
Column = Sequence[Any]
_SEPARATOR = "\x1f"
_SEQUENCES = frozenset({list, tuple})
_FORMULA_AFTER_SEPARATOR = re.compile("(?:^|\x1f)[=+\\-@\t\r\0]")


def _safe_column(cells: Column) -> Column:
    try:
        joined = _SEPARATOR.join(filter(None, cells))
    except TypeError:  # not all text: check cell by cell
        joined = "="
    if not _FORMULA_AFTER_SEPARATOR.search(joined):
        return cells
    first = _FORMULA_FIRST
    return ["'" + c if isinstance(c, str) and c and c[0] in first else c for c in cells]


def _codes_column(cells: Column) -> Column:
    return [";".join(c) if c.__class__ in _SEQUENCES else c for c in cells]


def _safe_codes_column(cells: Column) -> Column:
    return _safe_column(_codes_column(cells))


def _number_column(cells: Column) -> Column:
    """Floats as format_number() writes them: no exponent, no trailing '.0'. repr() is
    exact and costs no Python frame; only its '.0' endings, exponents and -0.0 need more
    (answers are finite: no inf or nan). dk/rf pass through."""
    texts = [repr(c) if c.__class__ is float else c for c in cells]
    return [
        t
        if t.__class__ is not str
        else t[:-2]
        if t[-2:] == ".0" and t != "-0.0"
        else _no_exponent(t)
        for t in texts
    ]


def _no_exponent(text: str) -> str:
    return format_number(float(text)) if "e" in text or text == "-0.0" else text


def _date_column(cells: Column) -> Column:
    return [c.isoformat() if isinstance(c, date) else c for c in cells]


def _datetime_column(cells: Column) -> Column:
    return [c if c is None else iso_datetime(c) for c in cells]


def _needs_neutralising(v: Variable) -> bool:
    """Text may start like a formula; option codes only if one of them does."""
    if v.kind == "string" or not v.value_labels:
        return True
    return any(str(code).startswith(FORMULA_START) for code in v.value_labels)


def _text_converter(v: Variable, fmt: str) -> Callable[[Column], Column] | None:
    """How a column becomes what a text format writes; None when it is written as it is
    (ints, None, "" and dk/rf need nothing)."""
    neutral = fmt == "csv" and _needs_neutralising(v)
    if v.kind == "codes" or (v.kind == "string" and v.role == "answer"):
        # a ranking is a list of codes in its order, exported joined like a multi answer
        return _safe_codes_column if neutral else _codes_column
    if v.kind in ("string", "code"):
        return _safe_column if neutral else None
    # JSON keeps numbers as JSON numbers; CSV writes floats without exponent or '.0'.
    by_kind = {"date": _date_column, "datetime": _datetime_column}
    if fmt == "csv":
        by_kind["number"] = _number_column
    return by_kind.get(v.kind)


def text_batches(table: Table, fmt: str = "csv", size: int = 256) -> Iterator[list[Sequence[Any]]]:
    """The rows as CSV ("csv") or JSON ("json") writes them, `size` rows at a time. JSON
    keeps text as it is: no spreadsheet reads it.

    A batch is converted column by column, which keeps the CSV export close to the speed
    of the csv module itself (benchmarks/export_writers.py).
    """
    converters = [(i, f) for i, v in enumerate(table.variables) if (f := _text_converter(v, fmt))]
    rows = iter(table.rows)
    while batch := list(itertools.islice(rows, size)):
        if converters:
            columns: list[Column] = list(zip(*batch, strict=True))
            for i, convert in converters:
                columns[i] = convert(columns[i])
            batch = list(zip(*columns, strict=True))
        yield batch


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"stored date {value!r} is not YYYY-MM-DD") from None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return text in SPECIAL_CODES or not text
    return True
