"""Writers: every format read back with an independent reader and compared cell by cell
with the source, after the transforms docs/exports.md documents."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyreadr
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.core.questionnaire import Question
from survey.core.types import format_number
from survey.exports import layouts, naming, writers
from survey.exports.dataset import Dataset, ExportError, Variable
from tests.exports import FORMULAS, LONG_CJK, SIDES, questionnaire, records

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
LAYOUTS = sorted(layouts.LAYOUTS)
ABOUT = {
    "round": "2009 spring 春季",
    "questionnaire": "exports-test 1",
    "exported_at": datetime(2009, 3, 8, 15, 30, tzinfo=UTC),
    "filters": {"pairs": ["pair-0"]},
}


def dataset(layout: str = "wide", count: int = 6) -> Dataset:
    return layouts.LAYOUTS[layout](questionnaire(), SIDES, records(count))


def source(layout: str, fmt: str, count: int = 6) -> tuple[tuple[Variable, ...], list[Any]]:
    table = dataset(layout, count).table(fmt)
    return table.variables, [list(row) for row in table.rows]


def blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def special(v: Variable, value: Any) -> bool:
    return bool(v.specials) and value in ("dk", "rf")


# ---------------------------------------------------------------------------- CSV


def csv_text(v: Variable, value: Any) -> str:
    """What the CSV holds for a cell: docs/exports.md, written out independently."""
    if blank(value):
        return ""
    if isinstance(value, list):
        value = ";".join(value)
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if v.kind in ("string", "code", "codes") and value.startswith(TRIGGERS):
        return "'" + value
    return str(value)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("bom", [False, True])
def test_csv_round_trips_every_cell(tmp_path, layout, bom):
    path = tmp_path / "out.csv"
    count = writers.write_csv(dataset(layout), path, bom=bom)
    variables, rows = source(layout, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    read = read_csv(path)
    assert read[0] == [v.name for v in variables]
    assert count == len(rows) == len(read) - 1
    for got, row in zip(read[1:], rows, strict=True):
        assert got == [csv_text(v, value) for v, value in zip(variables, row, strict=True)]


def test_csv_neutralises_formulas_but_keeps_numbers_numeric(tmp_path):
    path = tmp_path / "out.csv"
    writers.write_csv(dataset("wide", 2), path)
    header, row, _ = read_csv(path)
    row = dict(zip(header, row, strict=True))
    assert row["organization_us"] == "'" + FORMULAS[0]
    assert row["account_cn"] == "'" + FORMULAS[0]
    assert row["received_us"] == "-2"  # a negative number stays a number
    assert row["place_zh_cn"] == "姊妹市關係「臺灣」，全形標點！"
    text = path.read_bytes().decode("utf-8")
    assert "\r\n" in text
    assert '"she said ""hello"", then left"' in text
    assert '"\'=HYPERLINK(""http://x?""&A1,""x"")"' in text  # RFC 4180 quoting


def test_csv_neutralises_the_header_too(tmp_path):
    variables = (Variable("=cmd", {"en": "x"}, "string"), Variable("-n", {"en": "n"}, "integer"))
    path = tmp_path / "out.csv"
    writers.write_csv(Dataset(variables, [["=1+1", -5]]), path)
    assert read_csv(path) == [["'=cmd", "'-n"], ["'=1+1", "-5"]]


def test_csv_writes_to_binary_and_text_streams_and_iter_csv_agrees(tmp_path):
    binary, text = io.BytesIO(), io.StringIO()
    writers.write_csv(dataset(), binary, bom=True)
    writers.write_csv(dataset(), text)
    chunks = b"".join(writers.iter_csv(dataset(), bom=True))
    assert binary.getvalue() == chunks
    assert binary.getvalue()[3:].decode("utf-8") == text.getvalue()


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    variables = (Variable("when", {"en": "when"}, "datetime"),)
    naive = Dataset(variables, [[datetime(2009, 1, 1)]])
    with pytest.raises(ExportError, match="no time zone"):
        writers.write_csv(naive, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- XLSX


def xlsx_text(text: str) -> str:
    """What reading the XLSX back gives for a text cell (docs/exports.md)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"(?=_x[0-9A-Fa-f]{4}_)", "_x005F", text)


