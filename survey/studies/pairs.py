"""Pairs and respondents: the pairs file (all-or-nothing import, export) and the edits behind
the researcher pages (pairs, respondents, members, interviewer assignments).

The pairs file (PRODUCT.md, "Exchange formats") has one row per side::

    pair, kind, established, side, place_en, place_zh, region, organization,
    respondent_name, respondent_email, respondent_phone, position, years_involved, language

Import
- All or nothing: every row is checked first; on any problem `PairsImportError` lists every
  problem (row as in the file, header = row 1; column) and nothing is written.
- Rows match on (pair code, side code): known pairs are updated in place, new ones created.
  Pairs of the study that the file does not mention are left alone (and reported).
- A standard column absent from the header leaves that field untouched; a blank cell in a
  present column clears it.
- Unknown columns become pair attributes (`Pair.attributes`) when both rows of the pair agree
  (a blank on one row is not a disagreement); a blank removes the attribute from that pair.
- Text is stored as given (no trimming; `=SUM(A1)` is just text). Codes, numbers, e-mail
  addresses and languages are normalised; CR/LF is refused in one-line fields (INJ-03).
- CSV: UTF-8 with or without BOM, else GB18030 (what Chinese Excel writes), or the encoding
  given; separated by commas (semicolons or tabs are recognised). XLSX: the first sheet.

Export writes the same columns (plus one per attribute) for the primary respondent of each side.
So that the CSV is safe to open in Excel (QUALITY.md INJ-02) a cell starting with = + - @ tab
CR or ' gets a leading ', and import strips a leading ' that is followed by one of those
characters, so export → import is exactly a no-op. XLSX cells are typed as text instead.

Audit: one row per import with counts, the created pair codes and, per updated pair, the
changed fields. Old → new values are kept for pair and place fields; for a respondent's name,
e-mail and phone only the field name, because the audit log is append-only and personal contact
data in it could never be erased.

Members: a member may grant or change roles only up to their own (ACL-04 grant ceiling) and
never touch a member ranked above them; the last owner cannot be removed or demoted.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from email_validator import EmailNotValidError, validate_email
from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from survey import audit, i18n
from survey.accounts.models import User
from survey.errors import NotFoundError, ServiceError
from survey.studies import services
from survey.studies.models import (
    ROLES,
    InterviewerAssignment,
    Membership,
    Pair,
    PairSide,
    Respondent,
    Study,
    StudySide,
)

COLUMNS = (
    "pair", "kind", "established", "side", "place_en", "place_zh", "region", "organization",
    "respondent_name", "respondent_email", "respondent_phone", "position", "years_involved",
    "language",
)  # fmt: skip
REQUIRED = ("pair", "side")
PAIR_COLUMNS = ("kind", "established")
PLACE_COLUMNS = ("place_en", "place_zh", "region", "organization")
RESPONDENT_COLUMNS = {
    "respondent_name": "name",
    "respondent_email": "email",
    "respondent_phone": "phone",
    "position": "position",
    "years_involved": "years_involved",
    "language": "language",
}
PERSON = ("name", "email", "phone", "organization", "position", "years_involved", "language")
PERSON_COLUMN = {f: c for c, f in RESPONDENT_COLUMNS.items()} | {
    "organization": "respondent_organization"
}
PERSONAL = frozenset({"respondent_name", "respondent_email", "respondent_phone"})
MAX_LENGTH = {
    "pair": 100, "kind": 50, "place_en": 200, "place_zh": 200, "region": 200,
    "organization": 300, "respondent_name": 200, "respondent_email": 254,
    "respondent_phone": 50, "position": 200, "attribute": 1000,
}  # fmt: skip
MULTILINE = frozenset({"organization", "attribute"})  # Excel cells with Alt+Enter are fine here
PAIR_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A CSV cell starting with one of these gets a leading ' on export (INJ-02); ' is included so
# that a value that really starts with ' survives the round trip.
ESCAPE_START = ("=", "+", "-", "@", "\t", "\r", "'")
MAX_ROWS = 200_000
MAX_YEARS_INVOLVED = 120
PAGE_SIZE = 100
CONTACT_ROLE = "researcher"  # the lowest role that sees e-mails and phones, and may download
MANAGER_ROLE = "researcher"  # the lowest role that manages members (up to its own rank)
RANK = {role: len(ROLES) - index for index, role in enumerate(ROLES)}  # owner 4 … viewer 1
# Model field (web forms) → pairs-file column, for the validators both share.
FIELD_COLUMN = {
    "code": "pair",
    "name": "respondent_name",
    "email": "respondent_email",
    "phone": "respondent_phone",
}

MESSAGES = {
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has a header row but no data rows."),
    "unsupported_type": _l("Unsupported file type %(suffix)s: use .csv or .xlsx."),
    "bad_xlsx": _l("This is not a readable .xlsx workbook."),
    "xlsx_named_csv": _l("This is an Excel workbook with a .csv name: upload it as .xlsx."),
    "utf16": _l("This is a UTF-16 text file: save it from Excel as “CSV UTF-8” instead."),
    "not_text": _l("Line %(line)s contains NUL bytes: this is not a CSV text file."),
    "undecodable": _l("Line %(line)s is neither UTF-8 nor GB18030 text: give the file's encoding."),
    "wrong_encoding": _l("Line %(line)s is not valid %(encoding)s text."),
    "unknown_encoding": _l("Unknown encoding %(encoding)s."),
    "bad_csv": _l("The CSV file could not be read: %(error)s"),
    "too_many_rows": _l("The file has more than %(max)s rows."),
    "missing_column": _l("The required column %(column)s is missing."),
    "duplicate_column": _l("The column %(column)s appears twice (also column %(first)s)."),
    "unnamed_cell": _l("Column %(number)s has a value but no name in the header row."),
    "required": _l("This cell must not be empty."),
    "bad_pair_code": _l(
        "%(value)s is not a pair code: use lower-case letters, digits and hyphens, "
        "starting with a letter or digit."
    ),
    "unknown_side": _l("Unknown side %(value)s: this study's sides are %(sides)s."),
    "one_side": _l("Pair %(pair)s has only side %(side)s: add a row for side %(missing)s."),
    "duplicate_side": _l("Side %(side)s of pair %(pair)s is already on row %(first)s."),
    "conflict": _l("%(value)s differs from %(other)s on row %(first)s, the pair's other row."),
    "bad_email": _l("%(value)s is not a valid e-mail address."),
    "bad_language": _l("Unknown language %(value)s: use en, zh-Hans or zh-Hant."),
    "bad_year": _l("%(value)s is not a year between 1000 and 2100."),
    "bad_years_involved": _l("%(value)s is not a whole number of years from 0 to %(max)s."),
    "line_break": _l("Line breaks are not allowed here."),
    "control_char": _l("This cell contains a control character."),
    "too_long": _l("Use at most %(max)s characters."),
    "pairs_file_invalid": _l("The pairs file has %(count)s problems; nothing was imported."),
    "pair_taken": _l("This study already has a pair %(pair)s."),
    "keep_primary": _l(
        "A side needs a primary respondent: make another respondent primary instead."
    ),
    "no_such_user": _l("There is no account with the e-mail %(email)s."),
    "grant_ceiling": _l("You cannot give a role above your own."),
    "above_you": _l("You cannot change a member whose role is above yours."),
    "last_owner": _l("A study needs at least one owner."),
    "not_interviewer": _l("Only members with the interviewer role can be assigned to pairs."),
}


def _message(code: str, params: dict[str, Any]) -> str:
    """The message for `code` in the current language (English outside an app)."""
    template = MESSAGES.get(code)
    if template is None:
        return ServiceError(None, code, **params).message
    text = str(template) if has_app_context() else template._args[0]
    return text % params if params else text


class PairError(ServiceError):
    """A refused pairs or members operation; its messages live in this module."""

    @property
    def message(self) -> str:
        return _message(self.code, self.params)


class ForbiddenError(PairError):
    """The acting member's role does not allow this (views answer 403)."""


