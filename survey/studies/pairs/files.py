"""Reading a pairs file (.csv in any of its encodings, .xlsx) and writing one, formula-safe."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from survey.core.archives import ArchiveTooLargeError, check_archive
from survey.studies.pairs.columns import COLUMNS, ESCAPE_START, MAX_ROWS
from survey.studies.pairs.problems import PairsImportError, RowProblem


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)


class _CellError(Exception):
    """A cell value is refused: the message code and its parameters."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params


def _fail(code: str, row: int | None = None, **params: Any) -> PairsImportError:
    return PairsImportError([RowProblem(row, None, code, params)])


def read_table(path: Path, encoding: str | None = None) -> _Table:
    """The header and non-blank rows of a .csv or .xlsx file; PairsImportError when unreadable."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path.read_bytes(), encoding)
    elif suffix == ".xlsx":
        rows = _read_xlsx(path)
    else:
        raise _fail("unsupported_type", suffix=suffix or "(none)")
    if len(rows) > MAX_ROWS + 1:
        raise _fail("too_many_rows", max=MAX_ROWS)
    numbered = [
        (n, cells) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise _fail("empty_file")
    if len(numbered) == 1:
        raise _fail("no_rows")
    return _Table(header=numbered[0][1], rows=numbered[1:])


def _read_csv(data: bytes, encoding: str | None) -> list[list[str]]:
    text = _decode(data, encoding).removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise _fail("bad_csv", row=len(rows) + 1, error=str(exc)) from exc
    return rows


def _decode(data: bytes, encoding: str | None) -> str:
    """Text of a CSV: the given encoding, else UTF-8 (BOM or not), else GB18030."""
    if data.startswith(b"PK\x03\x04"):
        raise _fail("xlsx_named_csv")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail("utf16")
    if b"\x00" in data:
        raise _fail("not_text", line=_line_of(data, data.index(b"\x00")))
    if encoding:
        return _decode_as(data, encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_failed_at = exc.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        # The encoding that read further is the file's; its first bad byte is the one to show.
        line = _line_of(data, max(utf8_failed_at, exc.start))
        raise _fail("undecodable", line=line) from exc


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise _fail("unknown_encoding", encoding=encoding) from exc
    try:
        return data.decode("utf-8-sig" if name == "utf-8" else name)
    except UnicodeDecodeError as exc:
        raise _fail("wrong_encoding", line=_line_of(data, exc.start), encoding=encoding) from exc


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        check_archive(path)
    except ArchiveTooLargeError as refused:
        raise _fail(refused.reason, **refused.shown()) from refused
    try:
        with warnings.catch_warnings():
            # Workbooks from other tools warn about styles or extensions we do not read.
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise _fail("bad_xlsx") from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong sheet size; read every row
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold (a formula stays its text, `=…`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def unescape(value: str) -> str:
    """Undo export's formula guard: strip a leading ' followed by = + - @ tab CR or '."""
    if value.startswith("'") and value[1:2] and value[1] in ESCAPE_START:
        return value[1:]
    return value


def escape(value: Any) -> Any:
    """A CSV cell that Excel shows as text, never runs as a formula (INJ-02)."""
    if isinstance(value, str) and value.startswith(ESCAPE_START):
        return "'" + value
    return "" if value is None else value


def write_pairs_csv(rows: Sequence[dict[str, Any]], stream: IO[str]) -> None:
    """RFC 4180 CSV (CRLF, minimal quoting) with formula-like cells guarded by a leading '."""
    columns = list(rows[0]) if rows else list(COLUMNS)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([escape(c) for c in columns])
    for row in rows:
        writer.writerow([escape(row[c]) for c in columns])


def pairs_file(rows: Sequence[dict[str, Any]], fmt: str, *, bom: bool = True) -> bytes:
    """The rows as an .xlsx workbook or a CSV (UTF-8; with a BOM so Excel reads Chinese right)."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_pairs_xlsx(rows, buffer)
        return buffer.getvalue()
    text = io.StringIO(newline="")
    write_pairs_csv(rows, text)
    return text.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_pairs_xlsx(rows: Sequence[dict[str, Any]], stream: IO[bytes] | str | Path) -> None:
    """An .xlsx workbook of the rows; text cells are typed as text, so nothing runs as a formula."""
    from openpyxl import Workbook

    columns = list(rows[0]) if rows else list(COLUMNS)
    book = Workbook()
    sheet = book.active
    sheet.title = "pairs"
    for values in [columns, *([row[c] for c in columns] for row in rows)]:
        sheet.append(["" if v is None else v for v in values])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula otherwise
    book.save(stream)
