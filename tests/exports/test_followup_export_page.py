"""The export page of a round that has follow-ups: original or final values, said in the
export itself; downloads read back with pandas and pyreadstat."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyreadstat
from sqlalchemy import select

from survey.audit import AuditEntry
from survey.comparison import followups
from survey.rounds import services as rounds
from survey.studies.models import Study
from tests.comparison.test_followups import _answer_followup
from tests.fixtures.followups import owner_of
from tests.fixtures.web import csrf_token, login, text_of


def _download(client, path, **data):
    token = csrf_token(client, path)
    form = {"csrf_token": token, "layout": "wide", "lang": "en", "sides": "all", **data}
    response = client.post(path, data=form)
    assert response.status_code == 200, text_of(response)
    body = response.get_data()
    response.close()
    return body


def test_the_export_page_offers_original_or_final_values(client, session, answered, tmp_path):
    round_, codes = answered
    study = session.get(Study, round_.study_id)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/export"
    login(client, owner_of(session, round_).email)
    before = text_of(client.get(path))
    assert "Values (this round has follow-up rounds)" not in before  # nothing to choose yet
    plain = _download(client, path, fmt="xlsx", values="final")  # ignored without follow-ups
    about = pd.read_excel(io.BytesIO(plain), sheet_name="about", header=None)
    assert any(str(v).startswith("original") for v in about[1])

    followup, _ = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    _answer_followup(
        session, followup, codes[0], "cn", {"established": "1987", "sent": "0", "received": "6"}
    )
    page = client.get(path)
    shown = text_of(page)
    assert "Values (this round has follow-up rounds)" in shown
    assert "Original: every answer as first given in this round" in shown
    assert "in its codebook and in its notes" in shown

    final = _download(client, path, fmt="xlsx", values="final")
    data = pd.read_excel(io.BytesIO(final), sheet_name="data", dtype=str)
    first = data[data["pair"] == codes[0]].iloc[0]
    assert first["established_cn"] == "1987"  # the follow-up's answer
    assert first["received_cn"] == "6"
    assert first["established_followup"] == "1"
    assert first["training_followup"] == "0"
    about = pd.read_excel(io.BytesIO(final), sheet_name="about", header=None)
    values = dict(zip(about[0], about[1], strict=False))["values"]
    assert values.startswith("final: a follow-up round's answer")

    original = _download(client, path, fmt="xlsx", values="original")
    data = pd.read_excel(io.BytesIO(original), sheet_name="data", dtype=str)
    first = data[data["pair"] == codes[0]].iloc[0]
    assert first["established_cn"] == "1988"  # the first answer, kept
    assert "established_followup" not in data.columns

    bundled = _download(client, path, fmt="sav", values="final")
    with zipfile.ZipFile(io.BytesIO(bundled)) as bundle:
        names = bundle.namelist()
        sav = next(n for n in names if n.endswith(".sav"))
        (tmp_path / "final.sav").write_bytes(bundle.read(sav))
        book = bundle.read(next(n for n in names if n.endswith(".html"))).decode("utf-8")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "final.sav"))
    row = frame[frame["pair"] == codes[0]].iloc[0]
    assert row["established_followup"] == 1
    assert any("values: final" in note for note in meta.notes)
    assert "final: a follow-up round&#39;s answer" in book or "final: a follow-up round's" in book

    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "round.export").order_by(AuditEntry.id)
    ).all()
    assert [e.details["filters"]["values"] for e in entries] == [
        "original",
        "final",
        "original",
        "final",
    ]

    refused = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path), "fmt": "xlsx", "layout": "wide",
            "lang": "en", "sides": "all", "values": "newest",
        },
    )  # fmt: skip
    assert refused.status_code == 200
    assert "Not a valid choice" in text_of(refused)