@dataclass(frozen=True)
class RowProblem:
    """One problem of a pairs file: row as in the file (header = 1; None: the whole file)."""

    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return _message(self.code, self.params)

    def __str__(self) -> str:
        where = [str(self.row)] if self.row is not None else []
        return ": ".join([*where, *([self.column] if self.column else []), self.message])


class PairsImportError(PairError):
    """The file has problems; `problems` lists every one, and nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]):
        super().__init__(None, "pairs_file_invalid", count=len(problems))
        self.problems = sorted(problems, key=lambda p: (p.row or 0, _column_order(p.column)))


def _column_order(column: str | None) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


@dataclass(frozen=True)
class FieldChange:
    """One changed field of an updated pair: `us.respondent_email`, `kind`, `attributes.x`."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: Any) -> str:
    return (
        "(blank)" if value in (None, "") else repr(value) if isinstance(value, str) else str(value)
    )


@dataclass
class PairsImportReport:
    """What an import did (or, for a dry run, would do), pair by pair."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        """`3 created, 1 updated, 33 unchanged` (English, for the command line)."""
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


# ---------------------------------------------------------------- reading files


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


# ---------------------------------------------------------------- checking cells


def clean(column: str, value: str, sides: Sequence[str] = ()) -> Any:
    """A pairs-file cell checked and normalised; _CellError when refused."""
    if column == "pair":
        return _pair_code(value.strip())
    if column == "side":
        return _side(value.strip(), sides)
    if column == "established":
        return _integer(value.strip(), 1000, 2100, "bad_year")
    if column == "years_involved":
        return _integer(value.strip(), 0, MAX_YEARS_INVOLVED, "bad_years_involved")
    if column == "language":
        return _language(value.strip())
    if column == "respondent_email":
        return _email(value.strip())
    return _text(column, value)


def _pair_code(value: str) -> str:
    if not value:
        raise _CellError("required")
    if not PAIR_CODE.match(value) or len(value) > MAX_LENGTH["pair"]:
        raise _CellError("bad_pair_code", value=value)
    return value


def _side(value: str, sides: Sequence[str]) -> str:
    if not value:
        raise _CellError("required")
    if value not in sides:
        raise _CellError("unknown_side", value=value, sides=", ".join(sides))
    return value


def _integer(value: str, low: int, high: int, code: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise _CellError(code, value=value, max=high)
    return int(value)


def _language(value: str) -> str | None:
    if not value:
        return None
    locale = i18n.normalize(value) if LANGUAGE_TAG.match(value) else None
    if locale is None:
        raise _CellError("bad_language", value=value)
    return i18n.tag(locale)


def _email(value: str) -> str:
    if not value:
        return ""
    _text("respondent_email", value)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise _CellError("bad_email", value=value) from exc


def _text(column: str, value: str) -> str:
    if column not in MULTILINE and ("\r" in value or "\n" in value):
        raise _CellError("line_break")
    if CONTROL.search(value):
        raise _CellError("control_char")
    if len(value) > MAX_LENGTH.get(column, MAX_LENGTH["attribute"]):
        raise _CellError("too_long", max=MAX_LENGTH.get(column, MAX_LENGTH["attribute"]))
    return value


# ---------------------------------------------------------------- checking the file


@dataclass
class _SideRow:
    row: int
    pair: str
    side: str
    values: dict[str, Any]  # the standard columns present in the file, checked
    attributes: dict[str, str]  # the extra columns, raw ("" when blank)


@dataclass
class _Checked:
    groups: dict[str, dict[str, _SideRow]]  # pair code → side code → row, in file order
    present: frozenset[str]  # standard columns present in the header
    kept: list[str]  # extra columns, kept as attributes


def check_table(table: _Table, side_codes: Sequence[str]) -> _Checked:
    """Every row and every pair checked; PairsImportError listing every problem."""
    mapping, problems = _map_header(table.header)
    rows: list[_SideRow] = []
    broken: set[str] = set()  # pairs with a row we could not place: skip the one-side check
    for number, cells in table.rows:
        row, row_problems = _check_row(number, cells, mapping, side_codes)
        problems += row_problems
        if row is not None:
            rows.append(row)
        elif (code := _code_of(cells, mapping)) is not None:
            broken.add(code)
    groups, group_problems = _group(rows, side_codes, broken)
    if problems or group_problems:
        raise PairsImportError(problems + group_problems)
    present = frozenset(k for k in mapping.values() if k in COLUMNS)
    return _Checked(groups, present, [k for k in mapping.values() if k not in COLUMNS])


def _map_header(header: list[str]) -> tuple[dict[int, str], list[RowProblem]]:
    """Column index → key: a standard column (case-insensitive) or an extra column's name."""
    mapping: dict[int, str] = {}
    first: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, cell in enumerate(header):
        name = unescape(cell).strip()
        if not name:
            continue
        folded = name.lower()
        if folded in first:
            problems.append(
                RowProblem(1, name, "duplicate_column", {"column": name, "first": first[folded]})
            )
            continue
        first[folded] = index + 1
        mapping[index] = folded if folded in COLUMNS else name
    for column in REQUIRED:
        if column not in mapping.values():
            problems.append(RowProblem(1, column, "missing_column", {"column": column}))
    return mapping, problems


