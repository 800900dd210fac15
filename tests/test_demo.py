"""`survey demo`: the newcomer's first command sets everything up on the embedded default."""

from __future__ import annotations

import json

from survey import create_app
from survey.db import db
from tests.fixtures.web import SECRET, login, text_of


def test_demo_sets_up_database_account_and_sample_study(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    try:
        result = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
        assert "e-mail:   demo@example.org" in result.output
        assert "Study:    sister-cities\n" in result.output
        assert "Round:    interviews-2009-2010 " in result.output
        listed = demo.test_cli_runner().invoke(args=["round", "list", "--format", "json"])
        assert [r["slug"] for r in json.loads(listed.output)] == [
            "interviews-2009-2010",
            "follow-up-2010",  # its open discrepancies asked again
        ]
        link = result.output.split("Respondent links")[1].split(": http://127.0.0.1:5000")[1]
        respondent = demo.test_client().get(link.split()[0])
        assert respondent.status_code == 303  # the link works: exchanged for a session
        password = result.output.split("password: ")[1].split()[0]
        client = demo.test_client()
        assert login(client, "demo@example.org", password).status_code == 302
        assert "sister-cities" in text_of(client.get("/"))
        assert "sister-cities" in text_of(client.get("/questionnaires/"))
        again = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert again.exit_code == 0, again.output
        new_password = again.output.split("password: ")[1].split()[0]
        assert new_password != password  # a fresh password each start, the old one revoked
        assert login(demo.test_client(), "demo@example.org", password).status_code == 200
    finally:
        db.configure(app.config["DATABASE_URL"])


def test_demo_serves_on_the_given_port(tmp_path, app, monkeypatch):
    """app.run() is a no-op inside the flask CLI; the demo must really serve."""
    served = {}
    monkeypatch.setattr(
        "werkzeug.serving.run_simple",
        lambda host, port, application, **kw: served.update(host=host, port=port),
    )
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    try:
        result = demo.test_cli_runner().invoke(args=["demo", "--port", "5099"])
        assert result.exit_code == 0, result.output
        assert served == {"host": "127.0.0.1", "port": 5099}
        assert "http://127.0.0.1:5099/r/" in result.output
    finally:
        db.configure(app.config["DATABASE_URL"])


def demo_dates(tmp_path, name):
    """Run `survey demo --no-serve` into a fresh SQLite file; return its fieldwork dates."""
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / name}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    result = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {
            "invitations": connection.execute(
                text(
                    "select sent_at, started_at, submitted_at, state from invitations"
                    " where round_id = (select min(id) from rounds) order by pair_id, side_id"
                )
            ).all(),
            "followup": connection.execute(
                text(
                    "select sent_at, started_at, submitted_at, state from invitations"
                    " where round_id = (select max(id) from rounds) order by pair_id, side_id"
                )
            ).all(),
            "answers": connection.execute(text("select updated_at from answers")).scalars().all(),
            "audit": connection.execute(
                text(
                    "select action, at from audit_entries where action like 'answer.%'"
                    " or action like 'invitation.%' or action like 'round.%'"
                )
            ).all(),
            "mail": connection.execute(
                text("select kind, seq, invitation_id, sent_at from outbox_messages")
            ).all(),
            "contacts": connection.execute(
                text(
                    "select at, outcome, callback_at, callback_zone, mode from contact_attempts"
                    " order by invitation_id, at, id"
                )
            ).all(),
        }
    engine.dispose()
    return found


