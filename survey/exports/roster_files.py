"""The wide export's roster files: each roster's rows, one line per pair, side and row
(docs/exports.md, "Rosters").

The wide layout holds a roster's number of rows per side. Its rows go to a dataset of
their own, one per roster, which the export writes beside the data file as
`<name>_<roster>.<ext>` (CSV, SPSS, Stata, R; a download's zip holds them too), as a
sheet named after the roster (XLSX) or under "rosters" (JSON). Its columns: `pair`,
`side`, `row` (from 1, in the order the side gave them); for a roster compared by a
roster rule, `partner_row` (the other side's row the rule pairs it with; empty for a row
of one side only) and `row_agree` (1 paired with no column disagreeing, 0 of one side
only or with a column that disagrees, empty when a column goes to review); then each
column of the roster, encoded as the wide layout encodes a question of its type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from survey.core.questionnaire import Question, Questionnaire, Text
from survey.core.types.roster import compare_rows, pair_rows
from survey.exports.dataset import AGREE_LABELS, Dataset
from survey.exports.fixed import FIXED
from survey.exports.layouts import (
    PairRecord,
    SideLabels,
    _answer_columns,
    _Columns,
    _side_column,
    _sides,
)

ROW: Text = {"en": "Row of the roster", "zh-Hans": "名册中的行号", "zh-Hant": "名冊中的列號"}
PARTNER_ROW: Text = {
    "en": "The other side's row paired with it",
    "zh-Hans": "对方与之配对的行号",
    "zh-Hant": "對方與之配對的列號",
}
ROW_AGREE: Text = {
    "en": "Row agrees with the other side's",
    "zh-Hans": "该行与对方一致",
    "zh-Hant": "該列與對方一致",
}
FILE_FORMATS = ("csv", "sav", "dta", "rds")  # a file each; XLSX a sheet, JSON a key
RESERVED_SHEETS = ("data", "codebook", "about")
SHEET_LENGTH = 31  # Excel's longest sheet name


def rosters_of(q: Questionnaire) -> list[Question]:
    return [question for question in q.questions() if question.type == "roster"]


def column_key(roster: Question, column: Question) -> str:
    """How a roster file's variable names the column it holds (`delegations.size`)."""
    return f"{roster.key}.{column.key}"


def parts(
    q: Questionnaire,
    side_codes: Sequence[str],
    records: Callable[[], Iterable[PairRecord]],
    side_labels: SideLabels = None,
) -> tuple[tuple[str, Dataset], ...]:
    """Each roster's dataset; `records` gives a fresh stream of the pairs for each."""
    return tuple(
        (roster.key, part(q, roster, side_codes, records, side_labels)) for roster in rosters_of(q)
    )


def part(
    q: Questionnaire,
    roster: Question,
    side_codes: Sequence[str],
    records: Callable[[], Iterable[PairRecord]],
    side_labels: SideLabels = None,
) -> Dataset:
    """One roster's rows: pair, side, row, the pairing when compared, then its columns."""
    cols = _Columns(q.languages)
    cols.add("pair", FIXED["pair"], "string", role="pair")
    _side_column(cols, "side", side_codes, side_labels)
    cols.add("row", ROW, "integer", role="meta", question=roster.key)
    paired = _paired(roster, side_codes)
    if paired:
        cols.add("partner_row", PARTNER_ROW, "integer", role="meta", question=roster.key)
        cols.add("row_agree", ROW_AGREE, "integer", value_labels=AGREE_LABELS, role="agree",
                 question=roster.key)  # fmt: skip
    head = len(cols.variables)
    columns = [column for column in roster.columns if column.is_answerable]
    for column in columns:
        _answer_columns(cols, column, "", {}, None)
    named = {column.key: column_key(roster, column) for column in columns}
    variables = [
        *cols.variables[:head],
        *(dataclasses.replace(v, question=named[v.question or ""]) for v in cols.variables[head:]),
    ]
    rows = _rows(records, tuple(side_codes), roster, [c.key for c in columns], paired)
    return Dataset(tuple(variables), rows, q, "roster")


def _paired(roster: Question, side_codes: Sequence[str]) -> bool:
    rule = roster.compare
    return rule is not None and rule.kind == "roster" and len(side_codes) == 2


def _rows(
    records: Callable[[], Iterable[PairRecord]],
    side_codes: tuple[str, ...],
    roster: Question,
    keys: list[str],
    paired: bool,
) -> Iterator[list[Any]]:
    for record in records():
        sides = _sides(record, side_codes)
        given = [_given((s.answers or {}).get(roster.key)) for s in sides]
        partners = _partners(roster, given) if paired else None
        for number, side in enumerate(sides):
            for index, row in enumerate(given[number]):
                line: list[Any] = [record.code, side.side, index + 1]
                if partners is not None:
                    line += partners[number].get(index, [None, 0])
                yield line + [row.get(key) for key in keys]


def _given(value: Any) -> list[Mapping[str, Any]]:
    """A side's rows; no answer, don't know and refused have none."""
    if isinstance(value, list):
        return [row for row in value if isinstance(row, Mapping)]
    return []


def _partners(roster: Question, given: list[list[Mapping[str, Any]]]) -> list[dict[int, list[Any]]]:
    """Per side, row index → [the partner's row number, the row's agreement]."""
    rule = roster.compare
    assert rule is not None  # _paired
    rows_a, rows_b = given
    found: list[dict[int, list[Any]]] = [{}, {}]
    for index_a, index_b in pair_rows(rule, list(rows_a), list(rows_b)):  # type: ignore[arg-type]
        if index_a is None or index_b is None:
            continue  # a row of one side only: no partner, disagrees
        verdicts = compare_rows(roster, rule, rows_a[index_a], rows_b[index_b]).values()
        outcomes = {outcome for outcome, _ in verdicts}
        agree = 0 if "disagree" in outcomes else None if "review" in outcomes else 1
        found[0][index_a] = [index_b + 1, agree]
        found[1][index_b] = [index_a + 1, agree]
    return found


# ---------------------------------------------------------------------------- where they go


def file_beside(data: Path, key: str) -> Path:
    """A roster's file beside the data file: wave-1-wide.csv → wave-1-wide_delegations.csv."""
    return data.with_name(f"{data.stem}_{key}{data.suffix}")


def sheet_names(keys: Sequence[str]) -> dict[str, str]:
    """Each roster's sheet: its key, cut to Excel's 31 characters, never one of the
    workbook's own sheets nor another roster's."""
    taken = set(RESERVED_SHEETS)
    names = {}
    for key in keys:
        name, number = key[:SHEET_LENGTH], 2
        while name in taken:
            suffix = f"_{number}"
            name, number = key[: SHEET_LENGTH - len(suffix)] + suffix, number + 1
        taken.add(name)
        names[key] = name
    return names
