"""`survey export` keeps its word: a codebook with every single-file format, --lang for CSV,
an unknown --kind or --sides refused, --sides named for what it does, no traceback."""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pyreadstat

from tests.exports.test_services import exported_round  # noqa: F401  (fixture)
from tests.fixtures.web import csrf_token, login


def export(runner, slug, *args):
    return runner.invoke(args=["export", slug, *args])


def test_csv_comes_with_its_codebook_beside_it(runner, exported_round, tmp_path):  # noqa: F811
    slug = exported_round["round"].slug
    out = tmp_path / "wave.csv"
    result = export(runner, slug, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    book = tmp_path / "wave.codebook.html"
    assert f"Wrote its bilingual codebook to {book}." in result.output
    html = book.read_text(encoding="utf-8")
    assert "established_us" in html
    assert "建立年份" in html  # the Chinese labels too
    assert len(pd.read_csv(out)) == 3
    xlsx = tmp_path / "w.sav"
    result = export(runner, slug, "--format", "sav", "--codebook", "xlsx", "-o", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "w.codebook.xlsx").worksheets[0]
    names = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert "established_us" in names
    none = tmp_path / "n.csv"
    export(runner, slug, "--format", "csv", "--codebook", "none", "-o", str(none))
    assert not (tmp_path / "n.codebook.html").exists()
    inside = tmp_path / "x.xlsx"
    result = export(runner, slug, "--format", "xlsx", "-o", str(inside))
    assert "codebook" not in result.output.split("\n", 1)[1]  # the workbook holds it
    assert not (tmp_path / "x.codebook.html").exists()


def test_bundle_zip_holds_data_and_codebook(runner, exported_round, tmp_path):  # noqa: F811
    slug = exported_round["round"].slug
    out = tmp_path / "wave.zip"
    result = export(runner, slug, "--format", "sav", "--bundle", "zip", "-o", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as bundle:
        assert sorted(bundle.namelist()) == ["wave.codebook.html", "wave.sav"]
        bundle.extractall(tmp_path / "x")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "x" / "wave.sav"))
    assert len(frame) == 3
    assert "established_us" in meta.column_names
    wrong = export(
        runner,
        slug,
        "--format",
        "csv",
        "--bundle",
        "zip",
        "-o",
        str(tmp_path / "a.csv"),
    )
    assert wrong.exit_code == 2
    assert "give a .zip file name" in wrong.output


def test_lang_gives_csv_a_label_row(runner, exported_round, tmp_path):  # noqa: F811
    slug = exported_round["round"].slug
    plain, labelled = tmp_path / "plain.csv", tmp_path / "zh.csv"
    export(runner, slug, "--format", "csv", "-o", str(plain))
    result = export(runner, slug, "--format", "csv", "--lang", "zh-Hans", "-o", str(labelled))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(labelled.read_text(encoding="utf-8"))))
    names, labels = rows[0], rows[1]
    assert names == next(csv.reader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert labels[names.index("pair")] == "结对"
    assert "建立年份" in labels[names.index("established_us")]
    assert len(rows) == 2 + 3
    # read back as docs/exports.md says: pandas skips the label row, R too
    frame = pd.read_csv(labelled, skiprows=[1])
    assert len(frame) == 3
    assert sorted(frame["established_agree"].dropna().tolist()) == [0.0, 1.0]
    script = (
        f'h <- read.csv("{labelled}", nrows = 1, header = FALSE, encoding = "UTF-8")\n'
        f'd <- read.csv("{labelled}", skip = 2, header = FALSE, col.names = unlist(h[1, ]))\n'
        'cat(nrow(d), sum(!is.na(d$established_us)), "\\n")\n'
    )
    r = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["3", "2"]


def test_unknown_kind_and_sides_are_refused(runner, exported_round, tmp_path):  # noqa: F811
    slug = exported_round["round"].slug
    out = tmp_path / "k.csv"
    kind = export(runner, slug, "--format", "csv", "--kind", "nosuchkind", "-o", str(out))
    assert kind.exit_code == 1
    assert kind.output == (
        "Error: No pair of this round is of the kind nosuchkind; its kinds are: city.\n"
    )
    assert not out.exists()
    sides = export(runner, slug, "--format", "csv", "--sides", "cn2", "-o", str(out))
    assert sides.exit_code == 1
    assert "cn2 is not one of: all, any, both, us, cn." in sides.output
    assert not out.exists()
    city = export(runner, slug, "--format", "csv", "--kind", "city", "-o", str(out))
    assert "Wrote 3 rows" in city.output


def test_sides_are_named_for_what_they_do(runner, session, exported_round, tmp_path):  # noqa: F811
    from survey.comparison import services as comparison
    from survey.responding import services as answers
    from survey.rounds import services as rounds

    round_ = exported_round["round"]
    slug = round_.slug
    third = [
        row
        for row in rounds.invitation_rows(session, round_)
        if row.invitation.state != "submitted"
    ]
    cn = next(row for row in third if row.side.code == "cn")
    q = comparison.questionnaire_of(session, round_)
    answers.record_answers(session, cn.invitation, q, {"established": "1990", "training": "no"})
    answers.submit(session, cn.invitation, q)

    def rows(*args):
        out = tmp_path / "s.csv"
        result = export(
            runner, slug, "--format", "csv", "--codebook", "none", *args, "-o", str(out)
        )
        assert result.exit_code == 0, result.output
        return result, pd.read_csv(out)

    assert len(rows()[1]) == 3
    assert len(rows("--sides", "all")[1]) == 3
    assert len(rows("--sides", "any")[1]) == 3
    assert len(rows("--sides", "both")[1]) == 2
    assert len(rows("--sides", "cn")[1]) == 3
    only_us = rows("--sides", "us")[1]
    assert len(only_us) == 2
    assert only_us["established_us"].notna().all()
    old, frame = rows("--sides", "one")
    assert len(frame) == 3
    assert "Warning: --sides one is deprecated; use --sides any" in old.output


def test_codebook_says_how_many_variables(runner, exported_round, tmp_path):  # noqa: F811
    slug = exported_round["round"].slug
    for fmt in ("html", "csv", "xlsx"):
        out = tmp_path / f"c.{fmt}"
        result = runner.invoke(args=["codebook", slug, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        count = int(result.output.split("(")[1].split()[0])
        assert count > 10
        assert result.output == f"Wrote the codebook ({count} variables) to {out}.\n"


def test_web_download_is_a_zip_of_data_and_codebook(client, exported_round):  # noqa: F811
    study, round_ = exported_round["study"], exported_round["round"]
    path = f"/studies/{study.slug}/rounds/{round_.slug}/export"
    login(client, exported_round["owner"].email)
    page = client.get(path).get_data(as_text=True)
    assert "downloaded as a .zip holding the data file and the codebook" in page
    assert "Pairs where US submitted" in page
    data = {"csrf_token": csrf_token(client, path), "layout": "wide", "lang": "en"}
    response = client.post(path, data={**data, "fmt": "csv", "sides": "all"})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:
        names = sorted(bundle.namelist())
        assert names[0].endswith(".codebook.html")
        assert names[1].endswith(".csv")
        assert len(pd.read_csv(bundle.open(names[1]))) == 3
    response.close()
    book = client.post(path, data={**data, "fmt": "xlsx", "sides": "us"})
    assert book.mimetype.endswith("spreadsheetml.sheet")
    sheets = openpyxl.load_workbook(io.BytesIO(book.get_data()))
    assert "codebook" in sheets.sheetnames
    assert sheets["data"].max_row == 1 + 2  # header + the pairs where us submitted
    book.close()