def test_demo_fieldwork_is_dated_inside_its_round(tmp_path, app):
    import datetime as dt
    from collections import Counter
    from zoneinfo import ZoneInfo

    SHANGHAI = ZoneInfo("Asia/Shanghai")  # noqa: N806

    def day(value) -> dt.date:
        return dt.date.fromisoformat(str(value)[:10])

    start, end = dt.date(2009, 5, 1), dt.date(2010, 6, 30)
    try:
        first = demo_dates(tmp_path, "a.sqlite")
        again = demo_dates(tmp_path, "b.sqlite")
    finally:
        db.configure(app.config["DATABASE_URL"])
    invitations = first["invitations"]
    assert all(start <= day(sent) <= dt.date(2009, 6, 5) for sent, *_ in invitations)
    submitted = [day(row[2]) for row in invitations if row[2]]
    assert len(submitted) >= 60
    assert all(start <= d <= end for d in submitted)
    for sent, started, done, _ in invitations:  # invited, then answered, then submitted
        if done:
            assert day(sent) <= day(started) <= day(done)
    months = Counter((d.year, d.month) for d in submitted)
    assert len(months) >= 5  # spread over months, not one bar
    assert max(months.values()) < len(submitted) / 2
    assert max(submitted) - min(submitted) > dt.timedelta(days=120)  # a tail
    assert all(start <= day(d) <= end for d in first["answers"])
    assert first["audit"]
    assert all(start <= day(at) <= end for _, at in first["audit"])
    reminders = [row for row in first["mail"] if row[0] == "reminder"]
    assert reminders
    invited = {row[2]: day(row[3]) for row in first["mail"] if row[0] == "invitation"}
    assert all(day(sent) > invited[invitation] for _, _, invitation, sent in reminders)
    assert first["invitations"] == again["invitations"]  # seeded: the same every time
    # Telephone interviews were arranged in calls: busy, no answer, a callback on Thursday
    # at 9:00 Beijing time, an appointment, the interview; one side refused.
    contacts = first["contacts"]
    assert all(start <= day(at) <= end for at, *_ in contacts)
    outcomes = Counter(row[1] for row in contacts)
    assert outcomes.keys() >= {"busy", "no_answer", "callback", "appointment", "completed"}
    assert outcomes["refused"] == 1
    beijing = [
        dt.datetime.fromisoformat(str(row[2])[:19]).replace(tzinfo=dt.UTC).astimezone(SHANGHAI)
        for row in contacts
        if row[1] == "callback" and row[3] == "Asia/Shanghai"
    ]
    assert len(beijing) >= 5
    assert {(moment.weekday(), moment.hour, moment.minute) for moment in beijing} == {(3, 9, 0)}
    assert first["contacts"] == again["contacts"]  # seeded too
    # The follow-up round asks again after the interviews, inside the fieldwork too.
    assert len(first["followup"]) == 4
    assert all(row[3] == "submitted" for row in first["followup"])
    assert all(max(submitted) <= day(row[2]) <= end for row in first["followup"])


def test_demo_delegations_roster_is_compared_with_its_planted_mismatches(tmp_path, app):
    """The sister-city questionnaire's delegations roster: rows paired by year and
    direction (mirrored), a size within 2 people agrees; the demo plants a row one side
    left out and a size 6 people off, and every other pair's rows agree."""
    from pathlib import Path

    from sqlalchemy import create_engine, text

    from survey.core.loader import load_file
    from survey.core.types.roster import compare_rosters

    sample = Path(__file__).resolve().parents[1] / "questionnaires" / "sister-cities.yaml"
    roster = load_file(sample).question("delegations")
    assert [c.key for c in roster.columns] == ["year", "direction", "size", "purpose"]
    assert roster.compare.match == ("year", "direction")
    assert roster.compare.swaps() == {"direction": {"sent": "received", "received": "sent"}}
    url = f"sqlite:///{tmp_path / 'roster.sqlite'}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    try:
        result = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
    finally:
        db.configure(app.config["DATABASE_URL"])
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "select p.code, c.outcomes from comparisons c join pairs p on p.id = c.pair_id"
                " where c.round_id = (select min(id) from rounds)"
            )
        ).all()
    engine.dispose()
    found = {}
    for code, outcomes in rows:
        stored = json.loads(outcomes) if isinstance(outcomes, str) else outcomes
        if "delegations" in stored:
            found[code] = stored["delegations"]
    disagree = {
        code: compare_rosters(None, roster, roster.compare, o[1]["us"], o[1]["cn"])[1]
        for code, o in found.items()
        if o[0] == "disagree"
    }
    assert sorted(disagree) == ["riverside-jiangmen", "st-paul-changsha"]
    assert "only side A: 2006 sent" in disagree["st-paul-changsha"]
    assert "size difference 6 > tolerance 2" in disagree["riverside-jiangmen"]
    agree = [code for code, o in found.items() if o[0] == "agree"]
    assert len(agree) >= 25  # realistic: the two accounts mostly tell the same story
