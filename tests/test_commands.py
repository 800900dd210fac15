"""The command line as a peer of the web: one-way imports, product-only help, listing what
exists, names resolved without --study when unique, errors that repeat and suggest."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from click.testing import CliRunner

from survey.db import db
from tests.fixtures.web import SECRET

ROOT = Path(__file__).resolve().parents[1] / "survey"
TERMINAL = {"SURVEY_TERMINAL": "1", "COLUMNS": "200", "NO_COLOR": "1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_feature_imports_the_cli_module_that_registers_it():
    """survey/cli.py imports every feature's commands; nothing may import it back."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.name != "cli.py" or path.parent != ROOT
        if "survey.cli" in imported_modules(path) and path != ROOT / "__init__.py"
    ]
    assert offenders == []
    assert "survey.cli" not in imported_modules(ROOT / "commands" / "__init__.py")


def test_help_lists_the_products_commands_only(app, tmp_path):
    from survey.cli import SurveyGroup

    env = {"SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite'}", "SURVEY_SECRET_KEY": SECRET}
    try:
        result = CliRunner().invoke(SurveyGroup(), ["--help"], env=env)
        assert result.exit_code == 0, result.output
        for product in ("study", "round", "export", "discrepancies", "demo", "mail"):
            assert re.search(rf"^  {product}\s", result.output, re.M), product
        for flask_own in ("routes", "run", "shell"):
            assert not re.search(rf"^  {flask_own}\s", result.output, re.M), flask_own
        for option in ("--env-file", "--app", "--debug"):
            assert option not in result.output
        # `flask --app survey …` keeps Flask's commands and options.
        from flask.cli import cli as flask_cli

        flask = CliRunner().invoke(flask_cli, ["--app", "survey", "--help"], env=env)
        assert flask.exit_code == 0, flask.output
        assert "routes" in flask.output
        assert re.search(r"^  study\s", flask.output, re.M)
        listed = CliRunner().invoke(flask_cli, ["--app", "survey", "study", "list"], env=env)
        assert "no such table" in listed.output or listed.exit_code == 0
    finally:
        db.configure(app.config["DATABASE_URL"])


def test_study_list_and_round_list(runner, make_study, make_round):
    first = make_study("alpha")
    first.title = {"en": "Alpha study", "zh-Hans": "甲研究"}
    second = make_study("beta")
    make_round(first, pairs=2)
    make_round(second, pairs=3)
    studies = json.loads(runner.invoke(args=["study", "list", "--format", "json"]).output)
    assert [(s["slug"], s["pairs"], s["rounds"]) for s in studies] == [
        ("alpha", 2, 1),
        ("beta", 3, 1),
    ]
    assert [s["code"] for s in studies[0]["sides"]] == ["us", "cn"]
    chinese = runner.invoke(args=["study", "list", "--lang", "zh-Hans"], env=TERMINAL).output
    assert "甲研究" in chinese
    rounds = json.loads(runner.invoke(args=["round", "list", "--format", "json"]).output)
    assert [(r["study"], r["pairs"], r["state"]) for r in rounds] == [
        ("alpha", 2, "open"),
        ("beta", 3, "open"),
    ]
    only = json.loads(
        runner.invoke(args=["round", "list", "--study", "beta", "--format", "json"]).output
    )
    assert [r["study"] for r in only] == ["beta"]
    missing = runner.invoke(args=["round", "list", "--study", "bet"])
    assert missing.exit_code == 1
    assert missing.output == 'Error: no study "bet" — did you mean "beta"?\n'


