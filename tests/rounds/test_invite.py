"""Invitations and reminders through the outbox and a real SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from survey.errors import ServiceError
from survey.responding import services as answers
from survey.rounds import invite, mail
from survey.rounds import services as rounds
from survey.rounds.models import OutboxMessage
from survey.studies.models import Respondent

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


def outbox(session, kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def test_invitations_are_queued_once_in_each_language(app, session, make_round):
    round_ = make_round(pairs=2, questionnaire=MINI)
    report = invite.invite_round(session, round_)
    assert report.queued == 4
    again = invite.invite_round(session, round_)
    assert (again.queued, again.already) == (0, 4)
    messages = outbox(session)
    assert len(messages) == 4
    by_language = {m.language: m for m in messages}
    assert set(by_language) == {"en", "zh-Hans"}
    links = {
        r.invitation.id: rounds.link_of(r.invitation)
        for r in rounds.invitation_rows(session, round_)
    }
    for message in messages:
        assert links[message.invitation_id] in message.body_text
        assert message.body_text.count(app.config["BASE_URL"] + "/r/") == 1
    assert any("\u4e00" <= ch <= "\u9fff" for ch in by_language["zh-Hans"].body_text)


def test_reminders_carry_the_same_link_and_skip_finished_respondents(session, make_round):
    round_ = make_round(pairs=2, questionnaire=MINI)
    q_rows = rounds.invitation_rows(session, round_)
    invite.invite_round(session, round_)
    from survey.comparison.services import questionnaire_of

    q = questionnaire_of(session, round_)
    done, declined = q_rows[0].invitation, q_rows[1].invitation
    answers.record_answers(session, done, q, {"established": "1987", "training": "no"})
    answers.submit(session, done, q)
    answers.decline(session, declined)
    first = invite.remind_round(session, round_)
    assert first.queued == 2
    assert first.not_eligible == 2
    merged = invite.remind_round(session, round_)
    assert merged.queued == 0
    assert merged.waiting == 2  # still in the queue: merged, not sent twice (MAIL-03)
    for reminder in outbox(session, "reminder"):
        original = next(
            m for m in outbox(session, "invitation") if m.invitation_id == reminder.invitation_id
        )
        link = next(w for w in original.body_text.split() if "/r/" in w)
        assert link in reminder.body_text


def test_closed_or_draft_rounds_send_nothing(session, make_round):
    round_ = make_round(pairs=1, questionnaire=MINI, state="draft")
    with pytest.raises(ServiceError) as error:
        invite.invite_round(session, round_)
    assert error.value.code == "round_not_open"
    assert outbox(session) == []


def test_a_bad_name_does_not_stop_the_others(session, make_round):
    round_ = make_round(pairs=2, questionnaire=MINI)
    first = rounds.invitation_rows(session, round_)[0]
    session.get(Respondent, first.respondent.id).name = "Bob\r\nBcc: x@example.org"
    session.flush()
    report = invite.invite_round(session, round_)
    assert report.queued >= 3
    if report.errors:
        assert "Line breaks are not allowed here." in report.errors[0]
    for message in outbox(session):
        assert "\r\nBcc:" not in message.subject


def test_worker_sends_through_smtp_and_marks_invitations(
    app, session, connection, make_round, smtp_sink
):
    """Over loopback SMTP: the worker's sessions join the test's transaction."""
    round_ = make_round(pairs=2, questionnaire=MINI)
    invite.invite_round(session, round_)
    session.commit()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    report = mail.send_pending(
        factory, {**app.config, **smtp_sink.config()}, limit=50, worker="test"
    )
    assert report.sent == 4
    assert len(smtp_sink.per_message_id()) == 4
    assert set(smtp_sink.per_message_id().values()) == {1}
    session.expire_all()
    states = {r.invitation.state for r in rounds.invitation_rows(session, round_)}
    assert states == {"sent"}
    zh = next(r.message for r in smtp_sink.received if r.message["Content-Language"] == "zh-Hans")
    assert "/r/" in zh.get_content()
