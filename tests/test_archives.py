"""FILE-01 (issue 15, F3): a workbook that unpacks far past its size, or holds thousands of
parts, is refused before any parser opens it — pairs, responses and questionnaires alike."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.core.archives import (
    MAX_MEMBERS,
    MAX_UNPACKED_BYTES,
    ArchiveTooLargeError,
    check_archive,
)
from survey.studies.models import Pair
from tests.fixtures.web import csrf_token, login, text_of

CHUNK = b"\0" * (1 << 20)


def workbook(header: list[str], rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb(base: bytes, unpacked: int = MAX_UNPACKED_BYTES + (1 << 20)) -> bytes:
    """`base` (a real workbook) with one more part of zeros: small packed, huge unpacked."""
    out = io.BytesIO(base)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("xl/media/padding.bin", "w", force_zip64=True) as part,
    ):
        for _ in range(unpacked // len(CHUNK)):
            part.write(CHUNK)
    return out.getvalue()


def crowded(base: bytes) -> bytes:
    """`base` with empty parts added up to one more than a workbook may hold."""
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a") as z:
        for n in range(MAX_MEMBERS + 1 - len(z.infolist())):
            z.writestr(f"xl/extra/{n}.xml", b"")
    return out.getvalue()


PAIRS_HEADER = ["pair", "side", "place_en", "place_zh", "kind"]
PAIRS_ROWS = [["a-b", "us", "Albany", "", "city"], ["a-b", "cn", "Beijing", "北京", "city"]]


@pytest.fixture(scope="module")
def pairs_bomb() -> bytes:
    return bomb(workbook(PAIRS_HEADER, PAIRS_ROWS))


def test_the_check_reads_the_directory_not_the_data(pairs_bomb):
    assert len(pairs_bomb) < 2 * 1024 * 1024  # about 100 kB packed
    with pytest.raises(ArchiveTooLargeError) as refused:
        check_archive(pairs_bomb)
    assert refused.value.reason == "unpacked_size"
    assert "unpacks to 101 MB, more than the 100 MB" in str(refused.value)
    with pytest.raises(ArchiveTooLargeError, match="1,001 parts, more than the 1,000"):
        check_archive(crowded(workbook(PAIRS_HEADER, PAIRS_ROWS)))
    # a plain workbook, a CSV and a file that is no zip at all pass to their readers
    check_archive(workbook(PAIRS_HEADER, PAIRS_ROWS))
    check_archive(b"pair,side\n")
    check_archive(b"PK\x03\x04 but broken")


def test_a_pairs_upload_that_unpacks_too_large_is_refused_and_writes_nothing(
    client, session, make_user, make_study, pairs_bomb
):
    owner = make_user()
    study = make_study(owner=owner)
    login(client, owner.email)
    page = f"/studies/{study.slug}/pairs/"
    response = client.post(
        f"/studies/{study.slug}/pairs/import",
        data={"csrf_token": csrf_token(client, page), "file": (io.BytesIO(pairs_bomb), "p.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code in (200, 422)
    assert "This workbook unpacks to 101 MB, more than the 100 MB" in text_of(response)
    assert session.scalar(select(func.count()).select_from(Pair)) == 0
    # the same workbook without the padding imports
    response = client.post(
        f"/studies/{study.slug}/pairs/import",
        data={
            "csrf_token": csrf_token(client, page),
            "file": (io.BytesIO(workbook(PAIRS_HEADER, PAIRS_ROWS)), "p.xlsx"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "1 created" in text_of(response)


def test_the_commands_refuse_bombs_with_one_line(runner, make_study, make_round, tmp_path):
    study = make_study("bombed")
    round_ = make_round(study, pairs=1)
    pairs_file = tmp_path / "pairs.xlsx"
    pairs_file.write_bytes(crowded(workbook(PAIRS_HEADER, PAIRS_ROWS)))
    responses = tmp_path / "responses.xlsx"
    responses.write_bytes(bomb(workbook(["pair", "side", "question", "value"], [])))
    form = tmp_path / "form.xlsx"
    form.write_bytes(bomb(workbook(["type", "name", "label"], [["integer", "n", "N"]])))
    cases = [
        (["pairs", "import", str(pairs_file), "--study", "bombed"], "1,001 parts"),
        (["responses", "import", str(responses), "--round", round_.slug], "unpacks to 101 MB"),
        (["questionnaire", "import", str(form)], "unpacks to 101 MB"),
        (["questionnaire", "check", str(form)], "unpacks to 101 MB"),
    ]
    for args, says in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert says in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_questionnaire_check_names_the_file(tmp_path: Path):
    from survey.core.questionnaire import QuestionnaireError
    from survey.core.xlsform import load_xlsform

    form = tmp_path / "form.xlsx"
    form.write_bytes(crowded(workbook(["type", "name", "label"], [["integer", "n", "N"]])))
    with pytest.raises(QuestionnaireError) as refused:
        load_xlsform(form)
    assert "1,001 parts" in str(refused.value.problems[0])
