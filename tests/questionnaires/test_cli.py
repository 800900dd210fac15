"""`survey questionnaire check | import | list | show | export`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from survey.questionnaires.models import QuestionnaireVersion

ROOT = Path(__file__).resolve().parents[2]
SISTER = str(ROOT / "questionnaires" / "sister-cities.yaml")
MALFORMED = ROOT / "tests" / "core" / "malformed"


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(QuestionnaireVersion))


def test_check_passes_the_sister_city_questionnaire_with_nothing_missing(runner):
    result = runner.invoke(args=["questionnaire", "check", SISTER])
    assert result.exit_code == 0, result.output
    assert "ok: sister-cities 2009.1" in result.output
    for language in ("en", "zh-Hans", "zh-Hant"):
        assert f"{language} " in result.output
    texts = result.output.split("texts: ")[1]
    for part in texts.strip().split("; "):
        written, total = part.split(" ")[1].split("/")
        assert written == total, part


def test_check_reports_file_and_line_and_exits_1(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'key: x\nversion: "1"\nlanguages: [en]\ntitle: {en: X}\nsections:\n'
        "  - key: s\n    title: {en: S}\n    questions:\n"
        "      - key: q\n        type: integr\n        text: {en: Q}\n"
    )
    result = runner.invoke(args=["questionnaire", "check", SISTER, str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:9: unknown question type 'integr'" in result.output
    assert "ok: sister-cities" in result.output


def test_every_malformed_fixture_fails_check(runner):
    files = sorted(str(p) for p in MALFORMED.glob("*.yaml"))
    assert len(files) >= 30
    for name in files:
        result = runner.invoke(args=["questionnaire", "check", name])
        assert result.exit_code == 1, name
        assert f"{name}:" in result.output, name


def test_import_prints_key_and_version_then_is_idempotent(runner, session):
    first = runner.invoke(args=["questionnaire", "import", SISTER])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Imported sister-cities 2009.1 (sha256 ")
    again = runner.invoke(args=["questionnaire", "import", SISTER])
    assert again.output.startswith("Already imported: sister-cities 2009.1")
    assert stored(session) == 1


def test_import_of_an_invalid_file_imports_nothing(runner, session):
    name = str(sorted(MALFORMED.glob("*.yaml"))[0])
    result = runner.invoke(args=["questionnaire", "import", name])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert stored(session) == 0


def test_import_into_unknown_study_is_refused(runner, session):
    result = runner.invoke(args=["questionnaire", "import", SISTER, "--study", "nope"])
    assert result.exit_code == 1
    assert result.output == 'Error: no study "nope"; `survey study list` shows them\n'
    assert stored(session) == 0


def test_list_show_and_export_round_trip(runner, tmp_path, session):
    runner.invoke(args=["questionnaire", "import", SISTER])
    listing = json.loads(runner.invoke(args=["questionnaire", "list", "--format", "json"]).output)
    assert [(r["key"], r["version"]) for r in listing] == [("sister-cities", "2009.1")]
    shown = json.loads(
        runner.invoke(
            args=["questionnaire", "show", "sister-cities@2009.1", "--format", "json"]
        ).output
    )
    assert shown["sha256"] == listing[0]["sha256"]
    assert (
        "delegations_sent" in runner.invoke(args=["questionnaire", "show", "sister-cities"]).output
    )
    out = tmp_path / "export.yaml"
    exported = runner.invoke(
        args=["questionnaire", "export", "sister-cities", "--format", "yaml", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    check = runner.invoke(args=["questionnaire", "import", str(out)])
    assert check.output.startswith("Already imported"), check.output
    missing = runner.invoke(args=["questionnaire", "show", "sister-cities@0.0"])
    assert missing.exit_code == 1
    assert missing.output == (
        'Error: no questionnaire "sister-cities@0.0" — did you mean "sister-cities@2009.1"?\n'
    )


def test_xlsform_export_reimports_to_the_same_version(runner, tmp_path, session):
    runner.invoke(args=["questionnaire", "import", SISTER])
    out = tmp_path / "sister-cities.xlsx"
    exported = runner.invoke(
        args=["questionnaire", "export", "sister-cities", "--format", "xlsform", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    again = runner.invoke(args=["questionnaire", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Already imported: sister-cities 2009.1")
    assert stored(session) == 1


def test_xlsform_with_a_repeat_in_a_repeat_imports_it_as_a_linked_roster(runner, tmp_path, session):
    """A repeat in a repeat is a roster of its own, named in a warning with its row; one of
    its columns reading the outer repeat's column is refused naming that row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in (
        ["type", "name", "label::English (en)", "relevant"],
        ["begin repeat", "visits", "Visits", ""],
        ["integer", "n", "How many?", ""],
        ["begin repeat", "guests", "Guests", ""],
        ["text", "guest", "Name", "${n} > 0"],  # the outer repeat's column: no such row here
        ["end repeat", "", "", ""],
        ["end repeat", "", "", ""],
    ):
        sheet.append(row)
    path = tmp_path / "repeat.xlsx"
    book.save(path)
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 1
    assert "repeat.xlsx:5:" in result.output
    assert "a column of the outer repeat 'visits'" in result.output
    assert stored(session) == 0
    book["survey"].cell(row=5, column=4).value = None
    book.save(path)
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "repeat.xlsx:4: 'guests' (row 4) is a repeat inside the repeat 'visits'" in (
        result.output
    )
    assert result.output.startswith("warning: ")
    assert stored(session) == 1


