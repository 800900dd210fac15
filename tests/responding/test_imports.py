"""`survey responses import`: every bad row reported, nothing written; good files submit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import imports
from survey.responding import services as answers
from survey.responding.models import Answer
from survey.rounds import services as rounds
from survey.rounds.models import Invitation

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"
HEADER = "pair,side,question,value,mode\n"


@pytest.fixture
def setup(session, make_study, make_pair, make_round):
    study = make_study()
    make_pair(study, "boulder-lhasa")
    make_pair(study, "portland-suzhou")
    return make_round(study, pairs=0, questionnaire=MINI)


def counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Answer)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
        session.scalar(select(func.count()).where(Invitation.state == "submitted")),
    )


def write(tmp_path: Path, body: str, name: str = "answers.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


GOOD = (
    "boulder-lhasa,us,established,1987,phone\n"
    "boulder-lhasa,us,training,yes,phone\n"
    "boulder-lhasa,us,sectors,health;water,phone\n"
    "boulder-lhasa,us,sent,4,phone\n"
    "boulder-lhasa,cn,established,1987,\n"
    "boulder-lhasa,cn,training,no,\n"
    "boulder-lhasa,cn,received,dk,\n"
    'boulder-lhasa,cn,comment,"很好，谢谢 ""友城""\n第二行",\n'
)


def test_good_file_imports_and_submits(session, setup, tmp_path):
    report = imports.import_responses(session, setup, write(tmp_path, GOOD))
    assert (report.sides, report.answers) == (2, 8)
    assert report.modes == {"phone": 1, "email": 1}
    by_side = {
        r.side.code: r.invitation
        for r in rounds.invitation_rows(session, setup)
        if r.pair.code == "boulder-lhasa"
    }
    assert by_side["us"].state == by_side["cn"].state == "submitted"
    assert by_side["us"].mode == "phone"
    assert by_side["cn"].mode == "email"
    cn = answers.answers_of(session, by_side["cn"])
    assert cn["received"] == "dk"
    assert cn["comment"] == '很好，谢谢 "友城"\n第二行'
    assert answers.answers_of(session, by_side["us"])["sectors"] == ["health", "water"]
    again = imports.import_responses(session, setup, write(tmp_path, GOOD))
    assert (again.sides, again.unchanged) == (0, 2)


def test_gb18030_and_xlsx(session, setup, tmp_path):
    from openpyxl import Workbook

    imports.import_responses(
        session,
        setup,
        write(
            tmp_path,
            "portland-suzhou,cn,established,1988,paper\n"
            "portland-suzhou,cn,training,no,paper\n"
            "portland-suzhou,cn,comment,苏州市外事办公室,paper\n",
            encoding="gb18030",
        ),
    )
    book = Workbook()
    for row in (
        ["pair", "side", "question", "value"],
        ["portland-suzhou", "us", "established", 1988],
        ["portland-suzhou", "us", "training", "yes"],
    ):
        book.active.append(row)
    book.save(tmp_path / "us.xlsx")
    imports.import_responses(session, setup, tmp_path / "us.xlsx")
    rows = {
        r.side.code: r.invitation
        for r in rounds.invitation_rows(session, setup)
        if r.pair.code == "portland-suzhou"
    }
    assert answers.answers_of(session, rows["cn"])["comment"] == "苏州市外事办公室"
    assert rows["us"].state == "submitted"


BAD = [
    ("nowhere,us,established,1987,\n", 2, "pair", "not in this round"),
    ("portland-suzhou,tw,established,1987,\n", 2, "side", "unknown side 'tw'"),
    ("portland-suzhou,us,no_such,1,\n", 2, "question", "unknown question 'no_such'"),
    ("portland-suzhou,us,established,19x7,\n", 2, "value", "established"),
    ("portland-suzhou,us,established,1950,\n", 2, "value", "established"),
    ("portland-suzhou,us,training,maybe,\n", 2, "value", "training"),
    ("portland-suzhou,us,sectors,health;roads,\n", 2, "value", "sectors"),
    ("portland-suzhou,us,sent,-3,\n", 2, "value", "sent"),
    ("portland-suzhou,us,sent,101,\n", 2, "value", "sent"),
    ("portland-suzhou,us,established,1987,fax\n", 2, "mode", "unknown mode 'fax'"),
    (
        "portland-suzhou,us,established,1987,\nportland-suzhou,us,established,1988,\n",
        3,
        "question",
        "given twice",
    ),
    ("portland-suzhou,us,sent,3,\n", 2, "question", "established"),  # required missing
    ("portland-suzhou,us,established,1987.5,\n", 2, "value", "established"),
    ("portland-suzhou,us,established,,\n", 2, "value", "established"),
    ("portland-suzhou,us,received,2.5,\n", 2, "value", "received"),
]


@pytest.mark.parametrize(("body", "row", "column", "fragment"), BAD)
def test_bad_rows_are_reported_and_nothing_is_written(
    session, setup, tmp_path, body, row, column, fragment
):
    before = counts(session)
    with pytest.raises(imports.ResponsesImportError) as error:
        imports.import_responses(session, setup, write(tmp_path, GOOD + body))
    matching = [p for p in error.value.problems if p.row == row + 8 and p.column == column]
    assert matching, error.value.problems
    assert any(fragment in p.message for p in matching), matching
    assert counts(session) == before


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"pair,side,question\n", "missing columns: value"),
        (b"pair,side,question,value,extra\n", "unknown columns: extra"),
        (HEADER.encode(), "no data rows"),
        (b"\xff\xfe\x00garbage\x81\x30", "neither UTF-8"),
    ],
)
def test_malformed_files(session, setup, tmp_path, content, fragment):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(imports.ResponsesImportError) as error:
        imports.import_responses(session, setup, path)
    assert fragment in error.value.problems[0].message


def test_changed_answers_for_a_submitted_side_are_refused(session, setup, tmp_path):
    imports.import_responses(session, setup, write(tmp_path, GOOD))
    changed = GOOD.replace("boulder-lhasa,us,sent,4", "boulder-lhasa,us,sent,5")
    with pytest.raises(imports.ResponsesImportError) as error:
        imports.import_responses(session, setup, write(tmp_path, changed))
    assert "already submitted" in error.value.problems[0].message


def test_cli_reports_rows_and_exits_1(runner, session, setup, tmp_path):
    slug = setup.slug
    path = write(tmp_path, "boulder-lhasa,us,established,1950,\nnowhere,cn,x,1,\n")
    result = runner.invoke(args=["responses", "import", str(path), "--round", slug])
    assert result.exit_code == 1
    assert f"{path}:2: value: established" in result.output
    assert f"{path}:3: pair: pair 'nowhere' is not in this round" in result.output
    assert "nothing was imported" in result.output
    good = runner.invoke(
        args=["responses", "import", str(write(tmp_path, GOOD, "g.csv")), "--round", slug]
    )
    assert good.exit_code == 0, good.output
    assert "Imported 8 answers for 2 sides (email 1, phone 1)" in good.output


def test_import_is_audited_as_import_on_behalf_of_the_respondent(session, setup, tmp_path):
    imports.import_responses(session, setup, write(tmp_path, GOOD))
    saves = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "answer.save")))
    assert len(saves) == 2
    assert all(e.on_behalf_of.startswith("respondent:") for e in saves)
    q = model_of(session.get(QuestionnaireVersion, setup.questionnaire_version_id))
    assert q.key == "mini"


def test_a_bad_value_of_a_required_question_is_reported_once(runner, setup, tmp_path):
    """The cell's own error, not also "Please answer this question" for the same cell."""
    slug = setup.slug
    body = "boulder-lhasa,us,established,nineteen,\nboulder-lhasa,us,training,yes,\n"
    path = write(tmp_path, body)
    result = runner.invoke(args=["responses", "import", str(path), "--round", slug])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:2: value: established: ")
    assert "Please answer" not in result.output
    missing = write(tmp_path, "boulder-lhasa,us,training,yes,\n", "m.csv")
    result = runner.invoke(args=["responses", "import", str(missing), "--round", slug])
    assert "established: Please answer this question." in result.output  # still required
