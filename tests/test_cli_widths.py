"""Tables on a terminal never split a word: codes, numbers and dates keep their line, words
wrap at spaces only; too narrow for that, each row becomes a list of "header  value" lines.

Every table command is drawn at 80 and 120 columns and compared with the same table drawn
wide: each word of the wide table is whole in the narrow one, and nothing else appears.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from survey.commands.output import Column, layout
from tests.comparison.test_services import MINI, submit

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
RULES = re.compile(r"^[\s─━]*$")
# A word: a run without spaces, or one Chinese character (Chinese lines break between them).
WORD = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+")
LONG = (
    "How many delegations did your city send to the partner city between 2004 and 2008, "
    "counting official visits only?"
)


def drawn(rows, columns, width):
    out = Console(width=width, file=io.StringIO(), force_terminal=False, no_color=True)
    out.print(layout(rows, columns, width))
    return out.file.getvalue()


def words(text):
    return [w for line in text.splitlines() if not RULES.match(line) for w in WORD.findall(line)]


def assert_words_whole(narrow, wide, width):
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= width, narrow
    assert sorted(set(words(narrow))) == sorted(set(words(wide))), narrow


@pytest.mark.parametrize("width", [80, 120])
def test_layout_wraps_words_at_spaces_and_never_splits_a_code(width):
    rows = [
        {
            "pair": f"los-angeles-county-guangzhou-{n}",
            "question": LONG,
            "rule": "within ±1, against delegations received",
            "count": 12345,
            "date": "2009-05-01",
        }
        for n in range(3)
    ]
    chinese = "你们城市在2004至2008年间派出了多少个代表团？"
    rows.append({**rows[0], "pair": "x", "question": chinese})
    columns = [
        Column("pair", "Pair"),
        Column("question", "Question"),
        Column("rule", "Rule"),
        Column("count", "Count", numeric=True),
        Column("date", "Date"),
    ]
    narrow, wide = drawn(rows, columns, width), drawn(rows, columns, 1000)
    assert_words_whole(narrow, wide, width)
    lines = narrow.splitlines()
    header = next(line for line in lines if line.startswith("Pair"))
    assert header.split() == ["Pair", "Question", "Rule", "Count", "Date"]  # still a table
    first = next(line for line in lines if line.startswith("los-angeles-county-guangzhou-0"))
    assert "2009-05-01" in first  # the code and date on the row's first line, whole
    assert "12345" in first


def test_too_narrow_for_a_table_each_row_is_a_list_of_lines():
    rows = [{"pair": "los-angeles-county-guangzhou", "org": "Sister Cities Association"}] * 2
    columns = [Column(k, k.title()) for k in ("pair", "org")] + [
        Column(f"code{n}", f"Code {n}", show=lambda row, n=n: f"a-long-code-number-{n}")
        for n in range(4)
    ]
    narrow = drawn(rows, columns, 80)
    assert_words_whole(narrow, drawn(rows, columns, 1000), 80)
    lines = narrow.splitlines()
    assert lines[0].split() == ["Pair", "los-angeles-county-guangzhou"]
    assert lines[-1].strip() == "2 rows"


@pytest.fixture
def everything(session, runner, make_study, make_round, make_pair):
    """A study whose tables have long words and codes: one of each table command's subjects."""
    from survey.comparison import services as comparison
    from survey.rounds import services as rounds

    study = make_study("sister-cities-of-the-united-states-and-china")
    study.title = {"en": "Sister cities of the United States and China, 1979 to 2010"}
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    round_.name = "Interviews with sister city partners, 2009 to 2010"
    for pair_side in rounds.round_pairs(session, round_)[0].sides:
        pair_side.place_en = "Los Angeles County and the San Gabriel Valley"
    sides = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = comparison.questionnaire_of(session, round_)
    submit(session, sides["us"], q, {"established": "1987", "training": "yes", "sent": "3"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no", "received": "dk"})
    session.flush()
    return study.slug, round_.slug


def commands(study, round_):
    return [
        ["study", "list"],
        ["round", "list"],
        ["pairs", "list", "--study", study],
        ["questionnaire", "list"],
        ["round", "status", round_],
        ["round", "links", round_, "--format", "table"],
        ["discrepancies", round_, "--outcome", "all"],
        ["agreement", round_, "--boot", "0"],
        ["tabulate", round_, "training"],
        ["mail", "status"],
    ]


@pytest.mark.parametrize("width", [80, 120])
def test_every_table_command_keeps_words_whole(runner, everything, width):
    study, round_ = everything

    def shown(args, columns):
        env = {"SURVEY_TERMINAL": "1", "COLUMNS": str(columns), "NO_COLOR": "1"}
        result = runner.invoke(args=args, env=env)
        assert result.exit_code == 0, (args, result.output)
        return ANSI.sub("", result.output)

    for args in commands(study, round_):
        wide, narrow = shown(args, 1000), shown(args, width)
        assert words(wide), args
        assert_words_whole(narrow, wide, width)
