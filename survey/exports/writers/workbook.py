"""XLSX cells and sheets: text that never runs as a formula, native numbers and dates."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from survey.core.formulas import FORMULA_START
from survey.core.types import is_blank
from survey.exports.dataset import SPECIAL_CODES, ExportError
from survey.exports.writers.cells import TEXT_KINDS, _joined, _parse_date, iso_datetime
from survey.exports.writers.targets import Target, path_or_stream

XLSX_MAX_TEXT = 32_767  # characters in one cell


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
