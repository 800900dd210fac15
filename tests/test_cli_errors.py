"""No traceback ever reaches a user: bad paths, files and encodings give one clear line."""

from __future__ import annotations

import pytest

from survey.commands import guarded

MINI = "tests/fixtures/questionnaires/mini.yaml"


@pytest.fixture
def world(session, make_study, make_round, tmp_path):
    study = make_study("alpha")
    round_ = make_round(study, pairs=2)
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"pair,side,question,value\n\xff\xfe\x00\x81\x30,us,a,b\n")
    latin = tmp_path / "latin.csv"  # neither UTF-8 nor GB18030
    latin.write_bytes(b"pair,side,question,value\nx\xff\xff,us,a,b\n")
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("not a workbook", encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("key: [unclosed\n", encoding="utf-8")
    return {
        "round": round_.slug,
        "study": study.slug,
        "missing": str(tmp_path / "missing" / "dir"),
        "file": str(not_a_folder),
        "binary": str(binary),
        "latin": str(latin),
        "xlsx": str(fake_xlsx),
        "yaml": str(bad_yaml),
        "folder": str(tmp_path),
    }


def bad_commands(w: dict[str, str]) -> list[tuple[list[str], str]]:
    """(arguments, what the one line must say)."""
    r, s, missing, file = w["round"], w["study"], w["missing"], w["file"]
    commands: list[tuple[list[str], str]] = []
    for fmt in ("csv", "xlsx", "sav", "dta", "rds", "json"):
        commands.append(
            (["export", r, "--format", fmt, "-o", f"{missing}/x.{fmt}"], "does not exist")
        )
    commands += [
        (["export", r, "--format", "csv", "-o", f"{file}/x.csv"], "is not a folder"),
        (["export", r, "--format", "csv", "-o", "/proc/x.csv"], "cannot write /proc/x.csv"),
        (["export", r, "--format", "sav", "--bundle", "zip", "-o", f"{missing}/x.zip"], "exist"),
        (["codebook", r, "--format", "html", "-o", f"{missing}/c.html"], "does not exist"),
        (["codebook", r, "--format", "xlsx", "-o", f"{file}/c.xlsx"], "is not a folder"),
        (["pairs", "export", "--study", s, "-o", f"{missing}/p.csv"], "does not exist"),
        (
            ["questionnaire", "export", "sister-cities", "--format", "yaml", "-o", f"{missing}/q"],
            "does not exist",
        ),
        (
            ["questionnaire", "export", "sister-cities", "--format", "xlsform", "-o", f"{file}/q"],
            "is not a folder",
        ),
        (["pairs", "import", w["binary"], "--study", s], "binary.csv: Line 2 contains NUL bytes"),
        (["pairs", "import", w["latin"], "--study", s], "neither UTF-8 nor GB18030"),
        (["pairs", "import", w["latin"], "--study", s, "--encoding", "ascii"], "ascii"),
        (["pairs", "import", w["xlsx"], "--study", s], "not a readable .xlsx"),
        (["responses", "import", w["latin"], "--round", r], "neither UTF-8 nor GB18030"),
        (["responses", "import", w["xlsx"], "--round", r], "not a valid .xlsx"),
        (["questionnaire", "import", w["xlsx"]], "nothing was imported"),
        (["questionnaire", "check", w["yaml"]], "bad.yaml:"),
        (["questionnaire", "import", w["yaml"]], "nothing was imported"),
        (["round", "status", "no-such-round"], 'no round "no-such-round"'),
        (["export", "no-such-round", "--format", "csv", "-o", f"{w['folder']}/n.csv"], "no round"),
        (["mail", "status", "--study", "nope"], 'no study "nope"'),
        (["discrepancies", r, "--study", "nope"], 'no study "nope"'),
    ]
    return commands


def test_bad_input_gives_one_clear_line_and_exit_1(runner, world):
    for args, says in bad_commands(world):
        result = runner.invoke(args=args)
        assert "Traceback" not in result.output, (args, result.output)
        assert result.exit_code == 1, (args, result.output)
        assert says in result.output, (args, result.output)
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) <= 1, (args, result.output)
        # an exception that escaped the command would be kept here, not a clean exit
        assert isinstance(result.exception, SystemExit), (args, result.exception)


def test_usage_errors_exit_2_without_traceback(runner, world):
    r = world["round"]
    for args in (
        ["export", r, "--format", "pdf", "-o", "x"],
        ["export", r, "--format", "csv", "-o", world["folder"]],
        ["export", r, "--format", "csv"],
        ["responses", "import", f"{world['missing']}/none.csv", "--round", r],
        [
            "round",
            "create",
            "W",
            "--study",
            "alpha",
            "--questionnaire",
            "x",
            "--closes",
            "2009-01-01",
        ]
        + ["--timezone", "Mars"],
        ["nosuchcommand"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_an_unexpected_failure_is_one_line_and_the_traceback_on_request(monkeypatch, capsys):
    import click

    def broken() -> None:
        raise RuntimeError("the disk said no")

    wrapped = guarded(broken)
    with pytest.raises(click.ClickException) as error:
        wrapped()
    assert error.value.message == (
        "unexpected failure (RuntimeError: the disk said no); nothing was changed. "
        "Run again with SURVEY_TRACEBACK=1 to see the details."
    )
    monkeypatch.setenv("SURVEY_TRACEBACK", "1")
    with pytest.raises(RuntimeError):
        wrapped()


def test_every_registered_command_is_guarded(app):
    def walk(command):
        yield command
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    for name in ("export", "round", "pairs", "responses", "questionnaire", "mail", "study"):
        for command in walk(app.cli.commands[name]):
            if command.callback is not None:
                assert getattr(command.callback, "_guarded", False), command.name
