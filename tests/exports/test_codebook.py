"""Naming rules, label limits and the codebook (naming.py, codebook.py)."""

from __future__ import annotations

import csv
import re
from dataclasses import replace

import openpyxl
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.core.questionnaire import Option
from survey.exports import codebook, codebook_files, layouts, naming, writers
from survey.exports.dataset import Variable
from tests.exports import LONG_CJK, SIDES, questionnaire, records

# ---------------------------------------------------------------------------- names

AWKWARD_NAMES = [
    "Q1-a", "Q1_a", "ALL", "all", "with", "Dup", "dup", "DUP", "1st", "_n", "_N", "strL", "str12",
    "TRUE", "if", "x.", "a.b", "城市", "é_accent", "x" * 70, "x" * 70 + "y", ".5", "$sys",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["sav", "dta", "rds"])
def test_renamed_names_are_valid_unique_and_deterministic(fmt):
    names = naming.rename(AWKWARD_NAMES, fmt)
    assert list(names) == AWKWARD_NAMES
    assert all(naming.is_valid(name, fmt) for name in names.values()), names
    fold = str.upper if fmt == "sav" else str
    assert len({fold(name) for name in names.values()}) == len(AWKWARD_NAMES)
    assert names == naming.rename(AWKWARD_NAMES, fmt)


def test_spss_names():
    names = naming.rename(AWKWARD_NAMES, "sav")
    assert names["Q1-a"] == "Q1_a_2"  # "Q1_a" is valid and claims its own name first
    assert names["Q1_a"] == "Q1_a"
    assert names["ALL"] == "ALL_"
    assert names["all"] == "all_2"  # ALL_ is taken case-insensitively
    assert names["with"] == "with_"
    assert (names["Dup"], names["dup"], names["DUP"]) == ("Dup", "dup_2", "DUP_3")
    assert names["1st"] == "v1st"
    assert names["x."] == "x"
    assert names["a.b"] == "a.b"
    assert names["城市"] == "v"
    assert names["é_accent"] == "e_accent"
    assert len(names["x" * 70]) == 64
    assert names["x" * 70 + "y"] == "x" * 62 + "_2"
    assert names["$sys"] == "v$sys"  # $ may not start a name, but may follow


def test_stata_names():
    names = naming.rename(AWKWARD_NAMES, "dta")
    assert names["_n"] == "_n_"
    assert names["_N"] == "_N_"
    assert (names["strL"], names["str12"]) == ("strL_", "str12_")
    assert names["with"] == "with_"
    assert names["ALL"] == "ALL"  # Stata has no reserved ALL and tells cases apart
    assert (names["Dup"], names["dup"], names["DUP"]) == ("Dup", "dup", "DUP")
    assert names["a.b"] == "a_b"
    assert len(names["x" * 70]) == 32


def test_r_names_follow_make_names():
    names = naming.rename(AWKWARD_NAMES, "rds")
    assert names["TRUE"] == "TRUE_"
    assert names["if"] == "if_"
    assert names["1st"] == "X1st"
    assert names[".5"] == "X.5"
    assert names["_n"] == "X_n"
    assert names["a.b"] == "a.b"
    assert names["Q1-a"] == "Q1_a_2"


def test_dta_names_of_labelled_variables_leave_room_for_the_label_set():
    labelled = Variable("k" * 40, {"en": "k"}, "code", value_labels={"a": {"en": "A"}})
    plain = Variable("p" * 40, {"en": "p"}, "string")
    names = naming.format_names([plain, labelled], "dta")
    assert names == {"p" * 40: "p" * 32, "k" * 40: "k" * 31}


# ---------------------------------------------------------------------------- labels


@given(st.text(alphabet=st.sampled_from("a城😀é\u0301"), max_size=200), st.integers(0, 300))
def test_cut_bytes_never_splits_a_character(text, limit):
    cut = naming.cut_bytes(text, limit)
    assert text.startswith(cut)
    assert len(cut.encode("utf-8")) <= limit
    assert len(text[: len(cut) + 1].encode("utf-8")) > limit or cut == text


def test_label_limits_per_format():
    assert len(naming.cut(LONG_CJK, "sav", "value").encode()) == 120
    assert len(naming.cut(LONG_CJK, "sav", "variable").encode()) == 255  # 85 characters
    assert naming.cut(LONG_CJK, "dta", "variable") == LONG_CJK[:80]
    assert naming.cut("😀" * 100, "dta", "variable") == "😀" * 80
    assert naming.cut(LONG_CJK * 200, "dta", "value") == (LONG_CJK * 200)[:32_000]
    assert naming.cut(LONG_CJK, "rds", "variable") == LONG_CJK  # R has no limit


def test_sav_and_dta_cut_labels_and_the_codebook_keeps_them_whole(tmp_path):
    data = layouts.wide(questionnaire(), SIDES, records(1))
    writers.write_sav(data, tmp_path / "out.sav", lang="zh-Hans")
    _, meta = pyreadstat.read_sav(tmp_path / "out.sav", metadataonly=True)
    assert meta.variable_value_labels["kind_us"][3.0] == LONG_CJK[:40]
    rows = {row.variable: row for row in codebook.codebook(questionnaire(), data)}
    long = next(o for o in rows["kind_us"].options if o.code == "long")
    assert long.label["zh-Hans"] == LONG_CJK
    assert long.number == 3
    assert rows["story_us"].label["zh-Hans"] == "[us] " + LONG_CJK


