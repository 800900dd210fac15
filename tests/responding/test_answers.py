"""Storing answers: parsing, validation, optimistic locking, audit, submit once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey import sealing
from survey.audit import AuditEntry
from survey.errors import ServiceError
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.responding import store
from survey.responding.services import Actor
from survey.rounds import services as rounds

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


@pytest.fixture
def setup(session, make_round):
    round_ = make_round(pairs=1, questionnaire=MINI)
    invitation = rounds.invitation_rows(session, round_)[0].invitation
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, invitation, q


def audit_rows(session, action):
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(session.scalars(query))


def test_valid_answers_are_stored_raw_and_audited(session, setup):
    _, invitation, q = setup
    result = answers.record_answers(
        session,
        invitation,
        q,
        {
            "established": "１９８７",
            "training": "yes",
            "sectors": ["water", "health"],
            "comment": '  好的 👍 "quoted"\r\nline  ',
        },
    )
    assert result.errors == {}
    stored = answers.answers_of(session, invitation)
    assert stored["established"] == 1987
    assert stored["sectors"] == ["health", "water"]  # option order
    assert stored["comment"] == '  好的 👍 "quoted"\r\nline  '
    assert invitation.state == "in_progress"
    entry = audit_rows(session, "answer.save")[-1]
    opened = sealing.open_all(session, [entry])[entry.id]  # the values are sealed (issue 20)
    assert opened["changes"]["established"] == [None, 1987]
    assert entry.on_behalf_of == f"respondent:{invitation.respondent_id}"
    assert entry.actor_invitation_id == invitation.id


def test_bad_values_come_back_as_errors_and_are_not_stored(session, setup):
    _, invitation, q = setup
    result = answers.record_answers(
        session,
        invitation,
        q,
        {"established": "1950", "sent": "abc", "received": "-1", "training": "maybe"},
    )
    assert {k: e.code for k, e in result.errors.items()} == {
        "established": "year_too_early",
        "sent": "not_integer",
        "received": "below_min",
        "training": "unknown_option",
    }
    assert answers.answers_of(session, invitation) == {}
    assert audit_rows(session, "answer.save") == []


def test_constraint_and_special_answers(session, setup):
    _, invitation, q = setup
    result = answers.record_answers(session, invitation, q, {"sent": "101", "received": "dk"})
    assert result.errors["sent"].code == "constraint"
    assert answers.answers_of(session, invitation) == {"received": "dk"}


def test_unknown_questions_are_refused_whole(session, setup):
    _, invitation, q = setup
    with pytest.raises(ServiceError) as error:
        answers.record_answers(session, invitation, q, {"sent": "1", "other_side_field": "x"})
    assert error.value.code == "unknown_question"
    assert answers.answers_of(session, invitation) == {}


def test_a_newer_save_is_not_overwritten_silently(session, setup):
    _, invitation, q = setup
    answers.record_answers(session, invitation, q, {"sent": "3"})
    seen = answers.answer_rows(session, invitation)["sent"].version
    interviewer = Actor("interviewer", mode="phone")
    answers.record_answers(session, invitation, q, {"sent": "4"}, actor=interviewer)
    result = answers.record_answers(session, invitation, q, {"sent": "5"}, expected={"sent": seen})
    assert result.conflicts == {"sent": (4, seen + 1)}
    assert answers.answers_of(session, invitation)["sent"] == 4
    assert invitation.mode == "phone"


def test_submit_needs_required_answers_then_happens_once(session, setup):
    _, invitation, q = setup
    with pytest.raises(ServiceError) as error:
        answers.submit(session, invitation, q)
    assert error.value.params["keys"] == "established, training"
    answers.record_answers(session, invitation, q, {"established": "1987", "training": "no"})
    assert answers.submit(session, invitation, q) is True
    assert answers.submit(session, invitation, q) is False
    assert invitation.state == "submitted"
    assert len(audit_rows(session, "invitation.submit")) == 1
    with pytest.raises(ServiceError) as error:
        answers.record_answers(session, invitation, q, {"sent": "2"})
    assert error.value.code == "already_submitted"


def test_irrelevant_answers_are_kept_but_not_counted(session, setup):
    _, invitation, q = setup
    answers.record_answers(session, invitation, q, {"training": "yes", "sectors": ["health"]})
    answers.record_answers(session, invitation, q, {"training": "no", "established": "1990"})
    assert answers.answers_of(session, invitation)["sectors"] == ["health"]
    assert answers.submit(session, invitation, q) is True


def test_closed_round_refuses_respondent_answers(session, make_round):
    round_ = make_round(pairs=1, questionnaire=MINI, state="closed")
    invitation = rounds.invitation_rows(session, round_)[0].invitation
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    with pytest.raises(ServiceError) as error:
        answers.record_answers(session, invitation, q, {"sent": "1"})
    assert error.value.code == "round_not_open"


def test_correction_after_submit_needs_a_reason(session, setup, make_user):
    _, invitation, q = setup
    answers.record_answers(session, invitation, q, {"established": "1987", "training": "no"})
    answers.submit(session, invitation, q)
    researcher = make_user()
    with pytest.raises(ServiceError):
        answers.record_answers(
            session, invitation, q, {"established": "1988"}, actor=Actor("correction", researcher)
        )
    answers.record_answers(
        session,
        invitation,
        q,
        {"established": "1988"},
        actor=Actor("correction", researcher, reason="typo in the transcript"),
    )
    entry = audit_rows(session, "answer.save")[-1]
    assert entry.reason == "typo in the transcript"
    assert entry.actor_user_id == researcher.id
    assert invitation.state == "submitted"


def test_reopen_and_decline(session, setup, make_user):
    _, invitation, q = setup
    answers.record_answers(session, invitation, q, {"established": "1987", "training": "no"})
    answers.submit(session, invitation, q)
    answers.reopen(session, invitation, user=make_user(), reason="respondent asked")
    assert invitation.state == "in_progress"
    answers.decline(session, invitation)
    assert invitation.state == "declined"
    with pytest.raises(ServiceError) as error:
        answers.record_answers(session, invitation, q, {"sent": "1"})
    assert error.value.code == "declined"


def test_answers_listed_with_a_query_are_the_answers_stored(session, setup):
    """answer_list (one JSON array in the visit's query) gives what answer_rows reads."""
    from survey.rounds.models import Invitation

    _, invitation, q = setup

    def listed():
        query = select(store.answer_list(Invitation.id)).where(Invitation.id == invitation.id)
        return store.stored_rows(session.execute(query).scalar_one())

    assert listed() == {}
    answers.record_answers(
        session,
        invitation,
        q,
        {
            "established": "1987",
            "training": "no",
            "sectors": ["water", "health"],
            "sent": "dk",
            "comment": '好的 👍 "quoted"\r\n<b>line</b> \\ end',
        },
    )
    answers.record_answers(session, invitation, q, {"training": ""})  # cleared: stored as null
    assert listed() == answers.answer_rows(session, invitation)
    assert listed()["comment"].value == '好的 👍 "quoted"\r\n<b>line</b> \\ end'
    assert listed()["training"].value is None
    assert listed()["sent"].version == 1
    assert listed()["training"].version == 2
