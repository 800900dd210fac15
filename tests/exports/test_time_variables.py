"""time and datetime answers in the exports: typed in SPSS (TIME8, DATETIME20), Stata
(%tcHH:MM:SS, %tc) and R (hms, POSIXct), as stored in CSV, XLSX and JSON, read back by
pyreadstat, PSPP and R. A date-time is the wall clock the person gave: an offset an import
carried is kept in the text formats and not applied in the typed ones."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.exports import services as exports
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds

NEW_TYPES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "newtypes.yaml"
US = {"met_at": "9:05", "signed_at": "2009-03-01T14:30", "warmth": "6", "consent": "OK"}
CN = {"met_at": "21:50:30", "signed_at": "2009-03-01T22:30:00.000+08:00", "warmth": "8"}


@pytest.fixture
def exported(session, make_round, tmp_path):
    """→ write(fmt) giving the path of the round's wide export in that format."""
    round_ = make_round(pairs=2, questionnaire=NEW_TYPES)
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    rows = rounds.invitation_rows(session, round_)
    first = rows[0].pair.id
    for row in rows:
        if row.pair.id == first:
            answers.record_answers(session, row.invitation, q, US if row.side.code == "us" else CN)
        else:  # the other pair: don't know, and no answer
            answers.record_answers(session, row.invitation, q, {"met_at": "dk", "warmth": "2"})
        answers.submit(session, row.invitation, q)
    comparison.compare_round(session, round_)

    def write(fmt: str) -> Path:
        out = tmp_path / f"wide.{fmt}"
        if fmt == "codebook":
            exports.write_codebook(session, round_, "csv", out)
        else:
            exports.write(session, round_, exports.ExportRequest(fmt=fmt), out)
        return out

    return write


def test_spss_holds_typed_times_and_clocks(exported):
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(exported("sav")), user_missing=True)
    types = meta.original_variable_types
    assert (types["met_at_us"], types["signed_at_us"]) == ("TIME8", "DATETIME20")
    first, other = frame.iloc[0], frame.iloc[1]
    assert first["met_at_us"] == dt.time(9, 5)
    assert first["met_at_cn"] == dt.time(21, 50, 30)
    assert first["signed_at_us"] == dt.datetime(2009, 3, 1, 14, 30)
    assert first["signed_at_cn"] == dt.datetime(2009, 3, 1, 22, 30)  # its wall clock, as given
    assert meta.variable_value_labels["met_at_us"][-98.0] == "Don't know"
    assert first["met_at_us"] == dt.time(9, 5)
    raw, raw_meta = pyreadstat.read_sav(
        str(exported("sav")), disable_datetime_conversion=True, user_missing=True
    )
    assert raw.iloc[0]["met_at_us"] == 9 * 3600 + 5 * 60  # seconds since midnight
    assert raw.iloc[1]["met_at_us"] == -98  # don't know: SPSS's user-missing code
    assert {r["lo"] for r in raw_meta.missing_ranges["met_at_us"]} == {-98.0, -99.0}
    assert other["signed_at_us"] is None or str(other["signed_at_us"]) == "NaT"  # no answer


def test_stata_holds_typed_times_and_clocks(exported):
    import pyreadstat

    frame, meta = pyreadstat.read_dta(str(exported("dta")), user_missing=True)
    formats = meta.original_variable_types
    assert (formats["met_at_us"], formats["signed_at_us"]) == ("%tcHH:MM:SS", "%tc")
    first = frame.iloc[0]
    assert first["met_at_cn"] == dt.time(21, 50, 30)
    assert first["signed_at_cn"] == dt.datetime(2009, 3, 1, 22, 30)
    raw, _ = pyreadstat.read_dta(str(exported("dta")), disable_datetime_conversion=True)
    assert raw.iloc[0]["met_at_us"] == (9 * 60 + 5) * 60 * 1000.0  # ms since midnight


def test_text_formats_keep_the_stored_text_with_its_offset(exported):
    import openpyxl

    with exported("csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert (first["met_at_us"], first["met_at_cn"]) == ("09:05", "21:50:30")
    assert first["signed_at_cn"] == "2009-03-01T22:30+08:00"
    book = openpyxl.load_workbook(exported("xlsx"), read_only=True)
    sheet = book.worksheets[0]
    header, values = (list(row) for row in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert values[header.index("met_at_us")] == "09:05"  # text, not a number
    data = json.loads(exported("json").read_text("utf-8"))
    records = data["records"] if isinstance(data, dict) else data
    assert records[0]["signed_at_cn"] == "2009-03-01T22:30+08:00"


def test_the_codebook_says_how_each_format_holds_them(exported):
    with exported("codebook").open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["variable"]: row for row in csv.DictReader(handle)}
    time_, clock = rows["met_at_us"], rows["signed_at_us"]
    assert "SPSS TIME8" in time_["coding_en"]
    assert "一天中的时间" in time_["coding_zh-Hans"]
    assert "wall clock" in clock["coding_en"]
    assert "受訪者當地的日期和時間" in clock["coding_zh-Hant"]


@pytest.mark.skipif(
    shutil.which("pspp") is None, reason="PSPP not installed (apt-get install pspp)"
)
def test_pspp_shows_the_times_as_clock_times(exported, tmp_path):
    path = exported("sav")
    syntax = tmp_path / "list.sps"
    syntax.write_text(f"GET FILE='{path}'.\nLIST met_at_us met_at_cn signed_at_us.\n", "utf-8")
    out = tmp_path / "out.csv"
    result = subprocess.run(
        ["pspp", "-O", "format=csv", "-o", str(out), str(syntax)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    listed = out.read_text("utf-8")
    assert "9:05:00" in listed
    assert "21:50:30" in listed
    assert "01-MAR-2009 14:30:00" in listed


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R not installed (r-base-core)")
def test_r_reads_hms_times_and_posixct_clocks(exported):
    path = exported("rds")
    script = f"""
    x <- readRDS("{path}")
    stopifnot(inherits(x$met_at_us, "difftime"), inherits(x$met_at_us, "hms"))
    stopifnot(attr(x$met_at_us, "units") == "secs", as.numeric(x$met_at_us[1]) == 32700)
    stopifnot(as.numeric(x$met_at_cn[1]) == 78630, is.na(x$met_at_us[2]))
    stopifnot(inherits(x$signed_at_us, "POSIXct"))
    stopifnot(format(x$signed_at_us[1], "%Y-%m-%d %H:%M", tz = "UTC") == "2009-03-01 14:30")
    stopifnot(format(x$signed_at_cn[1], "%Y-%m-%d %H:%M", tz = "UTC") == "2009-03-01 22:30")
    stopifnot(as.character(x$met_at_us_dkrf[2]) == "Don't know")
    cat("ok")
    """
    result = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )  # fmt: skip
    assert result.stdout.endswith("ok"), result.stderr