def _check_row(
    number: int, cells: list[str], mapping: dict[int, str], sides: Sequence[str]
) -> tuple[_SideRow | None, list[RowProblem]]:
    problems = [
        RowProblem(number, None, "unnamed_cell", {"number": index + 1})
        for index, cell in enumerate(cells)
        if index not in mapping and cell.strip()
    ]
    values: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for index, key in mapping.items():
        raw = unescape(cells[index]) if index < len(cells) else ""
        try:
            if key in COLUMNS:
                values[key] = clean(key, raw, sides)
            else:
                attributes[key] = _text("attribute", raw)
        except _CellError as bad:
            problems.append(RowProblem(number, key, bad.code, bad.params))
    if "pair" not in values or "side" not in values:
        return None, problems
    # Placed even when other cells are wrong, so the pair checks still see this side.
    pair, side = values.pop("pair"), values.pop("side")
    return _SideRow(number, pair, side, values, attributes), problems


def _code_of(cells: list[str], mapping: dict[int, str]) -> str | None:
    """The row's pair code when it is valid (its other cells may not be)."""
    for index, key in mapping.items():
        if key == "pair" and index < len(cells):
            try:
                return _pair_code(unescape(cells[index]).strip())
            except _CellError:
                return None
    return None


def _group(
    rows: list[_SideRow], sides: Sequence[str], broken: set[str]
) -> tuple[dict[str, dict[str, _SideRow]], list[RowProblem]]:
    groups: dict[str, dict[str, _SideRow]] = {}
    problems: list[RowProblem] = []
    for row in rows:
        group = groups.setdefault(row.pair, {})
        if row.side in group:
            params = {"side": row.side, "pair": row.pair, "first": group[row.side].row}
            problems.append(RowProblem(row.row, "side", "duplicate_side", params))
        else:
            group[row.side] = row
    for code, group in groups.items():
        if len(group) == 1 and code not in broken:
            (only,) = group.values()
            missing = next(s for s in sides if s != only.side)
            params = {"pair": code, "side": only.side, "missing": missing}
            problems.append(RowProblem(only.row, "side", "one_side", params))
        elif len(group) == 2:
            problems += _conflicts(*group.values())
    return groups, problems


def _conflicts(first: _SideRow, second: _SideRow) -> list[RowProblem]:
    """Pair-level cells that differ between a pair's two rows (a blank is no disagreement)."""
    problems = []
    pairs_of_values = [(c, first.values.get(c), second.values.get(c)) for c in PAIR_COLUMNS]
    pairs_of_values += [(k, v, second.attributes.get(k)) for k, v in first.attributes.items()]
    for column, a, b in pairs_of_values:
        if a not in (None, "") and b not in (None, "") and a != b:
            params = {"value": b, "other": a, "first": first.row}
            problems.append(RowProblem(second.row, column, "conflict", params))
    return problems


# ---------------------------------------------------------------- import


