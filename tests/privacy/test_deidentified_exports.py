"""ACL-06: exports are de-identified by default; identifiers need the right and a reason.

Every layout in every format is read back as a person would (pandas, openpyxl, pyreadstat,
pyreadr) and searched for the respondents' names and the identifying free-text answer.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadr
import pyreadstat
import pytest
from sqlalchemy import select

from survey.audit import AuditEntry
from survey.exports import services as exports
from survey.studies import identifiers
from tests.fixtures.web import csrf_token, login
from tests.privacy.conftest import SECRET_TEXT

NAME = "us person"  # the factories' respondent names: "us person", "cn person"


def readable(path: Path, fmt: str) -> str:
    """Everything a file says, as text."""
    if fmt in ("csv", "json"):
        return path.read_text(encoding="utf-8")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for cell in row if cell is not None
        )  # fmt: skip
    if fmt == "rds":
        return pyreadr.read_r(str(path))[None].to_csv()
    frame, meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    return frame.to_csv() + " ".join(meta.column_names)


@pytest.mark.parametrize("layout", exports.LAYOUT_NAMES)
@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_acl06_every_layout_and_format_is_deidentified_by_default(
    session, named_round, tmp_path, layout, fmt
):
    out = tmp_path / f"x.{fmt}"
    exports.write(session, named_round["round"], exports.ExportRequest(fmt=fmt, layout=layout), out)
    text = readable(out, fmt)
    assert NAME not in text
    assert "cn person" not in text
    assert SECRET_TEXT not in text
    if fmt == "csv":  # no column (or long row) of the identifying question
        assert "comment" not in out.read_text(encoding="utf-8").replace("comments", "")
    if layout in ("paradata", "contacts"):  # visits, page times, attempts: no answers
        return
    identified = tmp_path / f"named.{fmt}"
    wanted = exports.ExportRequest(fmt=fmt, layout=layout, identifiers=True, reason="ethics")
    exports.write(session, named_round["round"], wanted, identified)
    named = readable(identified, fmt)
    assert SECRET_TEXT in named
    if layout != "long" and layout != "pairwise":  # these two never named anyone
        assert NAME in named


def test_acl06_codebook_lists_what_was_withheld(session, named_round, tmp_path):
    book = tmp_path / "book.html"
    exports.write_codebook(session, named_round["round"], "html", book, exports.ExportRequest())
    html = book.read_text(encoding="utf-8")
    assert "withheld" in html
    for name in ("respondent_us", "respondent_cn", "comment_us", "comment_cn"):
        assert name in html.split("withheld", 1)[1]
    wide = tmp_path / "wide.json"
    exports.write(session, named_round["round"], exports.ExportRequest(fmt="json"), wide)
    about = json.loads(wide.read_text(encoding="utf-8"))["about"]
    assert "comment_us" in about["withheld"]
    assert about["identifiers"].startswith("withheld")


def test_acl06_cli_identified_export_needs_reason_and_right_and_is_audited(
    runner, session, named_round, tmp_path
):
    slug, out = named_round["slug"], tmp_path / "named.csv"
    plain = runner.invoke(args=["export", slug, "--format", "csv", "-o", str(out)])
    assert plain.exit_code == 0, plain.output
    assert "respondent_us" not in out.read_text(encoding="utf-8")
    base = ["export", slug, "--format", "csv", "--identifiers", "-o", str(out)]
    no_reason = runner.invoke(args=base)
    assert no_reason.exit_code == 1
    assert "Give the reason you need respondents' identifiers" in no_reason.output
    researcher = named_round["emails"]["researcher"]
    refused = runner.invoke(args=[*base, "--reason", "mail merge", "--user", researcher])
    assert refused.exit_code == 1
    assert "identifiers permission" in refused.output
    assert "Traceback" not in refused.output
    granted = runner.invoke(args=["study", "grant-identifiers", named_round["study_slug"],
                                  researcher])  # fmt: skip
    assert granted.exit_code == 0, granted.output
    done = runner.invoke(args=[*base, "--reason", "re-contact for wave 2", "--user", researcher])
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(out)
    assert NAME in set(frame["respondent_us"])
    row = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "round.export").order_by(AuditEntry.id.desc())
    ).first()
    assert row.reason == "re-contact for wave 2"
    assert row.details["identifiers"] is True
    assert row.actor_user_id == named_round["ids"]["researcher"]
    revoked = runner.invoke(args=["study", "revoke-identifiers", named_round["study_slug"],
                                  researcher])  # fmt: skip
    assert revoked.exit_code == 0
    again = runner.invoke(args=[*base, "--reason", "again", "--user", researcher])
    assert again.exit_code == 1


def test_acl06_export_page_makes_the_choice_explicit(client, session, named_round):
    study, round_ = named_round["study"], named_round["round"]
    path = f"/studies/{study.slug}/rounds/{round_.slug}/export"
    form = {"fmt": "csv", "layout": "wide", "lang": "en", "sides": "all"}
    login(client, named_round["researcher"].email)
    page = client.get(path).get_data(as_text=True)
    assert 'value="withheld" checked' in page
    assert 'value="included" disabled' in page
    refused = client.post(
        path,
        data={
            **form,
            "csrf_token": csrf_token(client, path),
            "identifiers": "included",
            "reason": "curious",
        },  # fmt: skip
    )
    assert refused.status_code == 403
    assert "identifiers permission" in refused.get_data(as_text=True)
    login(client, named_round["owner"].email)
    missing = client.post(
        path, data={**form, "csrf_token": csrf_token(client, path), "identifiers": "included"}
    )
    assert missing.status_code == 422
    assert "Give the reason" in missing.get_data(as_text=True)
    zh = client.post(
        path,
        data={**form, "csrf_token": csrf_token(client, path), "identifiers": "included"},
        headers={"Accept-Language": "zh-Hant"},
    )
    assert zh.status_code == 422
    named = client.post(
        path,
        data={
            **form,
            "csrf_token": csrf_token(client, path),
            "identifiers": "included",
            "reason": "ethics board audit",
        },  # fmt: skip
    )
    assert named.status_code == 200
    with zipfile.ZipFile(io.BytesIO(named.get_data())) as bundle:
        data = next(n for n in bundle.namelist() if n.endswith(".csv"))
        assert SECRET_TEXT in bundle.read(data).decode("utf-8")
    named.close()
    row = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "round.export").order_by(AuditEntry.id.desc())
    ).first()
    assert row.reason == "ethics board audit"


def test_members_page_grants_identifiers_owner_only(client, session, named_round):
    study, researcher = named_round["study"], named_round["researcher"]
    path = f"/studies/{study.slug}/members/"
    action = f"/studies/{study.slug}/members/{researcher.id}/identifiers"
    login(client, researcher.email)
    forbidden = client.post(action, data={"csrf_token": csrf_token(client, path), "granted": "1"})
    assert forbidden.status_code in (403, 404)
    assert not identifiers.is_granted(session, study, researcher.id)
    login(client, named_round["owner"].email)
    page = client.get(path).get_data(as_text=True)
    assert action in page
    done = client.post(action, data={"csrf_token": csrf_token(client, path), "granted": "1"})
    assert done.status_code == 302
    assert identifiers.is_granted(session, study, researcher.id)
    assert session.scalar(
        select(AuditEntry).where(AuditEntry.action == "member.identifiers_granted")
    )
    client.post(action, data={"csrf_token": csrf_token(client, path), "granted": "0"})
    assert not identifiers.is_granted(session, study, researcher.id)
