"""Columns encoded for SPSS and Stata: option codes as numbers, dk/rf as their missing values."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from survey.core.questionnaire import Special
from survey.core.types import is_blank
from survey.exports import naming
from survey.exports.dataset import (
    NUMERIC_KINDS,
    SPECIAL_CODES,
    SPECIAL_LABELS,
    ExportError,
    Table,
    Variable,
    is_special,
    text_for,
)
from survey.exports.writers.cells import _is_date, _joined

SAV_MAX_TEXT = 32_767  # bytes in one string value
SAV_SPECIAL = {Special.DONT_KNOW: -98.0, Special.REFUSED: -99.0}  # user-missing
DTA_SPECIAL = {Special.DONT_KNOW: "d", Special.REFUSED: "r"}  # extended missing .d .r
SPSS_EPOCH = datetime(1582, 10, 14, tzinfo=UTC)
STATA_EPOCH = datetime(1960, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


ColumnEncoder = Callable[[Sequence[Any]], list[Any]]


def _encode_columns(
    table: Table, encoders: Sequence[ColumnEncoder], size: int = 1024
) -> tuple[list[list[Any]], int]:
    """The rows turned into encoded columns (the statistical writers need whole columns),
    a batch of rows at a time, each column encoded in one comprehension."""
    columns: list[list[Any]] = [[] for _ in encoders]
    count = 0
    rows = iter(table.rows)
    while batch := list(itertools.islice(rows, size)):
        cells = zip(*batch, strict=True)
        for column, encode, values in zip(columns, encoders, cells, strict=True):
            column.extend(encode(values))
        count += len(batch)
    return columns, count


def _numbers_of(v: Variable) -> dict[Any, int]:
    numbers = v.numbers()
    if v.kind == "code" and not numbers:
        raise ExportError("a coded variable without value labels", variable=v.name)
    return numbers


def _lookup(v: Variable, table: dict[Any, Any]) -> ColumnEncoder:
    """Cells → values by a table that also maps no answer (None, "") and dk/rf."""

    def one(cell: Any) -> Any:
        if is_blank(cell):
            return table[None]
        try:
            return table[cell]
        except (KeyError, TypeError):
            raise ExportError(f"value {cell!r} is not one of its codes", variable=v.name) from None

    def encode(cells: Sequence[Any]) -> list[Any]:
        try:
            return [table[c] for c in cells]
        except (KeyError, TypeError):  # an unknown code, or an unhashable empty list
            return [one(c) for c in cells]

    return encode


def _numbers(v: Variable, other: Callable[[Any], Any]) -> ColumnEncoder:
    """Cells → floats; `other` takes what is not a number (no answer, dk/rf)."""

    def encode(cells: Sequence[Any]) -> list[Any]:
        return [float(c) if c.__class__ is int or c.__class__ is float else other(c) for c in cells]

    return encode


def _dates(v: Variable, epoch: date, scale: float, other: Callable[[Any], Any]) -> ColumnEncoder:
    """Cells ("YYYY-MM-DD" or dates) → (days since `epoch`) × `scale`."""
    base = epoch.toordinal()

    def encode(cells: Sequence[Any]) -> list[Any]:
        try:
            return [
                (date.fromisoformat(c).toordinal() - base) * scale
                if c.__class__ is str and c and c not in SPECIAL_CODES
                else (c.toordinal() - base) * scale
                if isinstance(c, date)
                else other(c)
                for c in cells
            ]
        except ValueError:
            bad = next(c for c in cells if c.__class__ is str and not _is_date(c))
            raise ExportError(f"stored date {bad!r} is not YYYY-MM-DD", variable=v.name) from None

    return encode


def _times(v: Variable, epoch: datetime, scale: float, missing: Any) -> ColumnEncoder:
    """Cells (aware datetimes) → (seconds since `epoch`) × `scale`."""

    def encode(cells: Sequence[Any]) -> list[Any]:
        try:
            return [missing if c is None else (c - epoch).total_seconds() * scale for c in cells]
        except TypeError:
            raise ExportError("a datetime has no time zone", variable=v.name) from None

    return encode


def _clock(
    v: Variable, epoch: datetime, scale: float, other: Callable[[Any], Any]
) -> ColumnEncoder:
    """Cells (stored times of day, or wall-clock date-times) → (seconds since midnight, or
    since `epoch` read as a wall clock) × `scale`; an offset some imports carry is not
    applied: the variable holds the clock the person gave."""
    naive = epoch.replace(tzinfo=None)

    def seconds(cell: str) -> float:
        if v.kind == "time":
            hours, minutes, *rest = cell.split(":")
            return (int(hours) * 60 + int(minutes)) * 60.0 + (int(rest[0]) if rest else 0)
        moment = datetime.fromisoformat(cell.replace("Z", "+00:00")).replace(tzinfo=None)
        return (moment - naive).total_seconds()

    def encode(cells: Sequence[Any]) -> list[Any]:
        try:
            return [
                seconds(c) * scale
                if c.__class__ is str and c and c not in SPECIAL_CODES
                else other(c)
                for c in cells
            ]
        except ValueError:
            raise ExportError(f"a stored {v.kind} is not one", variable=v.name) from None

    return encode


def _other(v: Variable, special: Mapping[str, Any], missing: Any) -> Callable[[Any], Any]:
    """What a number column holds for a cell that is not a number: none, dk/rf, or an error."""

    def other(cell: Any) -> Any:
        if is_blank(cell):
            return missing
        if v.specials and is_special(cell):
            return special[cell]
        raise ExportError(f"value {cell!r} is not {v.kind}", variable=v.name)

    return other


def _texts(missing: Any, special_missing: bool = False) -> ColumnEncoder:
    """Cells → text; no answer (and dk/rf when `special_missing`) → `missing`."""

    def other(cell: Any) -> Any:
        if is_blank(cell) or (special_missing and is_special(cell)):
            return missing
        return str(_joined(cell))

    def encode(cells: Sequence[Any]) -> list[Any]:
        if special_missing:
            return [other(c) for c in cells]
        return [c if c.__class__ is str and c else other(c) for c in cells]

    return encode


def _stat_encoder(v: Variable, fmt: str) -> ColumnEncoder:
    """How a column becomes values pyreadstat writes for SPSS ("sav") or Stata ("dta")."""
    special = SAV_SPECIAL if fmt == "sav" else DTA_SPECIAL
    missing = math.nan if fmt == "sav" else None
    if v.kind in ("string", "codes"):
        return _texts(None if fmt == "sav" else "")  # Stata has no missing string but ""
    if v.value_labels:
        table = {key: float(number) for key, number in _numbers_of(v).items()}
        table.update({s: special[s] for s in v.specials} | {None: missing})
        return _lookup(v, table)
    other = _other(v, special, missing)
    if v.kind == "date":
        epoch, scale = (SPSS_EPOCH, 86_400.0) if fmt == "sav" else (STATA_EPOCH, 1.0)
        return _dates(v, epoch.date(), scale, other)
    if v.kind == "datetime":
        epoch, scale = (SPSS_EPOCH, 1.0) if fmt == "sav" else (STATA_EPOCH, 1000.0)  # %tc: ms
        return _times(v, epoch, scale, missing)
    if v.kind in ("time", "clock"):
        epoch, scale = (SPSS_EPOCH, 1.0) if fmt == "sav" else (STATA_EPOCH, 1000.0)  # %tc: ms
        return _clock(v, epoch, scale, other)
    numbers = _numbers(v, other)
    if fmt == "dta":
        return numbers

    def checked(cells: Sequence[Any]) -> list[Any]:
        if -98 in cells or -99 in cells:  # an answer that would read as dk/rf
            raise ExportError("an answer equals SPSS's code for don't know/refused (-98/-99)",
                              variable=v.name)  # fmt: skip
        return numbers(cells)

    return checked


def _stat_value_labels(v: Variable, fmt: str, lang: str) -> dict[Any, str]:
    """Value → label in `lang`, cut to the format's limit; dk/rf included for numbers."""
    if v.kind not in NUMERIC_KINDS:
        return {}
    special = SAV_SPECIAL if fmt == "sav" else DTA_SPECIAL
    numbers = _numbers_of(v) if v.value_labels else {}
    labels: dict[Any, str] = {
        float(numbers[key]): naming.cut(text_for(text, lang) or str(key), fmt, "value")
        for key, text in (v.value_labels or {}).items()
    }
    for s in v.specials:
        labels[special[s]] = naming.cut(text_for(SPECIAL_LABELS[s], lang), fmt, "value")
    return labels
