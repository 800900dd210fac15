"""Writers: one dataset → one file in CSV, XLSX, JSON, SPSS (.sav), Stata (.dta) or R (.rds).

docs/exports.md describes what each format receives. In short:

- CSV, XLSX and JSON stream the rows (memory stays flat) and keep the literal codes
  `dk` / `rf`; CSV and XLSX neutralise text that a spreadsheet could run as a formula.
- SPSS and Stata go through pyreadstat, which needs the whole table in a pandas
  DataFrame and cannot append, so their memory grows with the rows. Option codes
  become numbers with value labels; dk/rf become SPSS user-missing -98/-99 and Stata
  extended missing .d/.r. Names and labels follow naming.py.
- R: a data.frame serialised by this module (pyreadr cannot write attributes), with
  factors, Date and POSIXct columns, a "label" attribute on every column, NA for
  dk/rf and a `<name>_dkrf` factor saying which.

A writer given a path writes a temporary file beside it and renames it into place,
so a failed export never leaves a half-written file. Every writer returns the number
of data rows written, for checking against the database.
"""

from __future__ import annotations

import array
import contextlib
import csv
import gzip
import io
import itertools
import json
import math
import os
import re
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from survey.core.questionnaire import Special
from survey.core.types import format_number, is_blank
from survey.exports import naming
from survey.exports.dataset import (
    NUMERIC_KINDS,
    SPECIAL_CODES,
    SPECIAL_LABELS,
    Dataset,
    ExportError,
    Table,
    Variable,
    is_special,
    text_for,
)