# ---------------------------------------------------------------------------- codebook


def test_codebook_rows_describe_every_variable():
    q = questionnaire()
    data = layouts.wide(q, SIDES, [], include_status=True)
    rows = {row.variable: row for row in codebook.codebook(q, data)}
    assert list(rows) == [v.name for v in data.variables]
    kind = rows["kind_us"]
    assert kind.question == "kind"
    assert kind.side == "us"
    assert kind.type == "single"
    assert kind.text["zh-Hant"] == "Question kind?（繁）"
    assert [(o.code, o.number) for o in kind.options] == [("trade", 1), ("education", 2),
                                                           ("long", 3)]  # fmt: skip
    assert kind.specials == ("dk", "rf")
    assert "-98/-99" in kind.coding["en"]
    assert ".d/.r" in kind.coding["zh-Hans"]
    assert rows["sent_us"].compare == "tolerance abs=1; mirror received"
    assert rows["founded_us"].relevant == "${agreement} = 'yes'"
    agree = rows["kind_agree"]
    assert agree.coding["en"].startswith("1 = agree, 0 = disagree, empty = missing, skipped")
    assert [(o.code, o.number) for o in agree.options] == [("1", 1), ("0", 0)]
    assert rows["areas_trade_us"].formats == ("sav", "dta", "rds")
    assert rows["areas_trade_us"].coding["en"].startswith("1 = selected")
    assert rows["kind_us_dkrf"].formats == ("rds",)
    assert rows["account_us"].specials == ()
    assert rows["kind_status"].role == "status"


def test_codebook_gives_the_name_each_format_uses():
    q = questionnaire()
    options = (*q.question("kind").options, Option("Q1-a", {"en": "Odd code"}))
    odd = replace(q.question("areas"), key="all", options=options)
    q = replace(q, sections=(replace(q.sections[0], questions=(odd,)),))
    data = layouts.respondent(q, SIDES, [])
    rows = {row.variable: row for row in codebook.codebook(q, data)}
    assert rows["all"].names == {"sav": "all_", "dta": "all", "rds": "all"}
    assert rows["all_Q1-a"].names == {"sav": "all_Q1_a", "dta": "all_Q1_a", "rds": "all_Q1_a"}
    assert "csv" not in rows["all_Q1-a"].formats


def test_codebook_csv_and_xlsx(tmp_path):
    q = questionnaire()
    rows = codebook.codebook(q, layouts.wide(q, SIDES, []))
    codebook_files.write_codebook_csv(rows, tmp_path / "codebook.csv", bom=True)
    with open(tmp_path / "codebook.csv", encoding="utf-8-sig", newline="") as stream:
        table = list(csv.DictReader(stream))
    assert [line["variable"] for line in table] == [row.variable for row in rows]
    kind = next(line for line in table if line["variable"] == "kind_us")
    assert kind["label_zh-Hans"] == "[us] Question kind?（简）"
    assert kind["options"].splitlines()[0] == "trade = 1: Trade / 贸易 / 貿易"
    codebook_files.write_codebook_xlsx(rows, tmp_path / "codebook.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "codebook.xlsx")["codebook"]
    assert [c.value for c in sheet[1]][:4] == ["variable", "name_sav", "name_dta", "name_rds"]
    assert sheet.max_row == len(rows) + 1


def test_codebook_html_is_standalone_escaped_and_tagged_with_languages(tmp_path):
    q = questionnaire()
    hostile = replace(
        q.question("kind"),
        text={"en": "<script>alert(1)</script> & co", "zh-Hans": '"><img src=x onerror=1>'},
    )
    q = replace(q, sections=(replace(q.sections[0], questions=(hostile,)),))
    rows = codebook.codebook(q, layouts.wide(q, SIDES, []))
    path = tmp_path / "codebook.html"
    codebook_files.write_codebook_html(rows, path, q=q, about={"round": "<b>r1</b>"})
    page = path.read_text("utf-8")
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;r1&lt;/b&gt;" in page
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<p lang="zh-Hant">Question kind?（繁）</p>' not in page  # hostile text replaced it
    assert '<span lang="zh-Hans">贸易</span>' in page
    assert not re.search(r"<[^>]*\s(src|href)=|<link|@import|url\(", page)  # nothing external


def test_codebook_names_a_choice_filter_beside_the_relevant():
    q = questionnaire()
    kind = q.question("kind")
    options = tuple(replace(o, columns={"group": "a"}) for o in kind.options)
    filtered = replace(kind, options=options, choice_filter="group = 'a'")
    q = replace(q, sections=(replace(q.sections[0], questions=(filtered,)),))
    rows = {row.variable: row for row in codebook.codebook(q, layouts.wide(q, SIDES, []))}
    assert rows["kind_us"].relevant == "choice_filter: group = 'a'"
    assert [o.code for o in rows["kind_us"].options] == [o.code for o in kind.options]
