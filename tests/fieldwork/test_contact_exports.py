"""Exports: the respondent layout's last disposition and attempts, the contacts layout
(one row per attempt) in CSV, XLSX and JSON read back, formula-safe, with its codebook."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd

from survey.fieldwork import services

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _export(runner, slug, layout, fmt, path):  # noqa: ANN001, ANN202
    args = ["export", slug, "--layout", layout, "--format", fmt, "-o", str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result


def test_the_respondent_layout_gains_the_last_disposition_and_the_attempts(runner, field, tmp_path):
    _, round_, _ = field
    slug = round_.slug
    _export(runner, slug, "respondent", "csv", tmp_path / "r.csv")
    table = pd.read_csv(tmp_path / "r.csv", dtype={"last_disposition": str})
    got = {
        (r.pair, r.side): (r.last_disposition, r.attempts) for r in table.itertuples(index=False)
    }
    assert got == {
        ("p1", "us"): ("1.1", 0),
        ("p1", "cn"): ("1.1", 3),
        ("p2", "us"): ("1.2", 0),
        ("p2", "cn"): ("2.11", 3),
        ("p3", "us"): ("2.22", 1),
        ("p3", "cn"): ("2.30", 2),
        ("p4", "us"): ("3.13", 2),
        ("p4", "cn"): ("4.70", 1),
    }


def test_the_contacts_layout_has_one_row_per_attempt_in_every_format(
    runner, session, field, tmp_path
):
    _, round_, owner = field
    slug = round_.slug
    case = services.find_case(session, round_, "p4", "us")
    services.log_attempt(session, case, outcome="busy", note=FORMULA, user=owner)
    session.flush()
    result = _export(runner, slug, "contacts", "csv", tmp_path / "c.csv")
    assert "Wrote 13 rows" in result.output
    table = pd.read_csv(tmp_path / "c.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == [
        "pair", "side", "respondent", "attempt", "attempted_at", "contact_mode", "outcome",
        "aapor", "aapor_group", "callback_at", "callback_zone", "note", "logged_by",
    ]  # fmt: skip
    assert len(table) == 13
    p3cn = table[(table.pair == "p3") & (table.side == "cn")]
    assert list(p3cn.outcome) == ["callback", "appointment"]
    assert list(p3cn.aapor) == ["2.21", "2.30"]
    assert set(p3cn.callback_zone) == {"Asia/Shanghai"}
    assert p3cn.callback_at.iloc[0] == "2010-03-18T01:00:00+00:00"
    last = table[table.note.str.contains("HYPERLINK")].iloc[0]
    assert last.note == "'" + FORMULA  # neutralised, nothing else changed
    codebook = (tmp_path / "c.codebook.html").read_text(encoding="utf-8")
    assert "callback_zone" in codebook
    assert "受访者时区" in codebook
    _export(runner, slug, "contacts", "xlsx", tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["data"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0][:3]] == ["pair", "side", "respondent"]
    assert len(rows) == 14
    note = next(c for row in rows for c in row if c.value == FORMULA)  # kept as text, never run
    assert (note.data_type, note.quotePrefix) == ("s", True)
    assert all(c.data_type != "f" for row in rows for c in row)
    _export(runner, slug, "contacts", "json", tmp_path / "c.json")
    shown = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert len(shown["records"]) == 13
    assert sum(r["outcome"] == "busy" for r in shown["records"]) == 3
    assert {v["name"] for v in shown["variables"]} >= {"aapor", "callback_zone", "note"}