def import_pairs(
    session: Session,
    study: Study,
    path: str | Path,
    *,
    encoding: str | None = None,
    user: User | None = None,
    dry_run: bool = False,
    source_name: str | None = None,
) -> PairsImportReport:
    """Check a pairs file completely, then create or update its pairs in place; all or nothing."""
    path = Path(path)
    checked = check_table(read_table(path, encoding), [s.code for s in study.sides])
    report = PairsImportReport(
        source=source_name or path.name, kept_columns=checked.kept, dry_run=dry_run
    )
    if not dry_run:
        _lock_study(session, study)
    stored = stored_pairs(session, study)
    writes = _Writes()
    for code, group in checked.groups.items():
        if code not in stored:
            report.created.append(code)
        elif changes := _diff_pair(study, stored[code], group, checked, writes):
            report.updated[code] = changes
        else:
            report.unchanged.append(code)
    report.not_in_file = [code for code in stored if code not in checked.groups]
    if not dry_run:
        _write(session, writes)
        _insert_pairs(session, study, [(c, checked.groups[c]) for c in report.created], checked)
        _audit_import(session, study, report, hashlib.sha256(path.read_bytes()).hexdigest(), user)
    return report


def _lock_study(session: Session, study: Study) -> None:
    """Serialise imports into one study (PostgreSQL), so two never create the same pair."""
    session.execute(select(Study.id).where(Study.id == study.id).with_for_update())


@dataclass
class StoredPair:
    """A stored pair as plain values, read with three queries (no ORM objects: thousands fly)."""

    id: int
    code: str
    values: dict[str, Any]  # kind, established, attributes
    sides: dict[int, dict[str, Any]] = field(default_factory=dict)  # side id → id, places
    people: dict[int, dict[str, Any]] = field(default_factory=dict)  # side id → primary's id, …


def stored_pairs(session: Session, study: Study) -> dict[str, StoredPair]:
    """The study's pairs by code, oldest first, with their sides and primary respondents."""
    found: dict[str, StoredPair] = {}
    by_id: dict[int, StoredPair] = {}
    query = select(Pair.id, Pair.code, Pair.kind, Pair.established, Pair.attributes)
    for row in session.execute(query.where(Pair.study_id == study.id).order_by(Pair.id)):
        values = {"kind": row.kind, "established": row.established}
        pair = StoredPair(row.id, row.code, {**values, "attributes": dict(row.attributes or {})})
        found[row.code] = by_id[row.id] = pair
    in_study = PairSide.pair_id.in_(select(Pair.id).where(Pair.study_id == study.id))
    side_of: dict[int, tuple[StoredPair, int]] = {}
    places = [getattr(PairSide, c) for c in PLACE_COLUMNS]
    query = select(PairSide.id, PairSide.pair_id, PairSide.side_id, *places).where(in_study)
    for row in session.execute(query):
        pair = by_id[row.pair_id]
        pair.sides[row.side_id] = {"id": row.id, **{c: getattr(row, c) for c in PLACE_COLUMNS}}
        side_of[row.id] = (pair, row.side_id)
    query = (
        select(Respondent.id, Respondent.pair_side_id, *(getattr(Respondent, f) for f in PERSON))
        .join(PairSide, PairSide.id == Respondent.pair_side_id)
        .where(in_study, Respondent.is_primary.is_(True))
        .order_by(Respondent.id)
    )
    for row in session.execute(query):
        pair, side_id = side_of[row.pair_side_id]
        pair.people.setdefault(side_id, {"id": row.id, **{f: getattr(row, f) for f in PERSON}})
    return found


@dataclass
class _Writes:
    """What an import changes in stored pairs: parameter rows for bulk UPDATEs and INSERTs."""

    updates: dict[type, list[dict[str, Any]]] = field(
        default_factory=lambda: {Pair: [], PairSide: [], Respondent: []}
    )
    new_sides: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    new_people: list[dict[str, Any]] = field(default_factory=list)


def _same(old: Any, new: Any) -> bool:
    return old == new or (old in (None, "") and new in (None, ""))


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in new.items() if not _same(old.get(key), value)}


def _diff_pair(
    study: Study,
    stored: StoredPair,
    group: dict[str, _SideRow],
    checked: _Checked,
    writes: _Writes,
) -> list[FieldChange]:
    """The changes a pair's rows make, noted in `writes`; [] when it is unchanged."""
    merged = _merged(group, checked)
    new = {c: merged[c] for c in PAIR_COLUMNS if c in checked.present}
    if "kind" in new:
        new["kind"] = new["kind"] or ""
    changed = _changed(stored.values, new)
    changes = [FieldChange(k, stored.values[k], v) for k, v in changed.items()]
    if checked.kept:
        old = stored.values["attributes"]
        attributes = {k: v for k, v in old.items() if k not in checked.kept}
        attributes.update({k: merged[k] for k in checked.kept if merged[k] is not None})
        for key in sorted(set(old) | set(attributes)):
            if old.get(key) != attributes.get(key):
                changes.append(FieldChange(f"attributes.{key}", old.get(key), attributes.get(key)))
        if attributes != old:
            changed["attributes"] = attributes
    if changed:
        writes.updates[Pair].append({"id": stored.id, **changed})
    for side in study.sides:
        if side.code in group:
            changes += _diff_side(stored, side.id, group[side.code], checked, writes)
    return changes


