"""XLSX: a streamed workbook with the data, codebook and about sheets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from survey.exports import codebook
from survey.exports.dataset import Dataset, Table
from survey.exports.roster_files import sheet_names
from survey.exports.writers.targets import Target
from survey.exports.writers.workbook import (
    _xlsx_cell,
    _xlsx_string,
    write_only_workbook,
    xlsx_sheet,
)


def write_xlsx(
    dataset: Dataset,
    target: Target,
    *,
    about: Mapping[str, Any] | None = None,
    lang_order: Sequence[str] = ("en", "zh-Hans", "zh-Hant"),
) -> int:
    """An XLSX workbook (write-only, so rows stream): sheets data, one per roster (its
    rows, exports/roster_files.py), codebook and about."""
    table = dataset.table("xlsx")
    count = 0
    with write_only_workbook(target) as workbook:
        count = _data_sheet(workbook, "data", table)
        names = sheet_names([key for key, _ in dataset.parts])
        for key, part in dataset.parts:
            _data_sheet(workbook, names[key], part.table("xlsx"))
        if dataset.questionnaire is not None:
            rows = codebook.codebook(dataset.questionnaire, dataset, lang_order)
            header, lines = codebook.tabulate(rows, lang_order)
            xlsx_sheet(workbook, "codebook", header, lines)
        xlsx_sheet(workbook, "about", ["item", "value"], _about_lines(about, table, count))
    return count


def _data_sheet(workbook: Any, name: str, table: Table) -> int:
    """A sheet of `table`: the variable names, then its rows; returns the row count."""
    kinds = [v.kind for v in table.variables]
    sheet = workbook.create_sheet(name)
    sheet.append([_xlsx_string(sheet, v.name) for v in table.variables])
    count = 0
    for row in table.rows:
        sheet.append(
            [_xlsx_cell(sheet, kind, value) for kind, value in zip(kinds, row, strict=True)]
        )
        count += 1
    return count


def _about_lines(about: Mapping[str, Any] | None, table: Table, count: int) -> list[list[Any]]:
    lines = [[key, value] for key, value in (about or {}).items()]
    return [*lines, ["rows", count], ["variables", len(table.variables)]]
