"""SCHEMA-02 and AUDIT-02 for people: an erasure needs the owner, a reason and a
confirmation naming what goes; queued mail makes it refuse; what it removes is gone from
every table while the audit chain still verifies; the study decides whether answers stay."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from survey import audit, sealing
from survey.audit import AuditEntry
from survey.errors import ServiceError
from survey.privacy import erasure, settings
from survey.responding.models import Answer
from survey.rounds import services as rounds
from survey.rounds.mail.outbox import queue_message
from survey.rounds.models import Invitation, OutboxMessage
from survey.studies.models import Respondent, Study
from tests.fixtures.web import csrf_token, login
from tests.privacy.conftest import SECRET_TEXT


def first_us(session, named_round) -> tuple[Respondent, Invitation]:
    row = next(
        r
        for rows in rounds.by_pair(rounds.invitation_rows(session, named_round["round"])).values()
        for r in rows
        if r.side.code == "us"
    )
    return row.respondent, row.invitation


def test_audit02_erasure_seals_answers_and_keeps_the_chain(session, named_round):
    person, invitation = first_us(session, named_round)
    saves = list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "answer.save",
                AuditEntry.object_id == str(invitation.id),
            )
        )
    )
    assert saves
    assert all(SECRET_TEXT not in json.dumps(row.details, ensure_ascii=False) for row in saves)
    assert sealing.open_all(session, saves)[saves[0].id]["changes"]["comment"][1] == SECRET_TEXT
    study = session.get(Study, named_round["study_id"])
    found, pseudonym = erasure.erase(
        session, person, reason="their request", user=named_round["owner"]
    )
    assert found.identifying_answers == 1
    assert person.name == pseudonym
    assert person.email == ""
    assert (
        session.scalar(
            select(Answer.id).where(
                Answer.invitation_id == invitation.id, Answer.question_key == "comment"
            )
        )
        is None
    )
    assert (
        session.scalar(
            select(Answer.value).where(
                Answer.invitation_id == invitation.id, Answer.question_key == "established"
            )
        )
        == 1990
    )  # structured answers stay by default
    assert audit.verify_chain(session) is None
    opened = sealing.open_all(session, saves)
    assert opened[saves[0].id]["changes"] == sealing.ERASED
    assert opened[saves[0].id]["questions"]  # which questions changed stays readable
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "respondent.erase")).one()
    assert row.reason == "their request"
    assert row.details["pseudonym"] == pseudonym
    assert person.name not in json.dumps(row.details) or person.name == pseudonym
    again, same = erasure.erase(session, person, reason="again", user=None)
    assert same == pseudonym  # a stable pseudonym
    assert study.slug


def test_erasure_empties_contact_notes_and_the_access_export_lists_attempts(session, named_round):
    from survey.fieldwork.models import ContactAttempt
    from survey.privacy import access

    person, invitation = first_us(session, named_round)
    note = f"{person.name} asked us to call after the election"
    session.add(ContactAttempt(invitation_id=invitation.id, at=invitation.created_at,
                               mode="phone", outcome="callback", note=note))  # fmt: skip
    session.flush()
    held = access.gather(session, person)
    attempts = [a for i in held["invitations"] for a in i["contact_attempts"]]
    assert [a["note"] for a in attempts] == [note]
    erasure.erase(session, person, reason="request", user=None)
    kept = session.scalars(
        select(ContactAttempt).where(ContactAttempt.invitation_id == invitation.id)
    ).all()
    assert [(a.outcome, a.note) for a in kept] == [("callback", "")]


def test_schema02_erasure_removes_answers_when_the_study_says_so(session, named_round):
    study = session.get(Study, named_round["study_id"])
    settings.change(session, study, True, user=None)
    person, invitation = first_us(session, named_round)
    found, _ = erasure.erase(session, person, reason="request", user=None)
    assert found.erase_answers
    assert found.other_answers > 0
    left = session.scalars(select(Answer).where(Answer.invitation_id == invitation.id)).all()
    assert left == []
    assert audit.verify_chain(session) is None


def test_schema02_erasure_refuses_with_queued_mail_unless_cancelled(session, named_round):
    person, invitation = first_us(session, named_round)
    queue_message(
        session, kind="reminder", recipient=person.email, language="en", subject="Reminder",
        body=f"Dear {person.name}", invitation_id=invitation.id,
    )  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        erasure.erase(session, person, reason="request", user=None)
    assert refused.value.code == "erase_mail_queued"
    assert "--cancel-mail" in refused.value.message
    assert not erasure.is_erased(person)
    erasure.erase(session, person, reason="request", user=None, cancel_mail=True)
    assert (
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id)
        ).all()
        == []
    )
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.cancelled"))


def test_schema02_cli_erase_is_for_owners_with_a_reason(runner, session, named_round):
    person, _ = first_us(session, named_round)
    rid = str(person.id)
    researcher = named_round["emails"]["researcher"]
    refused = runner.invoke(
        args=["respondent", "erase", rid, "--reason", "x", "--user", researcher]
    )
    assert refused.exit_code == 1
    assert "Only an owner" in refused.output
    assert "Traceback" not in refused.output
    missing = runner.invoke(args=["respondent", "erase", "999999", "--reason", "x"])
    assert missing.exit_code == 1
    assert "not found" in missing.output
    dry = runner.invoke(args=["respondent", "erase", rid, "--reason", "x", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Answers to identifying questions: 1" in dry.output
    assert not erasure.is_erased(session.get(Respondent, int(rid)))
    done = runner.invoke(args=["respondent", "erase", rid, "--reason", "their request"])
    assert done.exit_code == 0, done.output
    assert session.get(Respondent, int(rid)).name.startswith("erased-")


def test_schema02_confirmation_page_names_what_goes(client, session, named_round, make_study):
    person, _ = first_us(session, named_round)
    name, rid = person.name, person.id
    slug = named_round["study_slug"]
    page, action = f"/studies/{slug}/respondents/{rid}/", f"/studies/{slug}/respondents/{rid}/erase"
    login(client, named_round["emails"]["researcher"])
    assert client.get(page).status_code == 403
    assert client.get(action).status_code == 403
    outsider = make_study()  # an owner of another study: 404, as for any unknown page
    owner_elsewhere = session.scalar(select(Respondent.id).where(Respondent.id == rid))
    assert owner_elsewhere == rid
    login(client, named_round["emails"]["owner"])
    assert client.get(f"/studies/{outsider.slug}/respondents/{rid}/").status_code == 404
    shown = client.get(page).get_data(as_text=True)
    assert name in shown
    assert "held.json" in shown
    held = client.get(f"/studies/{slug}/respondents/{rid}/held.json")
    assert held.status_code == 200
    assert held.get_json()["respondent"]["name"] == name
    held.close()
    confirm = client.get(action).get_data(as_text=True)
    assert "Answers to identifying questions" in confirm
    assert "cannot be undone" in confirm
    no_reason = client.post(action, data={"csrf_token": csrf_token(client, action)})
    assert no_reason.status_code == 200
    assert "Give the reason" in no_reason.get_data(as_text=True)
    assert not erasure.is_erased(session.get(Respondent, rid))
    done = client.post(action, data={"csrf_token": csrf_token(client, action), "reason": "asked"})
    assert done.status_code == 302
    done.close()
    assert session.get(Respondent, rid).name.startswith("erased-")
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "respondent.access_export"))


def test_study_privacy_settings_page_and_cli(client, runner, session, named_round):
    slug = named_round["study_slug"]
    path = f"/studies/{slug}/privacy"
    login(client, named_round["emails"]["owner"])
    assert client.get(path).status_code == 200
    saved = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "answers": "erase", "retention_days": "30"},
    )
    assert saved.status_code == 302
    study = session.get(Study, named_round["study_id"])
    row = settings.of(session, study)
    assert row.erase_answers
    assert row.retention_days == 30
    bad = client.post(path, data={"csrf_token": csrf_token(client, path), "retention_days": "-3"})
    assert bad.status_code == 200
    shown = runner.invoke(
        args=["study", "privacy", slug, "--answers", "keep", "--retention-days", "off"]
    )
    assert shown.exit_code == 0, shown.output
    assert "kept; identities: no limit" in shown.output
    wrong = runner.invoke(args=["study", "privacy", slug, "--retention-days", "soon"])
    assert wrong.exit_code == 2
    login(client, named_round["emails"]["researcher"])
    assert client.get(path).status_code == 403
