"""The wide export's roster files: the counts in the data file, each roster's rows in a
file of its own (CSV, SPSS, Stata, R), a sheet (XLSX) or a key (JSON), read back with
pandas and pyreadstat; the zip of a download holds them; the codebook documents them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from survey.exports import services as exports
from survey.exports.codebook import codebook
from survey.exports.roster_files import file_beside, sheet_names
from tests.responding.test_rosters import _submitted_pair, rostered  # noqa: F401 (a fixture)

COLUMNS = ["pair", "side", "row", "partner_row", "row_agree", "year", "direction", "size",
           "purpose"]  # fmt: skip
# us gave 2009 sent (5) and 2010 received (3); cn 2009 received (9), 2010 sent (4) and
# 2010 received (2). Mirrored, us's sent is cn's received: 2009 pairs but differs by 4
# people (more than 2), 2010 sent/received pairs and agrees, cn's 2010 received has none.
EXPECTED = [
    ["us", 1, 1, 0, 2009, "sent", 5, 'Trade, "fair"'],
    ["us", 2, 2, 1, 2010, "received", 3, None],
    ["cn", 1, 1, 0, 2009, "received", 9, None],
    ["cn", 2, 2, 1, 2010, "sent", 4, None],
    ["cn", 3, None, 0, 2010, "received", 2, None],
]


def _cells(frame) -> list[list]:  # noqa: ANN001
    """The frame's rows from `side` on, with NaN as None and whole floats as ints."""
    found = []
    for record in frame[COLUMNS[1:]].itertuples(index=False):
        row = []
        for value in record:
            if value != value or value is None or value == "":  # NaN or empty
                row.append(None)
            elif isinstance(value, float) and value.is_integer():
                row.append(int(value))
            else:
                row.append(value)
        found.append(row)
    return found


def test_the_csv_export_writes_a_roster_file_beside_the_data_file(session, rostered, tmp_path):  # noqa: F811
    import pandas as pd

    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    data = pd.read_csv(out)
    assert (data.loc[0, "delegations_us"], data.loc[0, "delegations_cn"]) == (2, 3)
    rows = pd.read_csv(tmp_path / "wide_delegations.csv", keep_default_na=True)
    assert list(rows.columns) == COLUMNS
    assert set(rows["pair"]) == {data.loc[0, "pair"]}
    assert _cells(rows) == EXPECTED


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_roster_files_carry_labels(session, rostered, tmp_path, fmt):  # noqa: F811
    import pyreadstat

    round_ = _submitted_pair(session, rostered)
    out = tmp_path / f"wide.{fmt}"
    exports.write(session, round_, exports.ExportRequest(fmt=fmt), out)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(str(tmp_path / f"wide_delegations.{fmt}"), apply_value_formats=True)
    assert list(frame.columns) == COLUMNS
    assert meta.column_names_to_labels["row_agree"] == "Row agrees with the other side's"
    assert list(frame["direction"]) == ["Sent", "Received", "Received", "Sent", "Received"]
    assert list(frame["row_agree"]) == ["disagree", "agree", "disagree", "agree", "disagree"]
    assert [int(x) for x in frame["size"]] == [5, 3, 9, 4, 2]


def test_the_r_export_writes_an_rds_roster_file(session, rostered, tmp_path):  # noqa: F811
    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "wide.rds"
    exports.write(session, round_, exports.ExportRequest(fmt="rds"), out)
    beside = tmp_path / "wide_delegations.rds"
    assert beside.exists()
    pyreadr = pytest.importorskip("pyreadr", reason="reading .rds back needs pyreadr")
    frame = pyreadr.read_r(str(beside))[None]
    assert [name for name in frame.columns if not name.endswith("_dkrf")] == COLUMNS
    assert [int(x) for x in frame["size"]] == [5, 3, 9, 4, 2]


def test_the_workbook_has_a_sheet_per_roster(session, rostered, tmp_path):  # noqa: F811
    import pandas as pd

    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "wide.xlsx"
    exports.write(session, round_, exports.ExportRequest(fmt="xlsx"), out)
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["data", "delegations", "codebook", "about"]
    assert _cells(sheets["delegations"]) == EXPECTED
    assert not (tmp_path / "wide_delegations.xlsx").exists()  # inside the workbook
    book = sheets["codebook"]
    row_agree = book[book["variable"] == "row_agree"].iloc[0]
    assert row_agree["coding_en"].startswith("in the roster file <name>_delegations")


def test_the_json_export_holds_the_rosters(session, rostered, tmp_path):  # noqa: F811
    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "wide.json"
    exports.write(session, round_, exports.ExportRequest(fmt="json"), out)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["records"][0]["delegations_cn"] == 3
    roster = document["rosters"]["delegations"]
    assert [v["name"] for v in roster["variables"]] == COLUMNS
    assert [r["size"] for r in roster["records"]] == [5, 3, 9, 4, 2]
    assert roster["records"][4]["partner_row"] is None


