"""Comparison commands print words in aligned tables on a terminal, codes in TSV otherwise,
and long work shows progress on a terminal only."""

from __future__ import annotations

import re

import pytest

from tests.comparison.test_services import MINI, submit

TERMINAL = {"SURVEY_TERMINAL": "1", "COLUMNS": "220"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


@pytest.fixture
def compared(session, make_round):
    from survey.comparison import services as comparison
    from survey.rounds import services as rounds

    round_ = make_round(pairs=1, questionnaire=MINI)
    sides = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = comparison.questionnaire_of(session, round_)
    submit(session, sides["us"], q, {"established": "1987", "training": "yes", "sent": "3"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no", "received": "dk"})
    return round_.slug


def shown(runner, args):
    result = runner.invoke(args=args, env=TERMINAL)
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


def test_discrepancies_table_has_headers_and_words(runner, compared):
    text = shown(runner, ["discrepancies", compared, "--outcome", "all"])
    header = next(line for line in text.splitlines() if line.startswith("Pair"))
    assert header.split()[:4] == ["Pair", "Question", "Outcome", "Review"]
    assert "US" in header
    assert "CN" in header
    assert "same answer" in text  # the rule in words, not JSON
    assert "within ±1, against received" in text
    assert '{"' not in text
    assert "don't know" in text  # a special answer in words, not dk
    assert "\t" not in text
    established = next(line for line in text.splitlines() if "1987" in line)
    assert established.index("1987") == header.index("US")  # aligned under its side
    piped = runner.invoke(args=["discrepancies", compared, "--outcome", "all"]).output
    assert piped.splitlines()[0] == "pair\tquestion\toutcome\tstatus\tvalue_us\tvalue_cn\trule"
    assert "\tdk\t" in piped  # the machine format keeps the codes


def test_agreement_and_tabulate_tables(runner, compared):
    agreement = shown(runner, ["agreement", compared, "--boot", "0"])
    assert "Cohen's κ" in agreement
    assert "Question" in agreement
    tsv = runner.invoke(args=["agreement", compared, "--boot", "0", "--format", "tsv"]).output
    assert tsv.splitlines()[0].startswith("question\tlevel\tpairs_compared\tpercent_agreement\t")
    table = shown(runner, ["tabulate", compared, "training"])
    assert "Only US" in table
    assert "Only CN" in table
    assert "Yes" in table


def test_round_status_and_links_tables(runner, compared):
    status = shown(runner, ["round", "status", compared])
    assert "submitted" in status
    assert "1 pairs: submitted on both sides 1" in status
    links = shown(runner, ["round", "links", compared])
    assert "Respondent" in links
    assert "/r/" in links
    assert runner.invoke(args=["round", "links", compared]).output.startswith("pair,side,")


def test_progress_on_a_terminal_only(runner, compared, tmp_path):
    out = tmp_path / "x.csv"
    args = ["export", compared, "--format", "csv", "--codebook", "none", "-o", str(out)]
    quiet = runner.invoke(args=args)
    assert quiet.exit_code == 0, quiet.output
    assert "Exporting" not in quiet.stderr
    assert quiet.stdout.startswith("Wrote 1 rows")
    loud = runner.invoke(args=args, env=TERMINAL)
    assert loud.exit_code == 0, loud.output
    assert "Exporting" in loud.stderr
    compare = runner.invoke(args=["compare", compared], env=TERMINAL)
    assert "Comparing the pairs of" in compare.stderr
    assert "Comparing" not in runner.invoke(args=["compare", compared]).stderr


def test_csv_reports_keep_the_codes_and_add_the_words(runner, compared):
    import csv
    import io

    def read(args):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return list(csv.DictReader(io.StringIO(result.output)))

    rows = read(["discrepancies", compared, "--outcome", "all", "--format", "csv"])
    sent = next(r for r in rows if r["question"] == "sent")
    assert sent["rule_text"] == "within ±1, against received on the other side"
    assert sent["question_text"] == "Delegations sent"
    assert sent["label_cn"] == "don't know"
    assert sent["value_cn"] == "dk"  # the code stays beside the words
    assert '{"' in sent["rule"]  # the machine column keeps the rule as stored
    zh = read(
        ["discrepancies", compared, "--outcome", "all", "--format", "csv", "--lang", "zh-Hans"]
    )  # noqa: E501
    assert next(r for r in zh if r["question"] == "sent")["rule_text"].startswith("相差在 ±1 以内")
    table = read(["tabulate", compared, "training", "--format", "csv"])
    assert (table[0]["option"], table[0]["option_label"]) == ("yes", "Yes")
    assert table[0]["question_text"] == "Any training held"
    agreement = read(["agreement", compared, "--boot", "0", "--format", "csv"])
    assert {r["question_text"] for r in agreement} >= {"Year established"}
    tsv = runner.invoke(args=["tabulate", compared, "training", "--format", "tsv"]).output
    assert "option_label" not in tsv  # the machine format stays codes only