Target = str | os.PathLike[str] | IO[Any]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
_FORMULA_FIRST = frozenset(FORMULA_START)
TEXT_KINDS = frozenset({"string", "code", "codes"})
XLSX_MAX_TEXT = 32_767  # characters in one cell
SAV_MAX_TEXT = 32_767  # bytes in one string value
SAV_SPECIAL = {Special.DONT_KNOW: -98.0, Special.REFUSED: -99.0}  # user-missing
DTA_SPECIAL = {Special.DONT_KNOW: "d", Special.REFUSED: "r"}  # extended missing .d .r
SPSS_EPOCH = datetime(1582, 10, 14, tzinfo=UTC)
STATA_EPOCH = datetime(1960, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------- cells


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula, prefixed with `'` (QUALITY.md INJ-02)."""
    return "'" + text if text.startswith(FORMULA_START) else text


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
    if v.kind == "codes":
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


# ---------------------------------------------------------------------------- targets


@contextmanager
def path_or_stream(target: Target, *, binary: bool) -> Iterator[Any]:
    """A file to write: a path is written atomically; a stream is used as it is."""
    if not isinstance(target, str | os.PathLike):
        yield target
        return
    path = Path(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        if binary:
            yield temporary
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def text_target(target: Target) -> Iterator[IO[str]]:
    """A UTF-8 text stream over a path, a text stream or a binary stream (left open)."""
    with path_or_stream(target, binary=False) as stream:
        if _is_text(stream):
            yield stream
            return
        wrapper = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        try:
            yield wrapper
        finally:
            wrapper.flush()
            wrapper.detach()


def _is_text(stream: Any) -> bool:
    if isinstance(stream, io.TextIOBase):
        return True
    if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
        return False
    return "b" not in getattr(stream, "mode", "w")


@contextmanager
def _file_path(target: Target) -> Iterator[str]:
    """A path for libraries that only write paths; copied to the stream if given one."""
    if isinstance(target, str | os.PathLike):
        with path_or_stream(target, binary=True) as path:
            yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export")
        yield path
        with open(path, "rb") as source:
            shutil.copyfileobj(source, target)


# ---------------------------------------------------------------------------- CSV


def write_csv(
    dataset: Dataset, target: Target, *, bom: bool = False, labels: str | None = None
) -> int:
    """RFC 4180 CSV in UTF-8 (with a BOM for Excel when asked); returns the row count.

    With `labels` (a language), a second row holds the variable labels in that language."""
    table = dataset.table("csv")
    count = 0
    with text_target(target) as stream:
        if bom:
            stream.write("\ufeff")
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([neutralise(v.name) for v in table.variables])
        if labels:
            writer.writerow([neutralise(v.label_in(labels)) for v in table.variables])
        for batch in text_batches(table):
            writer.writerows(batch)
            count += len(batch)
    return count


def iter_csv(dataset: Dataset, *, bom: bool = False) -> Iterator[bytes]:
    """The CSV of `write_csv` as UTF-8 chunks, for a streamed HTTP response."""
    table = dataset.table("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff" if bom else "")
    writer.writerow([neutralise(v.name) for v in table.variables])
    for batch in text_batches(table):
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------- XLSX

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_ESCAPE_LIKE = re.compile(r"(?=_x[0-9A-Fa-f]{4}_)")


def xlsx_text(text: str) -> str:
    """Text as an XLSX cell holds it (docs/exports.md): CR LF and CR become LF, control
    characters that XML cannot carry become U+FFFD, and `_xHHHH_` is escaped as
    `_x005F_xHHHH_` so that Excel does not decode it."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "_x" in text:
        text = _XLSX_ESCAPE_LIKE.sub("_x005F", text)
    text = _XLSX_ILLEGAL.sub("\ufffd", text)
    if len(text) > XLSX_MAX_TEXT:
        raise ExportError(f"text of {len(text)} characters; an XLSX cell holds {XLSX_MAX_TEXT}")
    return text


def write_xlsx(
    dataset: Dataset,
    target: Target,
    *,
    about: Mapping[str, Any] | None = None,
    lang_order: Sequence[str] = ("en", "zh-Hans", "zh-Hant"),
) -> int:
    """An XLSX workbook (write-only, so rows stream): sheets data, codebook and about."""
    from survey.exports import codebook  # which imports this module

    table = dataset.table("xlsx")
    kinds = [v.kind for v in table.variables]
    count = 0
    with write_only_workbook(target) as workbook:
        sheet = workbook.create_sheet("data")
        sheet.append([_xlsx_string(sheet, v.name) for v in table.variables])
        for row in table.rows:
            cells = [_xlsx_cell(sheet, kind, value) for kind, value in zip(kinds, row, strict=True)]
            sheet.append(cells)
            count += 1
        if dataset.questionnaire is not None:
            rows = codebook.codebook(dataset.questionnaire, dataset, lang_order)
            header, lines = codebook.tabulate(rows, lang_order)
            xlsx_sheet(workbook, "codebook", header, lines)
        xlsx_sheet(workbook, "about", ["item", "value"], _about_lines(about, table, count))
    return count


@contextmanager
def write_only_workbook(target: Target) -> Iterator[Any]:
    """An openpyxl write-only workbook, saved to `target` at the end of the block; on an
    error it is discarded (saving to nowhere closes its sheets and their temporary files)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        with contextlib.suppress(Exception):
            workbook.save(io.BytesIO())
        raise
    with path_or_stream(target, binary=True) as out:
        workbook.save(out)


def _xlsx_cell(sheet: Any, kind: str, value: Any) -> Any:
    if is_blank(value):
        return None
    if kind in TEXT_KINDS:
        return _xlsx_string(sheet, str(_joined(value)))
    if isinstance(value, str):  # dk/rf, or a date as stored
        return str(value) if value in SPECIAL_CODES else _parse_date(value)
    if kind == "datetime":
        return iso_datetime(value)
    return value  # numbers and dates: native cells


def _xlsx_string(sheet: Any, text: str) -> Any:
    """A cell that Excel shows as text even when it starts like a formula."""
    from openpyxl.cell import WriteOnlyCell

    text = xlsx_text(text)
    if not text.startswith(FORMULA_START):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever it starts with
    cell.quotePrefix = True  # and it stays text when someone edits it in Excel
    return cell


def xlsx_sheet(workbook: Any, title: str, header: list[str], lines: Iterable[list[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([_xlsx_string(sheet, h) for h in header])
    for line in lines:
        sheet.append([_xlsx_cell(sheet, "string", about_value(value)) for value in line])


def _about_lines(about: Mapping[str, Any] | None, table: Table, count: int) -> list[list[Any]]:
    lines = [[key, value] for key, value in (about or {}).items()]
    return [*lines, ["rows", count], ["variables", len(table.variables)]]


def about_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


# ---------------------------------------------------------------------------- JSON


def write_json(dataset: Dataset, target: Target, *, about: Mapping[str, Any] | None = None) -> int:
    """One JSON document: about, questionnaire, variables, then the records, streamed."""
    table = dataset.table("json")
    names = [v.name for v in table.variables]
    head = {
        "about": {key: _json_value(value) for key, value in (about or {}).items()},
        "questionnaire": dataset.questionnaire.to_dict() if dataset.questionnaire else None,
        "variables": [_variable_json(v) for v in table.variables],
    }
    count = 0
    with text_target(target) as stream:
        opening = json.dumps(head, ensure_ascii=False, indent=1, default=str)
        stream.write(opening.removesuffix("\n}") + ',\n "records": [')
        for row in itertools.chain.from_iterable(text_batches(table, "json")):
            stream.write(",\n  " if count else "\n  ")
            stream.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False))
            count += 1
        stream.write("\n ]\n}\n")
    return count


def _variable_json(v: Variable) -> dict[str, Any]:
    return {
        "name": v.name, "label": dict(v.label), "kind": v.kind, "role": v.role,
        "question": v.question, "side": v.side,
        "value_labels": {str(k): dict(t) for k, t in (v.value_labels or {}).items()} or None,
    }  # fmt: skip


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------- SPSS, Stata


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


def _times(v: Variable, epoch: datetime, scale: float, missing: Any) -> ColumnEncoder:
    """Cells (aware datetimes) → (seconds since `epoch`) × `scale`."""

    def encode(cells: Sequence[Any]) -> list[Any]:
        try:
            return [missing if c is None else (c - epoch).total_seconds() * scale for c in cells]
        except TypeError:
            raise ExportError("a datetime has no time zone", variable=v.name) from None

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
    if v.kind not in ("integer", "number", "date", "datetime", "code"):
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


def _frame(
    variables: Sequence[Variable], names: Mapping[str, str], columns: list[list[Any]]
) -> Any:
    """A pandas DataFrame: numbers as float64, or as objects when Stata's "d"/"r" are
    among them (pyreadstat's way to write extended missing values); text as objects."""
    import pandas as pd

    def series(v: Variable, values: list[Any]) -> Any:
        if v.kind in NUMERIC_KINDS and "d" not in values and "r" not in values:
            return pd.Series(values, dtype="float64")  # None becomes NaN
        return pd.Series(values, dtype=object)

    return pd.DataFrame(
        {names[v.name]: series(v, c) for v, c in zip(variables, columns, strict=True)}
    )


def write_sav(
    dataset: Dataset, target: Target, *, lang: str = "en", about: Mapping[str, Any] | None = None
) -> int:
    """SPSS .sav (UTF-8): labels in `lang`, codes as labelled numbers, dk/rf as -98/-99
    user-missing, dates and times as SPSS dates (times in UTC)."""
    import pyreadstat

    table = dataset.table("sav")
    names = naming.format_names(table.variables, "sav")
    columns, count = _encode_columns(table, [_stat_encoder(v, "sav") for v in table.variables])
    options: dict[str, dict[str, Any]] = {
        "column_labels": {}, "variable_value_labels": {}, "missing_ranges": {},
        "variable_format": {}, "variable_measure": {},
    }  # fmt: skip
    for v, column in zip(table.variables, columns, strict=True):
        name = names[v.name]
        width = _Width(v, column)
        options["column_labels"][name] = naming.cut(v.label_in(lang), "sav", "variable")
        if labels := _stat_value_labels(v, "sav", lang):
            options["variable_value_labels"][name] = labels
        if missing := _sav_missing(v, width):
            options["missing_ranges"][name] = missing
        if spss_format := _sav_format(v, width):
            options["variable_format"][name] = spss_format
        options["variable_measure"][name] = _sav_measure(v)
    frame = _frame(table.variables, names, columns)
    with _file_path(target) as path:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=_file_label(dataset, about, "sav"),
            note=_notes(dataset, about),
            **options,
        )
    return count


class _Width:
    """How wide an encoded SPSS column is: bytes for text; characters and decimals for
    numbers (their display format only: the values themselves are exact doubles)."""

    def __init__(self, v: Variable, column: list[Any]):
        self.width = self.decimals = 0
        if v.kind in ("string", "codes"):
            self.width = max(map(len, map(str.encode, filter(None, column))), default=0)
            if self.width > SAV_MAX_TEXT:
                raise ExportError(f"text longer than {SAV_MAX_TEXT} bytes", variable=v.name)
        elif v.kind in ("integer", "number", "code"):
            finite = [x for x in column if x == x]  # NaN is not equal to itself
            shown = [format_number(x) for x in (min(finite), max(finite))] if finite else []
            self.width = max(map(len, shown), default=1)
            if v.kind == "number":
                fractions = [format_number(x) for x in finite if not x.is_integer()]
                self.decimals = max((len(f.partition(".")[2]) for f in fractions), default=0)
                self.width = max([self.width, *map(len, fractions)])


def _sav_missing(v: Variable, width: _Width) -> list[Any]:
    if not v.specials:
        return []
    if v.kind not in ("string", "codes"):
        return [SAV_SPECIAL[s] for s in v.specials]
    # Only short strings (≤ 8 bytes): readers disagree on the long-string missing-values
    # record (PSPP 1.6 rejects the one ReadStat writes), so long strings keep dk/rf as text.
    return [str(s) for s in v.specials] if width.width <= 8 else []


def _sav_format(v: Variable, width: _Width) -> str | None:
    if v.kind == "date":
        return "SDATE10"  # yyyy/mm/dd
    if v.kind == "datetime":
        return "DATETIME20"
    if v.kind in ("code", "integer") or v.value_labels:
        return f"F{min(40, max(8, width.width))}.0"
    if v.kind == "number":
        decimals = min(16, width.decimals)
        return f"F{min(40, max(8, width.width + 1))}.{decimals}"
    return None


def _sav_measure(v: Variable) -> str:
    if v.kind == "code":
        return "ordinal" if v.ordered else "nominal"
    if v.kind in ("string", "codes") or v.value_labels:
        return "nominal"
    return "scale"


def write_dta(
    dataset: Dataset, target: Target, *, lang: str = "en", about: Mapping[str, Any] | None = None
) -> int:
    """Stata .dta 118 (UTF-8; 119 past 32,767 variables): labels in `lang`, codes as
    labelled numbers, dk/rf as extended missing .d/.r, long text as strL."""
    import pyreadstat

    table = dataset.table("dta")
    names = naming.format_names(table.variables, "dta")
    columns, count = _encode_columns(table, [_stat_encoder(v, "dta") for v in table.variables])
    labels, value_labels, missing, formats = {}, {}, {}, {}
    for v in table.variables:
        name = names[v.name]
        labels[name] = naming.cut(v.label_in(lang), "dta", "variable")
        if found := _stat_value_labels(v, "dta", lang):
            value_labels[name] = found
        if v.specials and v.kind not in ("string", "codes"):
            missing[name] = [DTA_SPECIAL[s] for s in v.specials]
        if v.kind in ("date", "datetime"):
            formats[name] = "%tdCCYY-NN-DD" if v.kind == "date" else "%tc"
    frame = _frame(table.variables, names, columns)
    with _file_path(target) as path:
        pyreadstat.write_dta(
            frame,
            path,
            file_label=_file_label(dataset, about, "dta"),
            column_labels=labels,
            variable_value_labels=value_labels,
            missing_user_values=missing,
            variable_format=formats,
            version=14 if len(table.variables) <= 32_767 else 15,
        )
    return count


def _file_label(dataset: Dataset, about: Mapping[str, Any] | None, fmt: str) -> str:
    q = dataset.questionnaire
    label = (about or {}).get("title") or (f"{q.key} {q.version}" if q else "")
    return naming.cut(str(label), fmt, "file")


def _notes(dataset: Dataset, about: Mapping[str, Any] | None) -> list[str]:
    q = dataset.questionnaire
    lines = [f"questionnaire {q.key} {q.version} sha256 {q.content_hash()}"] if q else []
    lines += [f"{key}: {about_value(value)}" for key, value in (about or {}).items()]
    return [naming.cut_bytes(line, 80) for line in lines]


# ---------------------------------------------------------------------------- R

R_NA_INTEGER = -(2**31)
R_NA_REAL = struct.unpack(">d", bytes.fromhex("7ff00000000007a2"))[0]
_R_INT = struct.Struct(">i")
_R_SERIAL_VERSION = 2  # readable by every R since 1.4
_R_WRITER = (4 << 16) | (2 << 8) | 2  # "written by" R 4.2.2
_R_MIN_READER = (2 << 16) | (3 << 8)  # R 2.3.0
_STRSXP, _INTSXP, _REALSXP, _VECSXP, _LISTSXP, _SYMSXP, _CHARSXP = 16, 13, 14, 19, 2, 1, 9
_NILVALUE = 254
_UTF8, _ASCII = 8, 64  # CHARSXP encoding flags


def write_rds(dataset: Dataset, target: Target, *, lang: str = "en") -> int:
    """An R data.frame (.rds, gzip, serialisation version 2) with labels in `lang`.

    Every column has a "label" attribute; codes are factors (ordered for scales) whose
    levels are the option labels; dates are Date, times POSIXct in UTC; dk/rf are NA,
    and the `<name>_dkrf` factor says which.
    """
    table = dataset.table("rds")
    names = naming.format_names(table.variables, "rds")
    encoders = [_r_encoder(v) for v in table.variables]
    columns, count = _encode_columns(table, encoders)
    with path_or_stream(target, binary=True) as out, _gzip(out) as stream:
        serializer = _RSerializer(stream)
        writers = [
            _r_column_writer(serializer, v, column, lang)
            for v, column in zip(table.variables, columns, strict=True)
        ]
        serializer.data_frame([names[v.name] for v in table.variables], writers, count)
    return count


def _gzip(out: str | IO[bytes]) -> gzip.GzipFile:
    if isinstance(out, str):
        return gzip.GzipFile(out, "wb", compresslevel=6, mtime=0)
    return gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0)


