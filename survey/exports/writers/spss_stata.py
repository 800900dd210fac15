"""SPSS (.sav) and Stata (.dta) files through pyreadstat, with value labels and missing values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from survey.core.types import format_number
from survey.exports import naming
from survey.exports.dataset import NUMERIC_KINDS, Dataset, ExportError, Variable
from survey.exports.writers.stat_encoding import (
    DTA_SPECIAL,
    SAV_MAX_TEXT,
    SAV_SPECIAL,
    _encode_columns,
    _stat_encoder,
    _stat_value_labels,
)
from survey.exports.writers.targets import Target, _file_path
from survey.exports.writers.workbook import about_value


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
    if v.kind in ("datetime", "clock"):
        return "DATETIME20"
    if v.kind == "time":
        return "TIME8"  # hh:mm:ss
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


DTA_FORMATS = {
    "date": "%tdCCYY-NN-DD",
    "datetime": "%tc",
    "clock": "%tc",
    "time": "%tcHH:MM:SS",  # milliseconds since midnight (of Stata's day 0)
}


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
        if found := DTA_FORMATS.get(v.kind):
            formats[name] = found
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
