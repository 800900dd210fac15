"""Round pages: list, create, progress, actions, links download, interviewer entry (ACL-05)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies.models import InterviewerAssignment, Membership
from tests.fixtures.web import csrf_token, login, text_of

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


def test_round_page_shows_progress_per_side(client, session, make_user, make_study, make_round):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=2, questionnaire=MINI)
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/"))
    assert "2 pairs: submitted on both sides 0, on one side 0, on neither 2." in page
    assert "Enter interview" in page
    listing = text_of(client.get(f"/studies/{study.slug}/rounds/"))
    assert round_.slug in listing
    assert "Create a round" in listing


def test_create_round_from_the_page(client, session, make_user, make_study, make_pair):
    from survey.core.loader import load_file
    from survey.questionnaires import services as questionnaires

    owner = make_user()
    study = make_study(owner=owner)
    make_pair(study, "a-b")
    questionnaires.import_questionnaire(session, load_file(MINI), study=study)
    login(client, owner.email)
    token = csrf_token(client, f"/studies/{study.slug}/rounds/")
    response = client.post(
        f"/studies/{study.slug}/rounds/",
        data={
            "csrf_token": token,
            "name": "Spring wave",
            "questionnaire": "mini@1",
            "timezone": "Asia/Shanghai",
            "closes_at": "2009-06-30T18:00",
        },
    )
    assert response.status_code == 302
    created = session.scalar(select(Round).where(Round.slug == "spring-wave"))
    assert created.closes_at.isoformat() == "2009-06-30T10:00:00+00:00"
    again = client.post(
        f"/studies/{study.slug}/rounds/",
        data={
            "csrf_token": token,
            "name": "Spring wave",
            "questionnaire": "mini@1",
            "timezone": "UTC",
        },
    )
    assert again.status_code == 422
    assert "already exists" in text_of(again)


def test_open_close_and_links_need_researcher_and_post(
    client, session, make_user, make_study, make_round
):
    viewer, owner = make_user(), make_user()
    study = make_study(owner=owner, members={viewer: "viewer"})
    round_ = make_round(study, pairs=1, questionnaire=MINI, state="draft")
    base = f"/studies/{study.slug}/rounds/{round_.slug}"
    login(client, viewer.email)
    token = csrf_token(client, base + "/")
    assert client.post(base + "/open", data={"csrf_token": token}).status_code == 403
    assert client.post(base + "/links.csv", data={"csrf_token": token}).status_code == 403
    assert client.get(base + "/open").status_code == 405
    login(client, owner.email)
    token = csrf_token(client, base + "/")
    assert client.post(base + "/open", data={"csrf_token": token}).status_code == 302
    assert session.get(Round, round_.id).state == "open"
    download = client.post(base + "/links.csv", data={"csrf_token": token})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert text_of(download).count("/r/") == 2


def test_other_study_gets_404_everywhere(client, make_user, make_study, make_round):
    outsider = make_user()
    make_study(owner=outsider)
    round_ = make_round(pairs=1, questionnaire=MINI)
    study_slug = session_slug(round_)
    login(client, outsider.email)
    for path in (f"/studies/{study_slug}/rounds/", f"/studies/{study_slug}/rounds/{round_.slug}/"):
        assert client.get(path).status_code == 404


def session_slug(round_: Round) -> str:
    from survey.db import db
    from survey.studies.models import Study

    return db.session.get(Study, round_.study_id).slug


def test_interviewer_enters_only_assigned_pairs(client, session, make_user, make_study, make_round):
    interviewer = make_user()
    study = make_study(members={interviewer: "interviewer"})
    round_ = make_round(study, pairs=2, questionnaire=MINI)
    assigned, other = rounds.round_pairs(session, round_)
    membership = session.scalar(select(Membership).where(Membership.user_id == interviewer.id))
    session.add(InterviewerAssignment(membership_id=membership.id, pair_id=assigned.id))
    session.flush()
    login(client, interviewer.email)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/entry"
    assert client.get(f"{base}/{other.code}/us").status_code == 404
    page = client.get(f"{base}/{assigned.code}/cn")
    assert page.status_code == 200
    token = csrf_token(client, f"{base}/{assigned.code}/cn")
    saved = client.post(
        f"{base}/{assigned.code}/cn",
        data={
            "csrf_token": token,
            "mode": "phone",
            "action": "submit",
            "_v.established": "0",
            "established": "1987",
            "_v.training": "0",
            "training": "no",
            "_v.sent": "0",
            "sent": "4",
        },
    )
    assert saved.status_code == 302, text_of(saved)
    row = next(
        r
        for r in rounds.invitation_rows(session, round_)
        if r.pair.id == assigned.id and r.side.code == "cn"
    )
    session.refresh(row.invitation)
    assert row.invitation.state == "submitted"
    assert row.invitation.mode == "phone"
    assert answers.answers_of(session, row.invitation)["sent"] == 4
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "answer.save"))
    assert entry.actor_user_id == interviewer.id
    assert entry.on_behalf_of == f"respondent:{row.invitation.respondent_id}"
    refused = client.post(f"{base}/{other.code}/us", data={"csrf_token": token, "sent": "9"})
    assert refused.status_code == 404
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "answer.save")
        )
        == 1
    )


def test_viewer_cannot_enter_answers(client, make_user, make_study, make_round):
    viewer = make_user()
    study = make_study(members={viewer: "viewer"})
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    login(client, viewer.email)
    pair = rounds.round_pairs(__import__("survey.db", fromlist=["db"]).db.session, round_)[0]
    path = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    assert client.get(path).status_code == 403


def test_entry_shows_errors_and_keeps_input(client, session, make_user, make_study, make_round):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "mode": "email",
            "action": "save",
            "_v.established": "0",
            "established": "19x7",
            "_v.comment": "0",
            "comment": "<script>x</script>",
        },
    )
    assert response.status_code == 422
    page = text_of(response)
    assert 'value="19x7"' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page


def test_texts_are_checked_saved_and_previewed(client, session, make_user, make_study, make_round):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/texts"
    login(client, owner.email)
    page = text_of(client.get(path))
    assert "{link}" in page
    assert "/r/" in page  # the preview shows a real link
    token = csrf_token(client, path)
    form = {"csrf_token": token}
    for kind in ("invitation", "reminder"):
        for lang in ("en", "zh-Hans", "zh-Hant"):
            form[f"{kind}-{lang}-subject"] = f"{kind} {lang}"
            form[f"{kind}-{lang}-body"] = "Dear {respondent_name}, please answer: {link}"
    form["invitation-en-body"] = "Hello {{ config.SECRET_KEY }} {name.__class__} no link"
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    body = text_of(refused)
    assert "Unknown placeholder {name.__class__}" in body
    assert "The text must contain {link}." in body
    assert session.get(Round, round_.id).invitation_texts == {}
    form["invitation-en-body"] = "Dear {respondent_name}: {link} {{literal}}"
    assert client.post(path, data=form).status_code == 302
    session.expire_all()
    saved = session.get(Round, round_.id)
    assert saved.invitation_texts["en"]["body"] == "Dear {respondent_name}: {link} {{literal}}"
    from survey.rounds import invite

    row = rounds.invitation_rows(session, saved)[0]
    subject, text = invite.render(session, saved, row, "invitation", "en")
    assert text.startswith(f"Dear {row.respondent.name}: {rounds.link_of(row.invitation)} {{")


def test_links_csv_neutralises_formula_like_names(
    client, session, make_user, make_study, make_round
):
    from survey.studies.models import Respondent

    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=MINI)
    row = rounds.invitation_rows(session, round_)[0]
    session.get(Respondent, row.respondent.id).name = '=HYPERLINK("http://x","y")'
    session.flush()
    base = f"/studies/{study.slug}/rounds/{round_.slug}"
    login(client, owner.email)
    token = csrf_token(client, base + "/")
    download = text_of(client.post(base + "/links.csv", data={"csrf_token": token}))
    assert "'=HYPERLINK" in download
    assert ",=HYPERLINK" not in download