def _r_encoder(v: Variable) -> ColumnEncoder:
    """A column → what the R column holds: text, factor indexes, or doubles; NA for no
    answer and for dk/rf (the `_dkrf` factor, itself a code variable, says which)."""
    if v.kind in ("string", "codes"):
        return _texts(None, special_missing=bool(v.specials))
    na_specials = {} if v.role == "special" else {s: R_NA_INTEGER for s in v.specials}
    if v.kind == "code":
        table = {code: i for i, code in enumerate(v.value_labels or {}, start=1)}
        return _lookup(v, table | na_specials | {None: R_NA_INTEGER})
    other = _other(v, dict.fromkeys(v.specials, R_NA_REAL), R_NA_REAL)
    if v.kind == "date":
        return _dates(v, UNIX_EPOCH.date(), 1.0, other)
    if v.kind == "datetime":
        return _times(v, UNIX_EPOCH, 1.0, R_NA_REAL)
    return _numbers(v, other)


def _r_column_writer(
    r: _RSerializer, v: Variable, values: list[Any], lang: str
) -> Callable[[], None]:
    label = [("label", lambda: r.strings([v.label_in(lang)]))]
    if v.kind in ("string", "codes"):
        return lambda: r.strings(values, label)
    if v.kind == "code":
        levels = _r_levels(v, lang)
        classes = ["ordered", "factor"] if v.ordered else ["factor"]
        attributes = [
            ("levels", lambda: r.strings(levels)),
            ("class", lambda: r.strings(classes)),
            *label,
        ]
        return lambda: r.integers(values, attributes)
    if v.kind == "date":
        return lambda: r.reals(values, [("class", lambda: r.strings(["Date"])), *label])
    if v.kind == "datetime":
        attributes = [
            ("class", lambda: r.strings(["POSIXct", "POSIXt"])),
            ("tzone", lambda: r.strings(["UTC"])),
            *label,
        ]
        return lambda: r.reals(values, attributes)
    return lambda: r.reals(values, label)


