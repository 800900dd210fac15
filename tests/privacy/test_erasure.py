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


def test_audit02_compared_identifying_text_leaves_the_discrepancy_audit_on_erasure(
    session, make_user, make_study, make_round, identifying_questionnaire, tmp_path
):
    """A free-text question marked identifying that is also compared: its two values go into
    the audit rows of the discrepancy's decisions. Erasing one side's person makes their value
    unreadable there (and absent from every table), the other side's stays, the chain holds."""
    from survey.comparison import services as comparison
    from survey.comparison.models import Discrepancy
    from survey.db import Base
    from survey.responding import services as answers

    compared = tmp_path / "compared.yaml"
    text = identifying_questionnaire.read_text(encoding="utf-8")
    marked = text.replace("        identifying: true\n", "        identifying: true\n"
                          "        compare: exact\n")  # fmt: skip
    assert marked != text
    compared.write_text(marked, encoding="utf-8")
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=compared)
    q = comparison.questionnaire_of(session, round_)
    said = {"us": "Mayor Zhang Wei met us at the airport", "cn": "Consul Lin Hui was there"}
    people = {}
    for rows in rounds.by_pair(rounds.invitation_rows(session, round_)).values():
        for row in rows:
            values = {"established": "1990", "training": "no", "comment": said[row.side.code]}
            answers.record_answers(session, row.invitation, q, values)
            answers.submit(session, row.invitation, q)
            people[row.side.code] = row.respondent
    item = session.scalars(
        select(Discrepancy).where(
            Discrepancy.round_id == round_.id, Discrepancy.question_key == "comment"
        )
    ).one()
    comparison.decide(session, item, "confirmed", user=owner, version=item.version, note="ok")
    decided = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "discrepancy.decide")
    ).one()
    assert said["us"] not in json.dumps(decided.details, ensure_ascii=False)
    assert sealing.open_all(session, [decided])[decided.id]["values_seen"] == said

    erasure.erase(session, people["us"], reason="their request", user=owner)
    session.flush()
    opened = sealing.open_all(session, [decided])[decided.id]["values_seen"]
    assert opened == {"us": sealing.ERASED, "cn": said["cn"]}
    assert audit.verify_chain(session) is None
    removed = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "discrepancy.remove")
    ).all()
    assert removed  # the erased side has no answer: the discrepancy went, its last values sealed
    assert all(said["us"] not in json.dumps(r.details, ensure_ascii=False) for r in removed)
    for table in Base.metadata.sorted_tables:  # nowhere in any table's rows
        for stored in session.execute(table.select()):
            assert said["us"] not in json.dumps(list(stored), ensure_ascii=False, default=str)


def test_access_export_holds_paradata_mail_records_and_attempts_in_their_language(
    session, named_round, tmp_path
):
    """The right of access covers how the person used the form (visits, time on each page,
    a language switch), the record of every mail queued to them, and the calls to them; the
    readable page says it in the person's language."""
    import datetime as dt

    from survey.fieldwork.models import ContactAttempt
    from survey.privacy import access
    from survey.rounds.paradata import ParadataPage, ParadataVisit

    person, invitation = first_us(session, named_round)
    person.language = "zh-Hans"
    start = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    visit = ParadataVisit(invitation_id=invitation.id, started_at=start, device="mobile",
                          language="zh-Hans")  # fmt: skip
    session.add(visit)
    session.flush()
    session.add_all([
        ParadataPage(invitation_id=invitation.id, visit_id=visit.id, section="basics",
                     event="page", shown_at=start, saved_at=start + dt.timedelta(seconds=83.5),
                     seconds=83.5, language="zh-Hans"),
        ParadataPage(invitation_id=invitation.id, visit_id=visit.id, section="exchanges",
                     event="language", shown_at=start, saved_at=start + dt.timedelta(seconds=90),
                     seconds=6.5, language="zh-Hans", switched_to="en"),
    ])  # fmt: skip
    session.add(ContactAttempt(invitation_id=invitation.id, at=start, mode="phone",
                               outcome="no_answer", note=""))  # fmt: skip
    message = queue_message(
        session, kind="reminder", recipient=person.email, language="zh-Hans", subject="提醒",
        body="请完成问卷", invitation_id=invitation.id,
    )  # fmt: skip
    session.flush()

    held = access.gather(session, person)
    mine = next(i for i in held["invitations"] if i["id"] == invitation.id)
    assert [v["device"] for v in mine["paradata"]["visits"]] == ["mobile"]
    assert [(p["page"], p["event"], p["seconds"]) for p in mine["paradata"]["pages"]] == [
        ("basics", "page", 83.5),
        ("exchanges", "language", 6.5),
    ]
    mail_rows = [r for r in held["audit"] if r["object"] == f"outbox_message:{message.id}"]
    assert [r["action"] for r in mail_rows] == ["mail.queue"]

    shown = {a["question"]: a["shown"] for a in mine["answers"]}
    assert shown["training"] == "否"  # an answer as they read it, not its code "no"

    _json, page = access.write(session, person, tmp_path / "held.json")
    html = page.read_text(encoding="utf-8")
    assert "基本情况：83.5 秒后保存" in html  # the page by its title, in their language
    assert "2026-11-03 09:00" in html  # times as people read them, not ISO stamps
    assert "手机" in html  # the device class in their language
    assert "83.5" in html
    assert "无人接听" in html  # the call's outcome in words, not its code
    assert "no_answer" not in html


def test_access_export_names_autosaves_and_the_review_page_in_their_language(
    session, named_round, tmp_path
):
    """Issue 19's later paradata: an autosave is said to be one, not "saved after 0 seconds";
    the review page has its name."""
    import datetime as dt

    from survey.privacy import access
    from survey.rounds.paradata import ParadataPage

    person, invitation = first_us(session, named_round)
    person.language = "zh-Hant"
    start = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    session.add_all([
        ParadataPage(invitation_id=invitation.id, section="basics", event="autosave",
                     shown_at=start, saved_at=start, seconds=0.0, language="zh-Hant"),
        ParadataPage(invitation_id=invitation.id, section="review", event="page",
                     shown_at=start, saved_at=start + dt.timedelta(seconds=21),
                     seconds=21.0, language="zh-Hant"),
    ])  # fmt: skip
    session.flush()
    _json, page = access.write(session, person, tmp_path / "held.json")
    html = page.read_text(encoding="utf-8")
    assert "基本情況：輸入時自動儲存" in html
    assert "：0.0 秒後儲存" not in html
    assert "檢查您的回答：21.0 秒後儲存" in html
