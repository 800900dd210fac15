"""Scheduled reminders (issue 19): when they fall due across DST changes, and two real mail
workers queueing and sending each exactly once on both backends (QUALITY.md MAIL-03, I18N-04).

The end-to-end test runs `survey mail send` as two processes at once, each with its clock
frozen by time-machine at the moment of a pass, against a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import time_machine
from sqlalchemy import select

from survey.db import db, writing
from survey.errors import ServiceError
from survey.rounds import mail
from survey.rounds import schedule as reminders
from survey.rounds.invite import invite_round
from survey.rounds.models import Invitation, OutboxMessage, Round
from survey.studies.models import Respondent, StudySide
from tests.e2e.live import BACKENDS, scratch_database, seed, serve
from tests.e2e.served import LINK_KEY, survey_environment
from tests.fixtures.smtp import Sink
from tests.fixtures.web import SECRET

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- when a reminder falls due ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "sent", "expected"),
    [
        # Chicago springs forward on Sunday 14 March 2027: 09:00 is 15:00 UTC before, 14:00 after
        ("America/Chicago", "2027-03-08T16:00", ["2027-03-15T14:00", "2027-03-22T14:00"]),
        # and falls back on Sunday 7 November 2027: 09:00 is 14:00 UTC before, 15:00 after
        ("America/Chicago", "2027-11-01T16:00", ["2027-11-08T15:00", "2027-11-15T15:00"]),
        # Shanghai has no DST; sent on 8 March 16:00 UTC is already 9 March there
        ("Asia/Shanghai", "2027-03-08T16:00", ["2027-03-16T01:00", "2027-03-23T01:00"]),
        ("Asia/Shanghai", "2027-11-01T16:00", ["2027-11-09T01:00", "2027-11-16T01:00"]),
    ],
)
def test_reminders_fall_due_at_the_local_hour_across_dst(zone, sent, expected):
    plan = reminders.Schedule((7, 14), dt.time(9, 0))
    assert reminders.due_times(at(sent), plan, zone) == [at(e) for e in expected]


def test_only_the_latest_due_reminder_counts_and_only_within_a_day():
    times = [at("2027-03-15T14:00"), at("2027-03-22T14:00"), at("2027-03-29T14:00")]
    assert reminders.due_number(times, at("2027-03-15T13:59")) == 0
    assert reminders.due_number(times, at("2027-03-15T14:00")) == 1
    assert reminders.due_number(times, at("2027-03-16T13:59")) == 1
    assert reminders.due_number(times, at("2027-03-16T14:00")) == 0  # missed: never sent late
    assert reminders.due_number(times, at("2027-03-22T15:00")) == 2
    plan = reminders.Schedule((7, 14, 21), dt.time(9, 0), maximum=2)
    assert len(reminders.due_times(at("2027-03-08T16:00"), plan, "UTC")) == 2


@pytest.mark.parametrize("days", ["", "7,7", "14,7", "0,7", "7;14", "400"])
def test_bad_schedules_are_refused_with_a_reason(days):
    with pytest.raises(ServiceError) as error:
        reminders.parse_days(days)
    assert "7,14,21" in error.value.message


@pytest.mark.parametrize("hour", ["9", "24:00", "09:60", "nine", "09:00 pm"])
def test_bad_hours_are_refused(hour):
    with pytest.raises(ServiceError) as error:
        reminders.parse_hour(hour)
    assert "HH:MM" in error.value.message


# -- queueing in the test's transaction ---------------------------------------------------------


def _sent(session, round_: Round, moment: dt.datetime) -> list[Invitation]:  # noqa: ANN001
    invite_round(session, round_)
    invitations = list(session.scalars(select(Invitation).where(Invitation.round_id == round_.id)))
    for invitation in invitations:
        invitation.state, invitation.sent_at = "sent", moment
    session.flush()
    return invitations


def test_a_queued_reminder_is_cancelled_when_the_respondent_submits_first(
    app, session, make_round, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    round_ = make_round(pairs=1)
    round_.closes_at = at("2027-04-30T00:00")
    reminders.set_schedule(session, round_, reminders.Schedule((7,), dt.time(9, 0)))
    first, second = _sent(session, round_, at("2027-03-08T16:00"))
    session.query(OutboxMessage).delete()
    assert reminders.queue_due(session, at("2027-03-15T09:00")) == 2
    assert reminders.queue_due(session, at("2027-03-15T09:05")) == 0  # queued once
    first.state = "submitted"
    session.commit()
    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    report = mail.send_pending(factory, app.config, now=at("2027-03-15T09:10"))
    assert report.sent == 1
    rows = {m.invitation_id: m for m in session.scalars(select(OutboxMessage))}
    session.expire_all()
    assert rows[first.id].state == "cancelled"
    assert "submitted" in rows[first.id].last_error
    assert rows[second.id].state == "sent"


def test_a_zone_the_researcher_sets_on_the_respondent_moves_their_reminder_and_closing_date(
    session, make_round
):
    """Issue 19: the respondent's own zone (set on their page, or from the pairs file, both
    through `update_respondent`'s check) comes before the side's for reminders and mails."""
    from survey.studies import pairs
    from survey.studies.models import Study

    round_ = make_round(pairs=1)
    round_.closes_at = at("2027-03-31T16:00")
    reminders.set_schedule(session, round_, reminders.Schedule((7,), dt.time(9, 0)))
    invitations = _sent(session, round_, at("2027-03-08T16:00"))
    session.query(OutboxMessage).delete()
    sides = {s.id: s.code for s in session.scalars(select(StudySide))}
    mover = next(i for i in invitations if sides[i.side_id] == "us")
    stayer = next(i for i in invitations if sides[i.side_id] == "cn")
    person = session.get(Respondent, mover.respondent_id)
    data = pairs.RespondentData(
        name=person.name, email=person.email, timezone="asia/tokyo", is_primary=True
    )
    pairs.update_respondent(session, session.get(Study, round_.study_id), person, data)
    assert person.timezone == "Asia/Tokyo"
    # the side without a zone: the round's (UTC), 09:00 UTC on 15 March; Tokyo's 09:00 on
    # 16 March (sent at 01:00 on 9 March there) is 00:00 UTC
    with time_machine.travel(at("2027-03-15T23:59"), tick=False):
        assert reminders.queue_due(session, at("2027-03-15T23:59")) == 1
    queued = {m.invitation_id: m for m in session.scalars(select(OutboxMessage))}
    assert set(queued) == {stayer.id}
    with time_machine.travel(at("2027-03-16T00:00"), tick=False):
        assert reminders.queue_due(session, at("2027-03-16T00:00")) == 1
    queued = {m.invitation_id: m for m in session.scalars(select(OutboxMessage))}
    assert "Thursday, April 1, 2027, 1:00 a.m. (UTC+09:00)" in queued[mover.id].body_text
    assert "UTC+09:00" not in queued[stayer.id].body_text


def test_a_zone_zoneinfo_does_not_know_is_refused_on_the_respondent(session, make_round):
    from survey.studies import pairs
    from survey.studies.models import Study

    round_ = make_round(pairs=1)
    person = session.scalars(select(Respondent)).first()
    data = pairs.RespondentData(name=person.name, timezone="CST", is_primary=True)
    with pytest.raises(ServiceError) as refused:
        pairs.update_respondent(session, session.get(Study, round_.study_id), person, data)
    assert refused.value.field == "timezone"
    assert "Unknown time zone CST" in refused.value.message
    assert person.timezone is None


def test_the_schedule_from_the_command_line(app, runner, session, make_round):
    from survey.rounds.cli import round_group

    round_ = make_round(pairs=1)
    slug = round_.slug
    session.commit()
    result = runner.invoke(
        round_group,
        ["schedule", slug, "--remind-after", "7,14,21", "--at", "9:30", "--max", "2"]
        + ["--zone", "us=America/Chicago"],
    )
    assert result.exit_code == 0, result.output
    assert "reminders 7, 14 days after the invitation at 09:30 local time, at most 2" in (
        result.output
    )
    assert "us America/Chicago" in result.output
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    assert round_.reminder_days == [7, 14, 21]
    assert round_.reminder_max == 2
    for bad, message in [
        (["--remind-after", "7,x"], "7,14,21"),
        (["--remind-after", "7", "--at", "25:00"], "HH:MM"),
        (["--remind-after", "7", "--max", "0"], "from 1 to 10"),
        (["--zone", "us=Mars/Olympus"], "Unknown time zone"),
        (["--zone", "xx=UTC"], "no side xx"),
    ]:
        result = runner.invoke(round_group, ["schedule", slug, *bad])
        assert result.exit_code != 0, bad
        assert message in result.output, (bad, result.output)
    result = runner.invoke(round_group, ["schedule", slug, "--off"])
    assert "no reminder schedule" in result.output
    round_ = db.session.scalar(select(Round).where(Round.slug == slug))
    assert reminders.schedule_of(round_) is None


# -- two real workers, frozen clocks, a real SMTP server ----------------------------------------


def _workers(url: str, sink: Sink, base: str, moment: dt.datetime) -> None:
    """Two `survey mail send` processes at once, their clocks frozen at `moment`."""
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "LINK_KEY": LINK_KEY,
        "BASE_URL": base,
        "SMTP_HOST": sink.host,
        "SMTP_PORT": str(sink.port),
        "MAIL_FROM": "Survey Team <survey@example.org>",
    }
    code = (
        "import datetime, sys, time_machine\n"
        "from survey.cli import main\n"
        f"with time_machine.travel(datetime.datetime.fromisoformat({moment.isoformat()!r}),"
        " tick=False):\n"
        "    sys.argv = ['survey', 'mail', 'send']\n"
        "    main()\n"
    )
    processes = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", code],
            env=survey_environment(config),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (out, err)


def _received(sink: Sink, since: int) -> dict[str, str]:
    return {r.recipient: r.message.get_content() for r in sink.received[since:]}


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_send_each_scheduled_reminder_once_at_9_local(
    backend, app, tmp_path, smtp_sink: Sink
):
    with (
        scratch_database(backend, tmp_path) as url,
        serve(url, restore_url=app.config["DATABASE_URL"], LINK_KEY=LINK_KEY) as live,
    ):
        with live.app.app_context(), writing():
            seed(pairs=4)
            round_ = db.session.scalar(select(Round))
            round_.closes_at = at("2027-03-22T20:00")
            reminders.set_side_zone(db.session, round_, "us", "America/Chicago")
            reminders.set_side_zone(db.session, round_, "cn", "Asia/Shanghai")
            reminders.set_schedule(db.session, round_, reminders.Schedule((7, 14), dt.time(9, 0)))
            with time_machine.travel(at("2027-03-08T16:00"), tick=False):
                invite_round(db.session, round_)
            db.session.query(OutboxMessage).delete()  # the invitations went out on 8 March
            people = {}
            for invitation in db.session.scalars(select(Invitation)):
                respondent = db.session.get(Respondent, invitation.respondent_id)
                people[respondent.email] = invitation
                invitation.state, invitation.sent_at = "sent", at("2027-03-08T16:00")
            # pair-2: submitted and declined; pair-3: bounced in Chicago, half-way in Shanghai;
            # pair-4: in Chicago, but the respondent's own zone is Shanghai; half-way.
            people["pair-2.us@example.org"].state = "submitted"
            people["pair-2.cn@example.org"].state = "declined"
            bounced = people["pair-3.us@example.org"]
            bounced.state, bounced.bounced_at = "bounced", at("2027-03-09T00:00")
            for email in ("pair-3.cn@example.org", "pair-4.us@example.org"):
                people[email].state, people[email].started_at = "in_progress", at("2027-03-10")
            own = db.session.scalar(
                select(Respondent).where(Respondent.email == "pair-4.us@example.org")
            )
            own.timezone = "Asia/Shanghai"
            db.session.commit()
            db.session.remove()

        seen = 0
        # 08:59 in Chicago (CDT since the day before): nothing is due anywhere
        _workers(url, smtp_sink, live.url, at("2027-03-15T13:59"))
        assert _received(smtp_sink, seen) == {}
        # 09:00 in Chicago: only the one there who has not finished, bounced or declined
        _workers(url, smtp_sink, live.url, at("2027-03-15T14:00"))
        got = _received(smtp_sink, seen)
        seen = len(smtp_sink.received)
        assert set(got) == {"pair-1.us@example.org"}
        body = got["pair-1.us@example.org"]
        assert "Monday, March 22, 2027, 3:00 p.m. (UTC-05:00)" in body  # Chicago's closing
        assert "for another 7 days" in body
        assert "where you left off" not in body
        # 09:00 in Shanghai (01:00 UTC): the Shanghai side and the one living on its time
        _workers(url, smtp_sink, live.url, at("2027-03-16T01:00"))
        got = _received(smtp_sink, seen)
        seen = len(smtp_sink.received)
        expected = {"pair-1.cn@example.org", "pair-3.cn@example.org", "pair-4.cn@example.org"}
        assert set(got) == expected | {"pair-4.us@example.org"}
        assert "2027年3月23日（星期二） 04:00（UTC+08:00）" in got["pair-3.cn@example.org"]
        assert "距截止还有6天" in got["pair-3.cn@example.org"]
        assert "从上次中断处继续填写" in got["pair-3.cn@example.org"]
        assert "从上次中断处继续填写" not in got["pair-1.cn@example.org"]
        assert "where you left off" in got["pair-4.us@example.org"]
        # the same moment again: everything was queued and sent once already
        _workers(url, smtp_sink, live.url, at("2027-03-16T02:00"))
        assert _received(smtp_sink, seen) == {}
        # the second reminder in Chicago; then the round closes before Shanghai's second
        _workers(url, smtp_sink, live.url, at("2027-03-22T14:00"))
        got = _received(smtp_sink, seen)
        seen = len(smtp_sink.received)
        assert set(got) == {"pair-1.us@example.org"}
        assert "less than a day" in got["pair-1.us@example.org"]
        _workers(url, smtp_sink, live.url, at("2027-03-23T01:00"))
        assert _received(smtp_sink, seen) == {}
        counts = smtp_sink.per_message_id()
        assert len(counts) == 6
        assert set(counts.values()) == {1}
        with live.app.app_context():
            kept = db.session.execute(
                select(OutboxMessage.recipient, OutboxMessage.seq, OutboxMessage.state)
            ).all()
            db.session.remove()
        assert sorted(kept) == sorted(
            [(email, 1, "sent") for email in expected | {"pair-1.us@example.org"}]
            + [("pair-4.us@example.org", 1, "sent"), ("pair-1.us@example.org", 2, "sent")]
        )


# -- the round page ------------------------------------------------------------------------------


def test_the_schedule_on_the_round_page(client, session, make_user, make_study, make_round):
    from tests.fixtures.web import csrf_token, login, text_of

    viewer, owner = make_user(), make_user()
    study = make_study(owner=owner, members={viewer: "viewer"})
    round_ = make_round(study, pairs=1)
    base = f"/studies/{study.slug}/rounds/{round_.slug}"
    login(client, viewer.email)
    page = text_of(client.get(base + "/"))
    assert "Reminders and deadlines" in page
    assert "No scheduled reminders." in page
    assert "Save the schedule" not in page  # viewers see it, only researchers change it
    token = csrf_token(client, base + "/")
    form = {"csrf_token": token, "remind_after": "7,14", "at": "09:00", "zone_0": "UTC"}
    assert client.post(base + "/schedule", data=form).status_code == 403
    login(client, owner.email)
    assert client.post(base + "/schedule", data={"remind_after": "7"}).status_code == 400
    token = csrf_token(client, base + "/")
    bad = client.post(
        base + "/schedule",
        data={"csrf_token": token, "remind_after": "14, 7", "at": "9 am", "maximum": "3"},
    )
    assert bad.status_code == 422
    shown = text_of(bad)
    assert "There is a problem" in shown
    assert "ascending and separated by commas" in shown
    assert 'value="14, 7"' in shown  # the input is kept
    good = client.post(
        base + "/schedule",
        data={
            "csrf_token": token,
            "remind_after": "7, 14, 21",
            "at": "9:00",
            "maximum": "2",
            "zone_0": "America/Chicago",
            "zone_1": "Asia/Shanghai",
        },
    )
    assert good.status_code == 302
    session.expire_all()
    saved = session.get(Round, round_.id)
    assert reminders.schedule_of(saved) == reminders.Schedule((7, 14, 21), dt.time(9, 0), 2)
    sides = session.scalars(select(StudySide).where(StudySide.study_id == study.id))
    assert {s.code: s.timezone for s in sides} == {
        "us": "America/Chicago",
        "cn": "Asia/Shanghai",
    }
    page = text_of(client.get(base + "/"))
    assert "7, 14 days after the invitation, at 09:00 in each respondent" in page
    assert "America/Chicago" in page
    empty = client.post(
        base + "/schedule",
        data={"csrf_token": token, "remind_after": "", "at": "09:00", "zone_0": "", "zone_1": ""},
    )
    assert empty.status_code == 302, text_of(empty)
    session.expire_all()
    assert reminders.schedule_of(session.get(Round, round_.id)) is None