def _diff_side(
    stored: StoredPair, side_id: int, row: _SideRow, checked: _Checked, writes: _Writes
) -> list[FieldChange]:
    person = _respondent_values(row, checked.present)
    old_side = stored.sides.get(side_id)
    if old_side is None:  # a pair stored with one side only (never by an import)
        places = {c: row.values.get(c, "") for c in PLACE_COLUMNS}
        writes.new_sides.append(({"pair_id": stored.id, "side_id": side_id, **places}, person))
        return [FieldChange(row.side, None, "added")]
    changed = _changed(old_side, {c: row.values[c] for c in PLACE_COLUMNS if c in checked.present})
    changes = [FieldChange(f"{row.side}.{k}", old_side[k], v) for k, v in changed.items()]
    if changed:
        writes.updates[PairSide].append({"id": old_side["id"], **changed})
    old_person = stored.people.get(side_id)
    if old_person is None:
        if _filled(person):
            writes.new_people.append({"pair_side_id": old_side["id"], "is_primary": True, **person})
            changes.append(FieldChange(f"{row.side}.respondent", None, "added"))
        return changes
    changed = _changed(old_person, person)
    changes += [
        FieldChange(f"{row.side}.{PERSON_COLUMN[k]}", old_person[k], v) for k, v in changed.items()
    ]
    if changed:
        writes.updates[Respondent].append({"id": old_person["id"], **changed})
    return changes


def _write(session: Session, writes: _Writes) -> None:
    """Apply the noted changes with bulk statements, and expire what the session holds of them."""
    session.flush()
    for model, rows in writes.updates.items():
        if rows:
            session.execute(update(model), rows)
            _expire(session, model, [row["id"] for row in rows])
    if writes.new_sides:
        side_ids = _inserted_ids(session, PairSide, [side for side, _ in writes.new_sides])
        for pair_side_id, (side, person) in zip(side_ids, writes.new_sides, strict=True):
            _expire(session, Pair, [side["pair_id"]])
            if _filled(person):
                writes.new_people.append(
                    {"pair_side_id": pair_side_id, "is_primary": True, **person}
                )
    if writes.new_people:
        session.execute(insert(Respondent), writes.new_people)
        _expire(session, PairSide, [row["pair_side_id"] for row in writes.new_people])


def _expire(session: Session, model: type, ids: Iterable[int]) -> None:
    """Bulk statements bypass the identity map: objects loaded earlier must reload."""
    for object_id in ids:
        loaded = session.identity_map.get(identity_key(model, object_id))
        if loaded is not None:
            session.expire(loaded)


def _merged(group: dict[str, _SideRow], checked: _Checked) -> dict[str, Any]:
    """The pair-level values of a pair's rows: the non-blank one wins (they agree)."""
    merged: dict[str, Any] = {}
    for column in (*PAIR_COLUMNS, *checked.kept):
        found = [r.values.get(column, r.attributes.get(column)) for r in group.values()]
        merged[column] = next((v for v in found if v not in (None, "")), None)
    return merged


def _insert_pairs(
    session: Session, study: Study, new: list[tuple[str, dict[str, _SideRow]]], checked: _Checked
) -> None:
    """Insert new pairs, then their sides, then their respondents: one bulk INSERT each.

    Bulk statements rather than ORM objects: creating thousands of pairs through the unit of
    work costs several times as much (benchmarks/pairs_import.py).
    """
    if not new:
        return
    pair_rows = []
    for code, group in new:
        merged = _merged(group, checked)
        pair_rows.append(
            {
                "study_id": study.id,
                "code": code,
                "kind": merged["kind"] or "",
                "established": merged["established"],
                "attributes": {k: merged[k] for k in checked.kept if merged[k] is not None},
            }
        )
    pair_ids = _inserted_ids(session, Pair, pair_rows)
    side_ids = {s.code: s.id for s in study.sides}
    side_rows, people = [], []
    for pair_id, (_code, group) in zip(pair_ids, new, strict=True):
        for side_code, row in group.items():
            places = {c: row.values.get(c, "") for c in PLACE_COLUMNS}
            side_rows.append({"pair_id": pair_id, "side_id": side_ids[side_code], **places})
            people.append(_respondent_values(row, checked.present))
    respondent_rows = [
        {"pair_side_id": pair_side_id, "is_primary": True, **person}
        for pair_side_id, person in zip(
            _inserted_ids(session, PairSide, side_rows), people, strict=True
        )
        if _filled(person)
    ]
    if respondent_rows:
        session.execute(insert(Respondent), respondent_rows)


def _inserted_ids(session: Session, model: type[Pair | PairSide], rows: list[dict]) -> list[int]:
    """Insert the rows; their new ids, in the rows' order."""
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _filled(values: dict[str, Any]) -> bool:
    """Whether any value is given: a side without respondent data gets no empty respondent."""
    return any(v not in (None, "") for v in values.values())


def _respondent_values(row: _SideRow, present: frozenset[str]) -> dict[str, Any]:
    values = {f: row.values[c] for c, f in RESPONDENT_COLUMNS.items() if c in present}
    if "organization" in present:
        values["organization"] = row.values["organization"]
    return values


def primary_respondent(pair_side: PairSide) -> Respondent | None:
    """The side's primary respondent (the earliest, should there be several)."""
    primaries = [r for r in pair_side.respondents if r.is_primary]
    return min(primaries, key=lambda r: r.id or 0) if primaries else None