def _unsupported_form(tmp_path) -> str:
    from tests.core.test_xlsform import SURVEY, write_form

    survey = [
        (*SURVEY, "relevant"),
        ("start", "start", None, None),
        ("geopoint", "where", "Where?", None),
        ("text", "place", "Place", "${where} != ''"),
        ("text", "q", "Q", None),
    ]
    return str(write_form(tmp_path / "form.xlsx", survey))


def test_check_and_import_refuse_an_unsupported_row_without_the_flag(runner, session, tmp_path):
    path = _unsupported_form(tmp_path)
    check = runner.invoke(args=["questionnaire", "check", path])
    assert check.exit_code == 1
    assert f"{path}:3: question 'where' has type 'geopoint'" in check.output
    imported = runner.invoke(args=["questionnaire", "import", path])
    assert imported.exit_code == 1
    assert "nothing was imported" in imported.output
    assert stored(session) == 0


def test_skip_unsupported_names_every_dropped_row_and_what_depended_on_it(
    runner, session, tmp_path
):
    path = _unsupported_form(tmp_path)
    check = runner.invoke(args=["questionnaire", "check", "--skip-unsupported", path])
    assert check.exit_code == 0, check.output
    assert f"warning: {path}:2: 'start' (start) is not asked: survey records" in check.output
    assert f"warning: {path}:3: dropped: question 'where' has type 'geopoint'" in check.output
    assert (
        f"warning: {path}:4: dropped 'place': its relevant uses ${{where}} (row 3, left out)"
        in check.output
    )
    assert "ok: form 1, 1 questions" in check.output
    imported = runner.invoke(args=["questionnaire", "import", "--skip-unsupported", path])
    assert imported.exit_code == 0, imported.output
    assert f"warning: {path}:3: dropped: question 'where'" in imported.output
    assert "Imported form 1 (sha256 " in imported.output
    assert stored(session) == 1


def test_check_and_import_read_the_csv_beside_the_form_or_in_its_zip(runner, session, tmp_path):
    import zipfile

    from tests.core.test_xlsform_files import form_with_file

    path = form_with_file(tmp_path)
    check = runner.invoke(args=["questionnaire", "check", str(path)])
    assert check.exit_code == 0, check.output
    archive = tmp_path / "form.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(path, "form.xlsx")
        bundle.write(tmp_path / "places.csv", "places.csv")
    (tmp_path / "places.csv").unlink()
    missing = runner.invoke(args=["questionnaire", "check", str(path)])
    assert missing.exit_code == 1
    assert "reads its choices from 'places.csv', which is not beside the form" in missing.output
    imported = runner.invoke(args=["questionnaire", "import", str(archive)])
    assert imported.exit_code == 0, imported.output
    assert stored(session) == 1
