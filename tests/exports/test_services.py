"""Exports from the database: counts equal the database, every format reads back, audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from survey.audit import AuditEntry
from survey.comparison import services as comparison
from survey.errors import ServiceError
from survey.exports import services as exports
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import csrf_token, login

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"
TRICKY = '=HYPERLINK("http://x?"&A1,"x") 友城，“引号” 👍\n第二行'


@pytest.fixture
def exported_round(session, make_user, make_study, make_round):
    owner, viewer = make_user(), make_user()
    study = make_study(owner=owner, members={viewer: "viewer"})
    round_ = make_round(study, pairs=3, questionnaire=MINI)
    q = comparison.questionnaire_of(session, round_)
    grouped = list(rounds.by_pair(rounds.invitation_rows(session, round_)).values())
    for index, rows in enumerate(grouped[:2]):  # two pairs complete, the third not started
        for row in sorted(rows, key=lambda r: r.side.position):
            answers.record_answers(
                session,
                row.invitation,
                q,
                {
                    "established": str(1987 + (index if row.side.code == "cn" else 0)),
                    "training": "yes",
                    "sectors": ["health", "water"],
                    "sent": "3",
                    "received": "dk",
                    "comment": TRICKY,
                },
            )
            answers.submit(session, row.invitation, q)
    return {"round": round_, "owner": owner, "viewer": viewer, "study": study}


def test_wide_csv_has_one_row_per_pair_and_reads_back(session, exported_round, tmp_path):
    out = tmp_path / "wide.csv"
    result = exports.write(session, exported_round["round"], exports.ExportRequest(bom=True), out)
    assert result.rows == result.pairs == 3
    assert out.read_bytes()[:3] == b"\xef\xbb\xbf"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    complete = [r for r in rows if r["established_us"]]
    assert len(complete) == 2
    assert {r["established_agree"] for r in complete} == {"1", "0"}
    assert complete[0]["comment_cn"] == "'" + TRICKY  # neutralised, nothing else changed
    assert complete[0]["received_us"] == "dk"
    assert complete[0]["sectors_us"] == "health;water"


def test_filters_both_sides_and_kind(session, exported_round, tmp_path):
    both = exports.write(
        session, exported_round["round"], exports.ExportRequest(sides="both"), tmp_path / "b.csv"
    )
    assert both.rows == 2
    cities = exports.write(
        session, exported_round["round"], exports.ExportRequest(kind="city"), tmp_path / "k.csv"
    )
    assert cities.rows == 3
    with pytest.raises(ServiceError) as unknown:  # no pair has it: a typo, not an empty file
        exports.write(
            session, exported_round["round"], exports.ExportRequest(kind="state"), tmp_path / "s"
        )
    assert unknown.value.code == "unknown_kind"
    assert not (tmp_path / "s").exists()


def test_sav_and_dta_read_back_with_labels_and_missing_codes(session, exported_round, tmp_path):
    round_ = exported_round["round"]
    sav = tmp_path / "w.sav"
    exports.write(
        session, round_, exports.ExportRequest(fmt="sav", lang="zh-Hans", sides="both"), sav
    )
    frame, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    assert len(frame) == 2
    assert "建立年份" in meta.column_names_to_labels["established_us"]
    assert set(frame["received_us"]) == {-98}
    assert meta.missing_ranges["received_us"]
    dta = tmp_path / "w.dta"
    exports.write(session, round_, exports.ExportRequest(fmt="dta", sides="both"), dta)
    stata = pd.read_stata(
        dta, convert_missing=True, convert_dates=False, convert_categoricals=False
    )
    assert len(stata) == 2
    assert {str(v) for v in stata["received_us"]} == {".d"}


def test_json_and_xlsx(session, exported_round, tmp_path):
    from openpyxl import load_workbook

    round_ = exported_round["round"]
    exports.write(
        session, round_, exports.ExportRequest(fmt="json", layout="long"), tmp_path / "l.json"
    )
    document = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))
    assert document["about"]["round"] == round_.slug
    assert document["about"]["questionnaire_sha256"]
    exports.write(
        session, round_, exports.ExportRequest(fmt="xlsx", layout="respondent"), tmp_path / "r.xlsx"
    )
    book = load_workbook(tmp_path / "r.xlsx")
    assert {"data", "codebook", "about"} <= set(book.sheetnames)
    assert book["data"].max_row == 1 + 6  # header + one row per side


def test_cli_export_is_audited_and_refuses_bad_layout(runner, session, exported_round, tmp_path):
    slug = exported_round["round"].slug
    out = tmp_path / "x.csv"
    result = runner.invoke(
        args=["export", slug, "--format", "csv", "--layout", "pairwise", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 6 rows (3 pairs, pairwise, csv)" in result.output
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "round.export"))
    assert entry.details["layout"] == "pairwise"
    assert entry.details["rows"] == 6
    bad = runner.invoke(
        args=["export", slug, "--format", "csv", "--layout", "tall", "-o", str(out)]
    )
    assert bad.exit_code == 2
    book = runner.invoke(
        args=["codebook", slug, "--format", "html", "-o", str(tmp_path / "c.html")]
    )
    assert book.exit_code == 0, book.output
    assert "建立年份" in (tmp_path / "c.html").read_text(encoding="utf-8")


def test_export_page_needs_the_export_right(client, session, exported_round):
    study, round_ = exported_round["study"], exported_round["round"]
    path = f"/studies/{study.slug}/rounds/{round_.slug}/export"
    login(client, exported_round["viewer"].email)
    assert client.get(path).status_code == 403
    login(client, exported_round["owner"].email)
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={"csrf_token": token, "fmt": "csv", "layout": "wide", "lang": "en", "sides": "any"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:  # data and codebook
        data = next(name for name in bundle.namelist() if name.endswith(".csv"))
        assert bundle.read(data).decode("utf-8").count("\n") >= 4
    response.close()  # as a server does: the temporary file goes with it
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "round.export"))