def _set(obj: Any, attr: str, new: Any, label: str, changes: list[FieldChange]) -> None:
    """Set an attribute of a loaded object, noting the change (edits from the pages)."""
    old = getattr(obj, attr)
    if not _same(old, new):
        changes.append(FieldChange(label, old, new))
        setattr(obj, attr, new)


def _audit_import(
    session: Session, study: Study, report: PairsImportReport, digest: str, user: User | None
) -> None:
    details = {
        "file": report.source,
        "sha256": digest,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "kept_columns": report.kept_columns,
        "created_pairs": report.created,
        "changes": {code: _audited(changes) for code, changes in report.updated.items()},
    }
    actor = {"actor_user_id": user.id} if user is not None else {}
    audit.record(
        session,
        "pairs.import",
        study_id=study.id,
        object_type="study",
        object_id=str(study.id),
        details=details,
        **actor,
    )


def _audited(changes: Iterable[FieldChange]) -> dict[str, Any]:
    """Field → [old, new], or just "changed" for personal contact data (see the module doc)."""
    result: dict[str, Any] = {}
    for change in changes:
        personal = change.field.rpartition(".")[2] in PERSONAL
        result[change.field] = "changed" if personal else [change.old, change.new]
    return result


# ---------------------------------------------------------------- export


def export_pairs(session: Session, study: Study, *, user: User | None = None) -> list[dict]:
    """One row per side in the pairs-file format (primary respondents), plus attribute columns."""
    stored = list(stored_pairs(session, study).values())
    extra = sorted({key for pair in stored for key in pair.values["attributes"]})
    rows = [
        _export_row(pair, side, extra)
        for pair in stored
        for side in study.sides
        if side.id in pair.sides
    ]
    actor = {"actor_user_id": user.id} if user is not None else {}
    audit.record(
        session,
        "pairs.export",
        study_id=study.id,
        object_type="study",
        object_id=str(study.id),
        details={"pairs": len(stored), "rows": len(rows)},
        **actor,
    )
    return rows


def _export_row(pair: StoredPair, side: StudySide, extra: list[str]) -> dict[str, Any]:
    person = pair.people.get(side.id, {})
    return {
        "pair": pair.code,
        "kind": pair.values["kind"],
        "established": pair.values["established"],
        "side": side.code,
        **{column: pair.sides[side.id][column] for column in PLACE_COLUMNS},
        **{column: person.get(name) or "" for column, name in RESPONDENT_COLUMNS.items()},
        "years_involved": person.get("years_involved"),
        **{key: pair.values["attributes"].get(key, "") for key in extra},
    }


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


# ---------------------------------------------------------------- reading for pages


def may_see_contacts(role: str) -> bool:
    """Whether a member with `role` sees respondents' e-mails and phones (and downloads them)."""
    return RANK[role] >= RANK[CONTACT_ROLE]


