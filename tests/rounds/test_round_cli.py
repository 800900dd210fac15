"""`survey round …` commands."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from survey.rounds.models import Round


def test_create_open_status_links_close(runner, session, make_study, make_pair):
    study = make_study("cities")
    for code in ("boulder-lhasa", "birmingham-anshan"):
        make_pair(study, code)
    imported = runner.invoke(
        args=["questionnaire", "import", "questionnaires/sister-cities.yaml", "--study", "cities"]
    )
    assert imported.exit_code == 0, imported.output
    created = runner.invoke(
        args=[
            "round",
            "create",
            "Wave 1 (2009)",
            "--study",
            "cities",
            "--questionnaire",
            "sister-cities@2009.1",
            "--closes",
            "2009-12-31T17:00",
            "--timezone",
            "America/Denver",
        ]
    )
    assert created.exit_code == 0, created.output
    assert "Created round wave-1-2009 (2 pairs, draft)." in created.output
    round_ = session.scalar(select(Round).where(Round.slug == "wave-1-2009"))
    assert round_.closes_at.isoformat() == "2010-01-01T00:00:00+00:00"
    opened = runner.invoke(args=["round", "open", "wave-1-2009"])
    assert opened.output == "Round wave-1-2009 is open.\n"
    status = json.loads(
        runner.invoke(args=["round", "status", "wave-1-2009", "--format", "json"]).output
    )
    assert status["pairs"] == 2
    assert status["complete_neither"] == 2
    assert status["by_side"]["us"]["pending"] == 2
    output = runner.invoke(args=["round", "links", "wave-1-2009"]).output
    links = list(csv.DictReader(io.StringIO(output)))
    assert {(r["pair"], r["side"]) for r in links} == {
        ("boulder-lhasa", "us"),
        ("boulder-lhasa", "cn"),
        ("birmingham-anshan", "us"),
        ("birmingham-anshan", "cn"),
    }
    reissued = runner.invoke(args=["round", "reissue", "wave-1-2009", "boulder-lhasa", "cn"])
    assert reissued.exit_code == 0
    old = next(r["link"] for r in links if r["pair"] == "boulder-lhasa" and r["side"] == "cn")
    assert reissued.output.strip() != old
    closed = runner.invoke(args=["round", "close", "wave-1-2009"])
    assert "closed (all data kept)" in closed.output


def test_bad_round_commands(runner, make_study):
    make_study("s1")
    missing = runner.invoke(args=["round", "open", "nope"])
    assert missing.exit_code == 1
    assert 'Error: no round "nope"' in missing.output
    bad_zone = runner.invoke(
        args=[
            "round",
            "create",
            "W",
            "--study",
            "s1",
            "--questionnaire",
            "x",
            "--closes",
            "2009-01-01",
            "--timezone",
            "Mars/Base",
        ]
    )
    assert bad_zone.exit_code == 2
    no_questionnaire = runner.invoke(
        args=["round", "create", "W", "--study", "s1", "--questionnaire", "nope"]
    )
    assert no_questionnaire.exit_code == 1
    assert 'no questionnaire "nope"' in no_questionnaire.output