def _r_levels(v: Variable, lang: str) -> list[str]:
    """Factor levels: the option labels in `lang`; a repeated label gets its code added."""
    labels = [(code, text_for(text, lang) or str(code)) for code, text in _items(v)]
    seen = [label for _, label in labels]
    return [label if seen.count(label) == 1 else f"{label} ({code})" for code, label in labels]


def _items(v: Variable) -> list[tuple[Any, Any]]:
    return list((v.value_labels or {}).items())


_R_NA_STRING = _R_INT.pack(_CHARSXP) + _R_INT.pack(-1)
_R_ASCII = _R_INT.pack(_CHARSXP | _ASCII << 12)
_R_UTF8 = _R_INT.pack(_CHARSXP | _UTF8 << 12)


def _charsxp(text: str | None) -> bytes:
    """One string as R serialises it: flags (ASCII or UTF-8), length in bytes, bytes."""
    if text is None:
        return _R_NA_STRING
    data = text.encode("utf-8")
    flags = _R_ASCII if len(data) == len(text) else _R_UTF8
    return flags + _R_INT.pack(len(data)) + data


class _RSerializer:
    """Just enough of R's serialisation format (XDR, version 2) for a data.frame."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        out.write(b"X\n")
        for number in (_R_SERIAL_VERSION, _R_WRITER, _R_MIN_READER):
            self._int(number)

    def _int(self, number: int) -> None:
        self.out.write(_R_INT.pack(number))

    def _flags(
        self,
        kind: int,
        *,
        is_object: bool = False,
        attributes: bool = False,
        tag: bool = False,
        levels: int = 0,
    ) -> None:
        self._int(kind | is_object << 8 | attributes << 9 | tag << 10 | levels << 12)

    def _head(self, kind: int, length: int, attributes: Sequence[tuple[str, Any]]) -> None:
        is_object = any(name == "class" for name, _ in attributes)
        self._flags(kind, is_object=is_object, attributes=bool(attributes))
        self._int(length)

    def _attributes(self, attributes: Sequence[tuple[str, Callable[[], None]]]) -> None:
        if not attributes:
            return
        for name, write in attributes:  # a pairlist: tag (a symbol), value, next
            self._flags(_LISTSXP, tag=True)
            self._flags(_SYMSXP)
            self._charsxp(name)
            write()
        self._int(_NILVALUE)

    def _charsxp(self, text: str | None) -> None:
        self.out.write(_charsxp(text))

    def strings(self, values: Sequence[str | None], attributes: Sequence[Any] = ()) -> None:
        self._head(_STRSXP, len(values), attributes)
        known: dict[str | None, bytes] = {}  # the same texts recur down a column
        chunk = []
        for value in values:
            encoded = known.get(value)
            if encoded is None:
                encoded = known[value] = _charsxp(value)
            chunk.append(encoded)
            if len(chunk) == 4096:
                self.out.write(b"".join(chunk))
                chunk.clear()
        self.out.write(b"".join(chunk))
        self._attributes(attributes)

    def integers(self, values: Sequence[int], attributes: Sequence[Any] = ()) -> None:
        self._numbers(_INTSXP, array.array("i", values), attributes)

    def reals(self, values: Sequence[float], attributes: Sequence[Any] = ()) -> None:
        self._numbers(_REALSXP, array.array("d", values), attributes)

    def _numbers(self, kind: int, data: array.array[Any], attributes: Sequence[Any]) -> None:
        self._head(kind, len(data), attributes)
        if sys.byteorder == "little":
            data.byteswap()  # XDR is big-endian
        self.out.write(data.tobytes())
        self._attributes(attributes)

    def data_frame(self, names: list[str], columns: list[Callable[[], None]], rows: int) -> None:
        self._head(_VECSXP, len(columns), [("class", None)])
        for write in columns:
            write()
        row_names = [R_NA_INTEGER, -rows] if rows else []  # R's compact automatic row names
        self._attributes([
            ("names", lambda: self.strings(names)),
            ("class", lambda: self.strings(["data.frame"])),
            ("row.names", lambda: self.integers(row_names)),
        ])  # fmt: skip
