"""`survey contact log|list`: attempts with callbacks in the respondent's zone, checked input."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from survey.audit import AuditEntry
from survey.fieldwork.models import ContactAttempt
from survey.studies.pairs.members import assign_interviewer


def _log(runner, slug, *args):  # noqa: ANN001, ANN002, ANN202
    return runner.invoke(args=["contact", "log", slug, *args])


def test_a_callback_on_thursday_at_nine_beijing_time_is_stored_in_utc_with_its_zone(
    runner, session, field
):
    _, round_, owner = field
    slug, owner_id, email = round_.slug, owner.id, owner.email
    result = _log(
        runner, slug, "p4", "us", "--outcome", "callback", "--at", "2010-03-16T08:00:00+00:00",
        "--callback", "2010-03-18 09:00", "--zone", "Asia/Shanghai", "--note", "秘书说周四再打",
        "--by", email,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "callback 2010-03-18 09:00 (CST, UTC+08:00)" in result.output
    attempt = session.scalar(select(ContactAttempt).order_by(ContactAttempt.id.desc()))
    assert attempt.callback_at == dt.datetime(2010, 3, 18, 1, 0, tzinfo=dt.UTC)
    assert attempt.callback_zone == "Asia/Shanghai"
    assert attempt.note == "秘书说周四再打"
    assert attempt.by_user_id == owner_id
    row = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (row.action, row.object_type, row.object_id) == (
        "contact.log", "contact_attempt", str(attempt.id)
    )  # fmt: skip
    assert row.actor_user_id == owner_id
    assert row.details["outcome"] == "callback"
    assert row.details["callback_at"] == "2010-03-18T01:00:00+00:00"
    listed = json.loads(
        runner.invoke(args=["contact", "list", slug, "--due", "--format", "json"]).output
    )
    assert listed[0]["pair"] == "p3" or listed[0]["next_callback"] <= listed[-1]["next_callback"]
    mine = next(r for r in listed if (r["pair"], r["side"]) == ("p4", "us"))
    assert mine["next_callback_local"] == "2010-03-18 09:00 (CST, UTC+08:00)"
    assert mine["attempts"] == 3
    assert mine["disposition"] == "2.21"


def test_times_a_dst_change_skips_or_repeats_are_refused_and_nothing_is_stored(
    runner, session, field
):
    _, round_, _ = field
    slug = round_.slug
    before = session.scalar(select(ContactAttempt.id).order_by(ContactAttempt.id.desc()))
    skipped = _log(
        runner, slug, "p4", "us", "--outcome", "appointment", "--at", "2010-03-10 10:00",
        "--callback", "2010-03-14 02:30", "--zone", "America/New_York",
    )  # fmt: skip
    assert skipped.exit_code == 1
    assert "2010-03-14 02:30 does not exist in America/New_York" in skipped.output
    repeated = _log(
        runner, slug, "p4", "us", "--outcome", "appointment", "--at", "2010-11-01 10:00",
        "--callback", "2010-11-07 01:30", "--zone", "America/New_York",
    )  # fmt: skip
    assert repeated.exit_code == 1
    assert "happens twice in America/New_York" in repeated.output
    assert "-04:00 / -05:00" in repeated.output
    with_offset = _log(
        runner, slug, "p4", "us", "--outcome", "appointment", "--at", "2010-11-01 10:00",
        "--callback", "2010-11-07T01:30-05:00", "--zone", "America/New_York",
    )  # fmt: skip
    assert with_offset.exit_code == 0, with_offset.output
    newest = session.scalar(select(ContactAttempt).order_by(ContactAttempt.id.desc()))
    assert newest.id != before
    assert newest.callback_at == dt.datetime(2010, 11, 7, 6, 30, tzinfo=dt.UTC)


def test_bad_input_is_one_clear_line(runner, field):
    _, round_, _ = field
    slug = round_.slug
    unknown_pair = _log(runner, slug, "p11", "us", "--outcome", "busy")
    assert unknown_pair.exit_code == 1
    assert 'no pair "p11" — did you mean "p1"' in unknown_pair.output
    unknown_side = _log(runner, slug, "p1", "uk", "--outcome", "busy")
    assert 'no side "uk"; the sides are us, cn' in unknown_side.output
    near_side = _log(runner, slug, "p1", "uss", "--outcome", "busy")
    assert 'no side "uss" — did you mean "us"?' in near_side.output
    unknown_outcome = _log(runner, slug, "p1", "us", "--outcome", "bussy")
    assert unknown_outcome.exit_code == 2
    assert "bussy" in unknown_outcome.output
    needs_time = _log(runner, slug, "p1", "us", "--outcome", "appointment")
    assert "Give the agreed time of the callback or appointment." in needs_time.output
    not_wanted = _log(
        runner, slug, "p1", "us", "--outcome", "busy", "--callback", "2010-03-18 09:00"
    )
    assert "Only a callback or an appointment has an agreed time" in not_wanted.output
    future = _log(runner, slug, "p1", "us", "--outcome", "busy", "--at", "2999-01-01 09:00")
    assert "cannot be later than now" in future.output
    garbled = _log(runner, slug, "p1", "us", "--outcome", "busy", "--at", "Thursday")
    assert "Thursday is not a date and time" in garbled.output
    zone = _log(runner, slug, "p1", "us", "--outcome", "busy", "--zone", "Mars/Olympus")
    assert "Unknown time zone Mars/Olympus" in zone.output
    for result in (needs_time, not_wanted, future, garbled, zone):
        assert result.exit_code == 1
        assert "Traceback" not in result.output


def test_by_names_an_interviewer_who_may_log_only_for_assigned_pairs(
    runner, session, field, make_user
):
    from survey.studies import services as studies

    study, round_, _ = field
    slug = round_.slug
    interviewer, viewer = make_user(), make_user()
    studies.add_member(session, study, interviewer.email, "interviewer")
    studies.add_member(session, study, viewer.email, "viewer")
    pair = next(p for p in study_pairs(session, study) if p.code == "p4")
    assign_interviewer(session, study, pair, interviewer.id)
    session.flush()
    mine, seen = interviewer.email, viewer.email
    ok = _log(runner, slug, "p4", "cn", "--outcome", "busy", "--by", mine)
    assert ok.exit_code == 0, ok.output
    other = _log(runner, slug, "p3", "cn", "--outcome", "busy", "--by", mine)
    assert other.exit_code == 1
    assert "You are not assigned to pair p3." in other.output
    read_only = _log(runner, slug, "p4", "cn", "--outcome", "busy", "--by", seen)
    assert read_only.exit_code == 2
    assert "may not log contacts" in read_only.output


def study_pairs(session, study):  # noqa: ANN001, ANN201
    from survey.studies.models import Pair

    return session.scalars(select(Pair).where(Pair.study_id == study.id))


def test_list_formats_and_one_row_per_attempt(runner, field):
    _, round_, _ = field
    slug = round_.slug
    table = runner.invoke(
        args=["contact", "list", slug, "--format", "table"], env={"SURVEY_TERMINAL": "1"}
    )
    assert table.exit_code == 0, table.output
    assert "Next callback" in table.output
    attempts = json.loads(
        runner.invoke(args=["contact", "list", slug, "--attempts", "--format", "json"]).output
    )
    assert len(attempts) == 12
    assert {a["aapor"] for a in attempts if a["outcome"] == "callback"} == {"2.21"}
    csv_text = runner.invoke(args=["contact", "list", slug, "--format", "csv"]).output
    assert csv_text.splitlines()[0].startswith("pair,side,respondent,phone,attempts")


def test_an_agreed_time_without_a_zone_is_read_in_the_respondents_else_the_sides_zone(
    runner, session, field
):
    """Issue 19: the respondent's own zone, else their side's default, not the round's."""
    from survey.studies.models import Pair, PairSide, Respondent, StudySide

    study, round_, owner = field
    slug, email = round_.slug, owner.email
    us = session.scalar(
        select(StudySide).where(StudySide.study_id == study.id, StudySide.code == "us")
    )
    us.timezone = "America/New_York"
    session.commit()
    by_side = _log(
        runner, slug, "p4", "us", "--outcome", "callback", "--at", "2010-03-16 08:00",
        "--callback", "2010-03-18 09:00", "--by", email,
    )  # fmt: skip
    assert by_side.exit_code == 0, by_side.output
    assert "callback 2010-03-18 09:00 (EDT, UTC-04:00)" in by_side.output
    attempt = session.scalar(select(ContactAttempt).order_by(ContactAttempt.id.desc()))
    assert (attempt.callback_at, attempt.callback_zone) == (
        dt.datetime(2010, 3, 18, 13, 0, tzinfo=dt.UTC), "America/New_York"
    )  # fmt: skip
    person = session.scalar(
        select(Respondent)
        .join(PairSide, PairSide.id == Respondent.pair_side_id)
        .join(Pair, Pair.id == PairSide.pair_id)
        .where(Pair.study_id == study.id, Pair.code == "p4", PairSide.side_id == us.id)
    )
    person.timezone = "America/Chicago"
    session.commit()
    own = _log(
        runner, slug, "p4", "us", "--outcome", "appointment", "--at", "2010-03-16 08:05",
        "--callback", "2010-03-19 09:00", "--by", email,
    )  # fmt: skip
    assert own.exit_code == 0, own.output
    assert "callback 2010-03-19 09:00 (CDT, UTC-05:00)" in own.output
    session.expire_all()
    attempt = session.scalar(select(ContactAttempt).order_by(ContactAttempt.id.desc()))
    assert attempt.callback_zone == "America/Chicago"