def excel_decoded(text: str) -> str:
    """How Excel shows a cell's text: it decodes _xHHHH_ escapes."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def xlsx_value(v: Variable, value: Any) -> Any:
    if blank(value):
        return None
    if isinstance(value, list):
        value = ";".join(value)
    if v.kind in ("string", "code", "codes") or special(v, value):
        return xlsx_text(str(value))
    if v.kind == "date":
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    if v.kind == "datetime":
        return value.isoformat()
    return value


@pytest.mark.parametrize("layout", LAYOUTS)
def test_xlsx_round_trips_every_cell_and_runs_no_formula(tmp_path, layout):
    path = tmp_path / "out.xlsx"
    count = writers.write_xlsx(dataset(layout), path, about=ABOUT)
    variables, rows = source(layout, "xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["data", "codebook", "about"]
    sheet = list(workbook["data"].iter_rows())
    assert [c.value for c in sheet[0]] == [v.name for v in variables]
    assert count == len(rows) == len(sheet) - 1
    for cells, row in zip(sheet[1:], rows, strict=True):
        for cell, v, value in zip(cells, variables, row, strict=True):
            assert cell.value == xlsx_value(v, value), (v.name, value)
            assert cell.data_type != "f"
            if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                assert cell.data_type == "s"
                assert cell.quotePrefix


def test_xlsx_keeps_numbers_and_dates_native(tmp_path):
    path = tmp_path / "out.xlsx"
    writers.write_xlsx(dataset("wide", 2), path)
    sheet = openpyxl.load_workbook(path)["data"]
    row = dict(zip((c.value for c in sheet[1]), sheet[2], strict=True))
    assert row["received_us"].value == -2
    assert row["received_us"].data_type == "n"
    assert row["budget_us"].value == 1.5
    assert row["visit_us"].is_date
    assert row["visit_us"].value == datetime(2008, 5, 1)
    assert row["sent_cn"].value == "dk"


def test_xlsx_about_and_codebook_sheets(tmp_path):
    path = tmp_path / "out.xlsx"
    writers.write_xlsx(dataset(), path, about=ABOUT)
    workbook = openpyxl.load_workbook(path)
    about = {row[0]: row[1] for row in workbook["about"].iter_rows(min_row=2, values_only=True)}
    assert about["round"] == "2009 spring 春季"
    assert about["exported_at"] == "2009-03-08T15:30:00+00:00"
    assert json.loads(about["filters"]) == {"pairs": ["pair-0"]}
    assert about["rows"] == "6"
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert codebook[0][0] == "variable"
    assert [row[0] for row in codebook[1:]] == [v.name for v in dataset().variables]


def test_xlsx_refuses_text_longer_than_a_cell(tmp_path):
    variables = (Variable("t", {"en": "t"}, "string"),)
    with pytest.raises(ExportError, match="32767"):
        writers.write_xlsx(Dataset(variables, [["x" * 32_768]]), tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- JSON


def json_value(v: Variable, value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@pytest.mark.parametrize("layout", LAYOUTS)
def test_json_round_trips_with_questionnaire_and_about(tmp_path, layout):
    path = tmp_path / "out.json"
    count = writers.write_json(dataset(layout), path, about=ABOUT)
    variables, rows = source(layout, "json")
    document = json.loads(path.read_text("utf-8"))
    assert document["questionnaire"] == questionnaire().to_dict()
    assert document["about"]["exported_at"] == "2009-03-08T15:30:00+00:00"
    assert [v["name"] for v in document["variables"]] == [v.name for v in variables]
    assert count == len(rows) == len(document["records"])
    for record, row in zip(document["records"], rows, strict=True):
        assert record == {v.name: json_value(v, x) for v, x in zip(variables, row, strict=True)}


# ---------------------------------------------------------------------------- SPSS

SPSS_EPOCH = datetime(1582, 10, 14, tzinfo=UTC)


def sav_value(v: Variable, value: Any) -> Any:
    """What pyreadstat reads back (user_missing, no date conversion) for a cell."""
    text = v.kind in ("string", "codes")
    if blank(value):
        return "" if text else None
    if special(v, value):
        return value if text else {"dk": -98.0, "rf": -99.0}[value]
    if text:
        return ";".join(value) if isinstance(value, list) else value
    if v.value_labels:
        return float(v.numbers()[value])
    if v.kind == "date":
        value = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    if isinstance(value, datetime):
        return (value - SPSS_EPOCH).total_seconds()
    return float(value)


def value_labels(v: Variable, fmt: str, lang: str) -> dict[Any, str]:
    """The value labels a variable should carry, written out independently."""
    limit = {"sav": lambda t: t.encode()[:120].decode("utf-8", "ignore"), "dta": lambda t: t}
    labels = {
        float(v.numbers()[key]): limit[fmt](text.get(lang) or text["en"])
        for key, text in (v.value_labels or {}).items()
    }
    specials = {"dk": ("不知道", "不知道"), "rf": ("不愿回答", "不願回答")}
    for special in v.specials:
        key = {"sav": {"dk": -98.0, "rf": -99.0}, "dta": {"dk": "d", "rf": "r"}}[fmt][special]
        labels[key] = specials[special][lang == "zh-Hant"]
    return labels


def same(got: Any, expected: Any) -> bool:
    if expected is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return got == expected


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sav_round_trips_every_cell_label_and_missing_value(tmp_path, layout):
    path = tmp_path / "out.sav"
    count = writers.write_sav(dataset(layout), path, lang="zh-Hans", about=ABOUT)
    variables, rows = source(layout, "sav")
    names = naming.format_names(variables, "sav")
    frame, meta = pyreadstat.read_sav(path, user_missing=True, disable_datetime_conversion=True)
    assert list(frame.columns) == [names[v.name] for v in variables]
    assert count == len(rows) == len(frame)
    for v in variables:
        column = frame[names[v.name]].tolist()
        expected = [sav_value(v, row[variables.index(v)]) for row in rows]
        assert all(map(same, column, expected)), (v.name, column, expected)
        label = naming.cut_bytes(v.label_in("zh-Hans"), 256)
        assert meta.column_names_to_labels[names[v.name]] == label
        if v.specials and v.kind not in ("string", "codes"):
            missing = meta.missing_ranges[names[v.name]]
            assert {m["lo"] for m in missing} == {-98.0, -99.0}
        if v.kind in ("code", "integer", "number", "date") and (v.value_labels or v.specials):
            assert meta.variable_value_labels[names[v.name]] == value_labels(v, "sav", "zh-Hans")


def test_sav_value_labels_are_cut_at_120_bytes_on_a_character_boundary(tmp_path):
    path = tmp_path / "out.sav"
    writers.write_sav(dataset("wide", 1), path, lang="zh-Hans")
    _, meta = pyreadstat.read_sav(path, metadataonly=True)
    label = meta.variable_value_labels["kind_us"][3.0]  # the option with the long label
    assert label == LONG_CJK[:40]  # 40 three-byte characters = 120 bytes
    assert len(label.encode("utf-8")) == 120
    story = meta.column_names_to_labels["story_us"]
    assert len(story.encode("utf-8")) <= 256
    assert LONG_CJK.startswith(story.removeprefix("[us] "))


def test_sav_names_dates_and_string_missing_values(tmp_path):
    path = tmp_path / "out.sav"
    writers.write_sav(dataset("wide", 2), path)
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    assert frame["visit_us"][0] == date(2008, 5, 1)
    assert frame["submitted_at_us"][0] == datetime(2009, 3, 8, 7, 30)  # UTC, as labelled
    assert meta.variable_to_label["kind_us"] == meta.variable_to_label["kind_us"]
    assert meta.readstat_variable_types["story_us"] == "string"
    assert "story_us" not in meta.missing_ranges  # a long string: dk/rf stay text
    plain, _ = pyreadstat.read_sav(path)  # without user_missing dk/rf are plain missing
    assert math.isnan(plain["sent_cn"][0])
    assert frame["sent_cn"][0] == -98.0


def test_sav_refuses_an_answer_equal_to_a_missing_code(tmp_path):
    variables = (Variable("n", {"en": "n"}, "integer", specials=("dk", "rf")),)  # type: ignore[arg-type]
    with pytest.raises(ExportError, match="don't know/refused"):
        writers.write_sav(Dataset(variables, [[-98]]), tmp_path / "out.sav")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(
    shutil.which("pspp") is None, reason="PSPP not installed (apt-get install pspp)"
)
def test_pspp_opens_the_sav_and_lists_its_variables(tmp_path):
    path = tmp_path / "out.sav"
    writers.write_sav(dataset("wide", 3), path)
    syntax = tmp_path / "list.sps"
    syntax.write_text(f"GET FILE='{path}'.\nDISPLAY DICTIONARY.\nLIST.\n", "utf-8")
    result = subprocess.run(
        ["pspp", "-O", "format=csv", "-o", str(tmp_path / "out.csv"), str(syntax)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    output = (tmp_path / "out.csv").read_text("utf-8")
    assert result.returncode == 0, result.stderr
    assert "warning" not in (result.stdout + result.stderr + output).lower()
    listed = [line.split(",")[0] for line in output.split("Table: Variables")[1].splitlines()[2:]]
    names = naming.format_names(dataset("wide").variables, "sav")
    assert listed[: len(names)] == list(names.values())
    assert "城市之间的交流：互信（一）😀" in output


# ---------------------------------------------------------------------------- Stata

STATA_EPOCH = datetime(1960, 1, 1, tzinfo=UTC)


def dta_value(v: Variable, value: Any) -> Any:
    """What pyreadstat reads back (user_missing, no date conversion) for a cell."""
    text = v.kind in ("string", "codes")
    if blank(value):
        return "" if text else None
    if special(v, value):
        return value if text else value[0]  # .d / .r
    if text:
        return ";".join(value) if isinstance(value, list) else value
    if v.value_labels:
        return float(v.numbers()[value])
    if v.kind == "date":
        return float((date.fromisoformat(value) - STATA_EPOCH.date()).days)
    if isinstance(value, datetime):
        return (value - STATA_EPOCH).total_seconds() * 1000
    return float(value)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dta_round_trips_every_cell_label_and_extended_missing(tmp_path, layout):
    path = tmp_path / "out.dta"
    count = writers.write_dta(dataset(layout), path, lang="zh-Hant")
    variables, rows = source(layout, "dta")
    names = naming.format_names(variables, "dta")
    frame, meta = pyreadstat.read_dta(path, user_missing=True, disable_datetime_conversion=True)
    assert list(frame.columns) == [names[v.name] for v in variables]
    assert count == len(rows) == len(frame)
    for v in variables:
        column = frame[names[v.name]].tolist()
        expected = [dta_value(v, row[variables.index(v)]) for row in rows]
        assert all(map(same, column, expected)), (v.name, column, expected)
        label = v.label_in("zh-Hant")[:80]
        assert meta.column_names_to_labels[names[v.name]] == label
        if v.kind in ("code", "integer", "number", "date") and (v.value_labels or v.specials):
            assert meta.variable_value_labels[names[v.name]] == value_labels(v, "dta", "zh-Hant")
    assert path.read_bytes()[:60].startswith(b"<stata_dta><header><release>118</release>")


def test_pandas_reads_dk_and_rf_as_stata_extended_missing(tmp_path):
    path = tmp_path / "out.dta"
    writers.write_dta(dataset("wide", 2), path)
    frame = pd.read_stata(path, convert_missing=True, convert_dates=False,
                          convert_categoricals=False)  # fmt: skip
    assert frame["sent_cn"][0].string == ".d"
    assert frame["founded_cn"][0].string == ".r"
    assert frame["sent_us"][0] == 3
    assert frame["story_us"][0] == LONG_CJK * 20  # a strL: 9,600 bytes
    plain = pd.read_stata(path)  # the defaults: labels applied, extended missing as NaN
    assert plain["kind_us"][0] == "Trade"
    assert pd.isna(plain["sent_cn"][0])


def test_dta_names_leave_room_for_the_value_label_set(tmp_path):
    key = "a_very_long_question_key_of_32c"
    q = questionnaire()
    question = Question(key=key, type="yesno", text={"en": "?"}, compare=None)
    q = replace(q, sections=(replace(q.sections[0], questions=(question,)),))
    data = layouts.respondent(q, SIDES, records(1))
    path = tmp_path / "out.dta"
    writers.write_dta(data, path)  # pyreadstat names the label set `name` + a number
    _, meta = pyreadstat.read_dta(path, metadataonly=True)
    assert meta.column_names[-1] == key[:31]


# ---------------------------------------------------------------------------- R


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rds_round_trips_through_pyreadr(tmp_path, layout):
    path = tmp_path / "out.rds"
    count = writers.write_rds(dataset(layout), path, lang="en")
    variables, rows = source(layout, "rds")
    names = naming.format_names(variables, "rds")
    frame = pyreadr.read_r(path)[None]
    assert list(frame.columns) == [names[v.name] for v in variables]
    assert count == len(rows) == len(frame)
    for v in variables:
        column = frame[names[v.name]].tolist()
        expected = [rds_value(v, row[variables.index(v)]) for row in rows]
        assert all(map(same, column, expected)), (v.name, column, expected)


def rds_value(v: Variable, value: Any) -> Any:
    """What pyreadr reads back: factors as their labels, NA as None/NaN."""
    if v.role == "special":
        value = value if value in ("dk", "rf") else None
        return {"dk": "Don't know", "rf": "Refused"}.get(value) if value else None
    if blank(value) or special(v, value):
        return None
    if isinstance(value, list):
        return ";".join(value)
    if v.kind == "code":
        labels = [text for text in (v.value_labels or {}).values()]
        return labels[list(v.value_labels or {}).index(value)]["en"]
    if v.kind == "date":
        return date.fromisoformat(value)
    if v.kind == "datetime":
        return pd.Timestamp(value.replace(tzinfo=None))
    if v.kind in ("integer", "number"):
        return float(value)
    return value


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R not installed (r-base-core)")
def test_r_reads_labels_classes_and_na(tmp_path):
    path = tmp_path / "out.rds"
    writers.write_rds(dataset("wide", 2), path, lang="zh-Hans")
    script = f"""
    x <- readRDS("{path}")
    stopifnot(is.data.frame(x), nrow(x) == 2L)
    stopifnot(identical(attr(x$kind_us, "label"), "[us] Question kind?（简）"))
    stopifnot(identical(levels(x$kind_us)[1:2], c("贸易", "教育")))
    stopifnot(is.ordered(x$trust_us), inherits(x$visit_us, "Date"))
    stopifnot(identical(format(x$visit_us[1]), "2008-05-01"))
    stopifnot(inherits(x$submitted_at_us, "POSIXct"), attr(x$submitted_at_us, "tzone") == "UTC")
    stopifnot(format(x$submitted_at_us[1], "%Y-%m-%dT%H:%M") == "2009-03-08T07:30")
    stopifnot(is.na(x$sent_cn[1]), !is.nan(x$sent_cn[1]), x$received_us[1] == -2)
    stopifnot(as.character(x$sent_cn_dkrf[1]) == "不知道", is.na(x$sent_us_dkrf[1]))
    stopifnot(identical(x$areas_us[1], "trade;long"), x$areas_long_us[1] == 1)
    stopifnot(identical(x$account_us[1], "城市之间的交流：互信（一）😀"))
    stopifnot(identical(as.vector(x$pair), c("pair-0", "pair-1")))
    cat("ok")
    """
    result = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )  # fmt: skip
    assert result.stdout.endswith("ok"), result.stderr


# ---------------------------------------------------------------------------- property

# Text the answer types accept (no C0 controls but tab, LF and CR; no surrogates), rich
# in what breaks exports: CJK, full-width punctuation, emoji, quotes, line breaks and
# the characters a spreadsheet reads as the start of a formula.
AWKWARD_TEXT = st.lists(
    st.one_of(
        st.sampled_from([*TRIGGERS[:-1], "\n", "\r\n", '"', "'", ",", ";", "_x0041_", "_x005F_"]),
        st.sampled_from("城市姊妹關係，。！？「」（）：😀🇨🇳👍🏽"),
        st.characters(blacklist_categories=("Cs", "Cc")),
    ),
    min_size=1,
    max_size=20,
).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(AWKWARD_TEXT, min_size=1, max_size=5), bom=st.booleans())
def test_text_cells_survive_csv_and_xlsx(tmp_path_factory, texts, bom):
    folder = tmp_path_factory.mktemp("property")
    variables = (Variable("text", {"en": "text"}, "string"),)
    data = Dataset(variables, [[t] for t in texts])
    writers.write_csv(data, folder / "out.csv", bom=bom)
    read = [row[0] for row in read_csv(folder / "out.csv")[1:]]
    assert read == ["'" + t if t.startswith(TRIGGERS) else t for t in texts]
    writers.write_xlsx(Dataset(variables, [[t] for t in texts]), folder / "out.xlsx")
    sheet = openpyxl.load_workbook(folder / "out.xlsx")["data"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [xlsx_text(t) for t in texts]
    assert [excel_decoded(c.value) for c in cells] == [
        t.replace("\r\n", "\n").replace("\r", "\n") for t in texts
    ]
    assert all(c.data_type == "s" for c in cells)


def test_control_characters_csv_keeps_and_xlsx_replaces(tmp_path):
    variables = (Variable("text", {"en": "text"}, "string"),)
    texts = ["\0starts with NUL", "bell\x07 inside", "tab\tinside"]
    writers.write_csv(Dataset(variables, [[t] for t in texts]), tmp_path / "out.csv")
    assert [row[0] for row in read_csv(tmp_path / "out.csv")[1:]] == [
        "'\0starts with NUL", "bell\x07 inside", "tab\tinside"
    ]  # fmt: skip
    writers.write_xlsx(Dataset(variables, [[t] for t in texts]), tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["data"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "\ufffdstarts with NUL", "bell\ufffd inside", "tab\tinside"
    ]  # fmt: skip


AWKWARD_KEYS = ("ALL", "all", "Q1-a", "q1_A", "with", "_n", "TRUE", "k" * 70, "k" * 70 + "2")


@pytest.mark.parametrize("fmt", ["sav", "dta", "rds"])
def test_awkward_question_keys_get_valid_unique_names(tmp_path, fmt):
    q = questionnaire()
    template = q.question("areas")
    questions = tuple(replace(template, key=key) for key in AWKWARD_KEYS)
    q = replace(q, sections=(replace(q.sections[0], questions=questions),))
    data = layouts.respondent(q, SIDES, [])
    path = tmp_path / f"out.{fmt}"
    getattr(writers, f"write_{fmt}")(data, path)
    if fmt == "rds":
        columns = list(pyreadr.read_r(path)[None].columns)
    else:
        read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        columns = read(path, metadataonly=True)[1].column_names
    assert columns == list(naming.format_names(data.variables, fmt).values())
    assert all(naming.is_valid(name, fmt) for name in columns)
    fold = str.upper if fmt == "sav" else str
    assert len({fold(name) for name in columns}) == len(columns)


def test_dates_before_the_epochs_and_far_apart_survive(tmp_path):
    variables = (Variable("d", {"en": "d"}, "date"), Variable("t", {"en": "t"}, "datetime"))
    moments = [datetime(1901, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)]
    rows = [[m.date().isoformat(), m + timedelta(hours=1)] for m in moments]
    writers.write_sav(Dataset(variables, rows), tmp_path / "out.sav")
    writers.write_dta(Dataset(variables, rows), tmp_path / "out.dta")
    sav, _ = pyreadstat.read_sav(tmp_path / "out.sav")
    dta, _ = pyreadstat.read_dta(tmp_path / "out.dta")
    for frame in (sav, dta):
        assert frame["d"].tolist() == [m.date() for m in moments]
        assert [t.to_pydatetime() for t in frame["t"]] == [
            (m + timedelta(hours=1)).replace(tzinfo=None) for m in moments
        ]