def test_a_download_zip_holds_the_roster_file_with_the_data_and_codebook(
    session,
    rostered,  # noqa: F811
    tmp_path,
):
    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "bundle.zip"
    exports.write_bundle(session, round_, exports.ExportRequest(), out, "wave.csv")
    with zipfile.ZipFile(out) as bundle:
        assert bundle.namelist() == ["wave.csv", "wave.codebook.html", "wave_delegations.csv"]
        text = bundle.read("wave_delegations.csv").decode("utf-8")
        book = bundle.read("wave.codebook.html").decode("utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "delegations.size" in book  # the codebook documents the roster file's columns
    assert "in the roster file &lt;name&gt;_delegations" in book


def test_the_codebook_documents_the_roster_file(session, rostered):  # noqa: F811
    round_ = _submitted_pair(session, rostered)
    q, dataset, _ = exports.dataset_of(session, round_, exports.ExportRequest())
    rows = codebook(q, dataset)
    names = [row.variable for row in rows]
    part = rows[names.index("partner_row") - 3 :]  # after the data file's variables
    assert [row.variable for row in part if row.role not in ("special", "option")] == COLUMNS
    by_name = {row.variable: row for row in part}
    size = by_name["size"]
    assert size.question == "delegations.size"
    assert size.type == "integer"
    assert size.text["zh-Hant"] == "訪問團人數"
    assert size.coding["en"].startswith("in the roster file <name>_delegations (XLSX: the sheet")
    assert size.coding["zh-Hans"].startswith("位于名册文件 <name>_delegations")
    assert by_name["direction"].options[0].code == "sent"
    assert (
        by_name["row_agree"]
        .coding["en"]
        .endswith(
            "1 = paired by the roster rule with no column disagreeing, 0 = a row of one side only "
            "or a column disagrees, empty = a column goes to review"
        )
    )
    count = next(row for row in rows if row.variable == "delegations_us")
    assert "the rows themselves are in the roster file <name>_delegations" in count.coding["en"]


def test_an_identifying_column_is_left_out_of_the_roster_file_unless_asked(
    session, make_round, tmp_path
):
    import pandas as pd

    from survey.questionnaires.models import QuestionnaireVersion
    from survey.questionnaires.services import model_of
    from survey.responding import services as answers
    from survey.rounds import services as rounds

    source = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "            compare: none\n", "            compare: none\n            identifying: true\n"
    )
    named = tmp_path / "named.yaml"
    named.write_text(text.replace("key: roster\n", "key: roster-named\n"), encoding="utf-8")
    round_ = make_round(pairs=1, questionnaire=named)
    us = next(r for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    cells = {"year": "2009", "direction": "sent", "size": "5", "purpose": "Ms Li's visit"}
    answers.record_answers(session, us.invitation, q, {"delegations": [cells]})
    answers.submit(session, us.invitation, q)
    out = tmp_path / "wide.csv"
    result = exports.write(session, round_, exports.ExportRequest(), out)
    assert "purpose" not in pd.read_csv(file_beside(out, "delegations")).columns
    assert "delegations: purpose" in result.about["withheld"]
    long_out = tmp_path / "long.csv"
    exports.write(session, round_, exports.ExportRequest(layout="long"), long_out)
    assert "Ms Li" not in long_out.read_text(encoding="utf-8")
    request = exports.ExportRequest(identifiers=True, reason="checking the delegations")
    exports.write(session, round_, request, out)
    frame = pd.read_csv(file_beside(out, "delegations"))
    assert list(frame["purpose"]) == ["Ms Li's visit"]


def test_sheet_names_stay_within_excel_and_clear_of_the_workbook_own():
    long_key = "delegations_received_from_the_partner_city"
    names = sheet_names(["data", long_key, long_key[:31] + "x", "about"])
    assert names == {
        "data": "data_2",
        long_key: long_key[:31],
        long_key[:31] + "x": long_key[:29] + "_2",
        "about": "about_2",
    }
    assert all(len(name) <= 31 for name in names.values())


def test_the_command_line_says_where_the_roster_file_went(runner, session, rostered, tmp_path):  # noqa: F811
    round_ = _submitted_pair(session, rostered)
    session.commit()
    out = tmp_path / "wave.csv"
    result = runner.invoke(args=["export", round_.slug, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote a roster's rows to {tmp_path / 'wave_delegations.csv'}." in result.output
    assert (tmp_path / "wave_delegations.csv").read_text(encoding="utf-8").count("\n") == 6
    bundled = tmp_path / "wave.zip"
    result = runner.invoke(
        args=["export", round_.slug, "--format", "csv", "--bundle", "zip", "-o", str(bundled)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote a roster's rows to wave_delegations.csv." in result.output
    with zipfile.ZipFile(bundled) as bundle:
        assert "wave_delegations.csv" in bundle.namelist()