def test_lists_are_tables_on_a_terminal_and_tsv_in_a_pipe(runner, make_study, make_round):
    make_round(make_study("alpha"), pairs=2)
    piped = runner.invoke(args=["study", "list"])
    lines = piped.output.splitlines()
    assert lines[0] == "slug\ttitle\tsides\tpairs\trounds"
    assert lines[1].split("\t")[0] == "alpha"
    assert lines[1].split("\t")[3:] == ["2", "1"]
    shown = ANSI.sub("", runner.invoke(args=["study", "list"], env=TERMINAL).output)
    header = next(line for line in shown.splitlines() if "Study" in line)
    assert header.split() == ["Study", "Title", "Sides", "Pairs", "Rounds"]
    row = next(line for line in shown.splitlines() if line.startswith("alpha"))
    # aligned: each value starts under its header (numbers end under theirs)
    assert row.index("US (us), CN (cn)") == header.index("Sides")
    assert row.rstrip().endswith("1")
    assert len(row.rstrip()) == len(header.rstrip())
    assert "\t" not in shown
    assert "1 row" in shown


def test_a_unique_questionnaire_key_resolves_without_study(runner, make_study, tmp_path):
    make_study("alpha")
    imported = runner.invoke(
        args=["questionnaire", "import", "questionnaires/sister-cities.yaml", "--study", "alpha"]
    )
    assert imported.exit_code == 0, imported.output
    shown = runner.invoke(args=["questionnaire", "show", "sister-cities"])
    assert shown.exit_code == 0, shown.output
    assert "delegations_sent" in shown.output
    out = tmp_path / "q.yaml"
    exported = runner.invoke(
        args=["questionnaire", "export", "sister-cities", "--format", "yaml", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8").startswith("key: sister-cities")
    make_study("beta")
    runner.invoke(
        args=["questionnaire", "import", "questionnaires/sister-cities.yaml", "--study", "beta"]
    )
    both = runner.invoke(args=["questionnaire", "show", "sister-cities"])
    assert both.exit_code == 1
    assert both.output == (
        'Error: questionnaire "sister-cities" exists in several studies (alpha, beta); '
        "choose one with --study\n"
    )
    chosen = runner.invoke(args=["questionnaire", "show", "sister-cities", "--study", "beta"])
    assert chosen.exit_code == 0, chosen.output
    typo = runner.invoke(args=["questionnaire", "show", "sister-citys", "--study", "beta"])
    assert typo.output == 'Error: no questionnaire "sister-citys" — did you mean "sister-cities"?\n'


def test_rounds_resolve_across_studies_and_errors_suggest(runner, session, make_study, make_round):
    from survey.rounds import services as rounds

    alpha, beta = make_study("alpha"), make_study("beta")
    first = make_round(alpha, pairs=1)
    first.slug = "interviews-2009-2010"
    session.flush()
    status = runner.invoke(args=["round", "status", "interviews-2009-2010", "--format", "json"])
    assert status.exit_code == 0, status.output
    typo = runner.invoke(args=["round", "status", "interviews-2009"])
    assert typo.exit_code == 1
    assert typo.output == (
        'Error: no round "interviews-2009" — did you mean "interviews-2009-2010"?\n'
    )
    nothing = runner.invoke(args=["round", "status", "zzz"])
    assert nothing.output == 'Error: no round "zzz"; `survey round list` shows them\n'
    second = make_round(beta, pairs=1)
    second.slug = "interviews-2009-2010"
    session.flush()
    twice = runner.invoke(args=["round", "status", "interviews-2009-2010"])
    assert twice.exit_code == 1
    assert "exists in several studies (alpha, beta); choose one with --study" in twice.output
    chosen = runner.invoke(
        args=["round", "status", "interviews-2009-2010", "--study", "beta", "--format", "json"]
    )
    assert json.loads(chosen.output)["pairs"] == 1
    pair = rounds.round_pairs(session, first)[0].code
    wrong_pair = runner.invoke(
        args=["round", "reissue", "interviews-2009-2010", pair + "x", "us", "--study", "alpha"]
    )
    assert wrong_pair.exit_code == 1
    assert wrong_pair.output == f'Error: no pair "{pair}x" — did you mean "{pair}"?\n'
    wrong_side = runner.invoke(
        args=["round", "reissue", "interviews-2009-2010", pair, "usa", "--study", "alpha"]
    )
    assert wrong_side.output == 'Error: no side "usa" — did you mean "us"?\n'
