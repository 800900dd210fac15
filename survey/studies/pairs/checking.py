"""Checking a pairs file's cells and rows: every problem found, with its row and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from survey import i18n
from survey.studies.pairs.columns import (
    COLUMNS,
    CONTROL,
    LANGUAGE_TAG,
    MAX_LENGTH,
    MAX_YEARS_INVOLVED,
    MULTILINE,
    PAIR_CODE,
    PAIR_COLUMNS,
    REQUIRED,
)
from survey.studies.pairs.files import _CellError, _Table, unescape
from survey.studies.pairs.problems import PairsImportError, RowProblem


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
    if column == "timezone":
        return _timezone(value.strip())
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


def _timezone(value: str) -> str | None:
    if not value:
        return None
    zone = i18n.zone_key(value)
    if zone is None:
        raise _CellError("bad_timezone", value=value[:64])
    return zone


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