def list_pairs(
    session: Session,
    study: Study,
    *,
    kind: str | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[Pair], int]:
    """One page of the study's pairs by code (filtered by kind, searched in code and places)."""
    query = select(Pair).where(Pair.study_id == study.id)
    if kind:
        query = query.where(Pair.kind == kind)
    if search and search.strip():
        term = search.strip().lower()
        places = select(PairSide.pair_id).where(
            or_(
                func.lower(PairSide.place_en).contains(term, autoescape=True),
                PairSide.place_zh.contains(search.strip(), autoescape=True),
            )
        )
        query = query.where(or_(Pair.code.contains(term, autoescape=True), Pair.id.in_(places)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(Pair.code)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
        .options(selectinload(Pair.sides).selectinload(PairSide.respondents))
    )
    return list(found), total


def pair_kinds(session: Session, study: Study) -> list[str]:
    """The kinds of pair the study has, for the filter."""
    query = select(Pair.kind).where(Pair.study_id == study.id, Pair.kind != "").distinct()
    return sorted(session.scalars(query))


def get_pair(session: Session, study: Study, code: str) -> Pair:
    """The study's pair with this code; NotFoundError otherwise."""
    pair = session.scalar(
        select(Pair)
        .where(Pair.study_id == study.id, Pair.code == code)
        .options(selectinload(Pair.sides).selectinload(PairSide.respondents))
    )
    if pair is None:
        raise NotFoundError("pair", pair=code)
    return pair


def get_pair_side(pair: Pair, study: Study, side_code: str) -> PairSide:
    """The pair's side with this code; NotFoundError otherwise."""
    side_id = next((s.id for s in study.sides if s.code == side_code), None)
    found = next((ps for ps in pair.sides if ps.side_id == side_id), None)
    if found is None:
        raise NotFoundError("side", side=side_code)
    return found


def get_respondent(pair: Pair, respondent_id: int) -> Respondent:
    """A respondent of this pair (never one of another pair or study); NotFoundError otherwise."""
    for pair_side in pair.sides:
        for respondent in pair_side.respondents:
            if respondent.id == respondent_id:
                return respondent
    raise NotFoundError("respondent", id=respondent_id)


# ---------------------------------------------------------------- pairs and respondents


@dataclass(frozen=True)
class PlaceData:
    """One side's place and organisation, as a form gives them."""

    place_en: str = ""
    place_zh: str = ""
    region: str = ""
    organization: str = ""


@dataclass(frozen=True)
class PairData:
    """A pair as a form gives it; `places` by side code."""

    code: str
    kind: str = ""
    established: int | None = None
    places: dict[str, PlaceData] = field(default_factory=dict)


@dataclass(frozen=True)
class RespondentData:
    """A respondent as a form gives it."""

    name: str
    email: str = ""
    phone: str = ""
    organization: str = ""
    position: str = ""
    years_involved: int | None = None
    language: str | None = None
    is_primary: bool = False


_BLANK_PLACE = dict.fromkeys(PLACE_COLUMNS, "")


def _checked(field_name: str, value: Any, column: str | None = None) -> Any:
    """A form value through the pairs-file check of its column; PairError on the field."""
    column = column or FIELD_COLUMN.get(field_name, field_name)
    try:
        return clean(column, "" if value is None else str(value))
    except _CellError as bad:
        raise PairError(field_name, bad.code, **bad.params) from bad


def create_pair(session: Session, study: Study, data: PairData) -> Pair:
    """Create a pair with both its sides' places."""
    pair = Pair(study_id=study.id, code="", kind="", attributes={})
    for side in study.sides:
        PairSide(pair=pair, side_id=side.id)
    _apply_pair(session, study, pair, data)
    session.add(pair)
    session.flush()
    details = {"code": pair.code, "kind": pair.kind, "established": pair.established}
    _audit(session, study, "pair.create", "pair", pair.id, details)
    return pair


def update_pair(session: Session, study: Study, pair: Pair, data: PairData) -> list[FieldChange]:
    """Change a pair's code, kind, year and places; return what changed."""
    changes = _apply_pair(session, study, pair, data)
    session.flush()
    if changes:
        details = {"pair": pair.code, "changes": _audited(changes)}
        _audit(session, study, "pair.update", "pair", pair.id, details)
    return changes


def _apply_pair(session: Session, study: Study, pair: Pair, data: PairData) -> list[FieldChange]:
    code = _checked("code", data.code)
    taken = select(Pair.id).where(Pair.study_id == study.id, Pair.code == code)
    if pair.id is not None:
        taken = taken.where(Pair.id != pair.id)
    if session.scalar(taken):
        raise PairError("code", "pair_taken", pair=code)
    values = {
        "code": code,
        "kind": _checked("kind", data.kind),
        "established": _checked("established", data.established),
    }
    places = {
        side.code: {
            c: _checked(f"{side.code}.{c}", getattr(data.places.get(side.code, PlaceData()), c), c)
            for c in PLACE_COLUMNS
        }
        for side in study.sides
    }
    changes: list[FieldChange] = []
    for name, value in values.items():
        _set(pair, name, value, name, changes)
    by_side = {ps.side_id: ps for ps in pair.sides}
    for side in study.sides:
        pair_side = by_side.get(side.id) or PairSide(pair=pair, side_id=side.id, **_BLANK_PLACE)
        for column, value in places[side.code].items():
            _set(pair_side, column, value, f"{side.code}.{column}", changes)
    return changes


def _respondent_fields(data: RespondentData) -> dict[str, Any]:
    fields = {
        name: _checked(name, getattr(data, name))
        for name in ("name", "email", "phone", "organization", "position")
    }
    if not fields["name"]:
        raise PairError("name", "required")
    fields["years_involved"] = _checked("years_involved", data.years_involved)
    fields["language"] = _checked("language", data.language)
    return fields


def add_respondent(
    session: Session, study: Study, pair_side: PairSide, data: RespondentData
) -> Respondent:
    """Add a respondent to a side; the first one, or one marked primary, becomes the primary."""
    fields = _respondent_fields(data)
    is_primary = data.is_primary or primary_respondent(pair_side) is None
    if is_primary:
        for other in pair_side.respondents:
            other.is_primary = False
    respondent = Respondent(pair_side=pair_side, is_primary=is_primary, **fields)
    session.add(respondent)
    session.flush()
    details = {"pair": pair_side.pair.code, "side_id": pair_side.side_id, "primary": is_primary}
    _audit(session, study, "respondent.create", "respondent", respondent.id, details)
    return respondent


def update_respondent(
    session: Session, study: Study, respondent: Respondent, data: RespondentData
) -> list[FieldChange]:
    """Change a respondent; making one primary makes the side's other respondents secondary."""
    fields = _respondent_fields(data)
    if respondent.is_primary and not data.is_primary:
        raise PairError("is_primary", "keep_primary")
    changes: list[FieldChange] = []
    for name, value in fields.items():
        _set(respondent, name, value, FIELD_COLUMN.get(name, name), changes)
    if data.is_primary and not respondent.is_primary:
        for other in respondent.pair_side.respondents:
            other.is_primary = other is respondent
        changes.append(FieldChange("is_primary", False, True))
    session.flush()
    if changes:
        details = {"pair": respondent.pair_side.pair.code, "changes": _audited(changes)}
        _audit(session, study, "respondent.update", "respondent", respondent.id, details)
    return changes


def _audit(
    session: Session, study: Study, action: str, kind: str, object_id: Any, details: dict
) -> None:
    audit.record(
        session,
        action,
        study_id=study.id,
        object_type=kind,
        object_id=str(object_id),
        details=details,
    )


# ---------------------------------------------------------------- members


def _may_grant(actor_role: str, role: str) -> None:
    if role not in RANK:
        raise PairError("role", "unknown_role", role=role)
    if RANK[actor_role] < RANK[MANAGER_ROLE] or RANK[role] > RANK[actor_role]:
        raise ForbiddenError("role", "grant_ceiling")


def _may_manage(actor_role: str, membership: Membership) -> None:
    if RANK[actor_role] < RANK[MANAGER_ROLE] or RANK[membership.role] > RANK[actor_role]:
        raise ForbiddenError("role", "above_you")


def _membership(session: Session, study: Study, user_id: int) -> Membership:
    found = session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user_id)
    )
    if found is None:
        raise NotFoundError("member", id=user_id)
    return found


def _keep_an_owner(session: Session, study: Study, membership: Membership) -> None:
    if membership.role != "owner":
        return
    # Lock the owners (PostgreSQL) so two owners demoting each other cannot both succeed.
    owners = session.scalars(
        select(Membership.id)
        .where(Membership.study_id == study.id, Membership.role == "owner")
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise PairError("role", "last_owner")


def add_member(
    session: Session, study: Study, email: str, role: str, *, actor_role: str
) -> Membership:
    """Give an existing user a role, no higher than the actor's own (ACL-04)."""
    _may_grant(actor_role, role)
    try:
        return services.add_member(session, study, email, role)
    except NotFoundError as missing:
        raise PairError("email", "no_such_user", email=email.strip()) from missing


def change_member_role(
    session: Session, study: Study, user_id: int, role: str, *, actor_role: str
) -> Membership:
    """Change a member's role within the actor's ceiling; the last owner stays owner."""
    membership = _membership(session, study, user_id)
    _may_grant(actor_role, role)
    _may_manage(actor_role, membership)
    if role == membership.role:
        return membership
    if role != "owner":
        _keep_an_owner(session, study, membership)
    old = membership.role
    membership.role = role
    dropped = _drop_assignments(session, membership) if old == "interviewer" else 0
    details = {"user_id": user_id, "role": [old, role], "assignments_removed": dropped}
    _audit(session, study, "member.role", "membership", membership.id, details)
    return membership


def remove_member(session: Session, study: Study, user_id: int, *, actor_role: str) -> None:
    """Remove a member (and their interviewer assignments); never the last owner."""
    membership = _membership(session, study, user_id)
    _may_manage(actor_role, membership)
    _keep_an_owner(session, study, membership)
    dropped = _drop_assignments(session, membership)
    details = {"user_id": user_id, "role": membership.role, "assignments_removed": dropped}
    session.delete(membership)
    session.flush()
    _audit(session, study, "member.remove", "membership", membership.id, details)


def _drop_assignments(session: Session, membership: Membership) -> int:
    result = session.execute(
        delete(InterviewerAssignment).where(InterviewerAssignment.membership_id == membership.id)
    )
    return result.rowcount or 0


# ---------------------------------------------------------------- interviewer assignments


def study_interviewers(session: Session, study: Study) -> list[User]:
    """The study's members with the interviewer role."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.study_id == study.id, Membership.role == "interviewer")
            .order_by(User.email)
        )
    )


def pair_interviewers(session: Session, pair: Pair) -> list[User]:
    """The interviewers assigned to a pair."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(InterviewerAssignment, InterviewerAssignment.membership_id == Membership.id)
            .where(InterviewerAssignment.pair_id == pair.id)
            .order_by(User.email)
        )
    )


def assign_interviewer(
    session: Session, study: Study, pair: Pair, user_id: int
) -> InterviewerAssignment:
    """Let an interviewer member of this study enter answers for the pair (idempotent)."""
    membership = session.scalar(
        select(Membership).where(Membership.study_id == study.id, Membership.user_id == user_id)
    )
    if membership is None or membership.role != "interviewer" or pair.study_id != study.id:
        raise PairError("user_id", "not_interviewer")
    found = session.scalar(
        select(InterviewerAssignment).where(
            InterviewerAssignment.membership_id == membership.id,
            InterviewerAssignment.pair_id == pair.id,
        )
    )
    if found is not None:
        return found
    assignment = InterviewerAssignment(membership_id=membership.id, pair_id=pair.id)
    session.add(assignment)
    session.flush()
    details = {"pair": pair.code, "user_id": user_id}
    _audit(session, study, "interviewer.assign", "pair", pair.id, details)
    return assignment


def unassign_interviewer(session: Session, study: Study, pair: Pair, user_id: int) -> None:
    """Withdraw an interviewer's assignment to the pair; NotFoundError when there is none."""
    membership = _membership(session, study, user_id)
    result = session.execute(
        delete(InterviewerAssignment).where(
            InterviewerAssignment.membership_id == membership.id,
            InterviewerAssignment.pair_id == pair.id,
        )
    )
    if not result.rowcount:
        raise NotFoundError("assignment", id=user_id)
    details = {"pair": pair.code, "user_id": user_id}
    _audit(session, study, "interviewer.unassign", "pair", pair.id, details)


__all__ = [
    "COLUMNS",
    "FieldChange",
    "ForbiddenError",
    "PairData",
    "PairError",
    "PairsImportError",
    "PairsImportReport",
    "PlaceData",
    "RespondentData",
    "RowProblem",
    "StoredPair",
    "add_member",
    "add_respondent",
    "assign_interviewer",
    "change_member_role",
    "create_pair",
    "export_pairs",
    "get_pair",
    "import_pairs",
    "list_pairs",
    "pairs_file",
    "remove_member",
    "stored_pairs",
    "unassign_interviewer",
    "update_pair",
    "update_respondent",
    "write_pairs_csv",
    "write_pairs_xlsx",
]
