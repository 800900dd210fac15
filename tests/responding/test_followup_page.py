"""The respondent's follow-up page through the test client: pre-filled, explained, submitted."""

from __future__ import annotations

from sqlalchemy import select

from survey.audit import AuditEntry
from survey.comparison import followups
from survey.responding import services as answers
from survey.responding.models import Explanation
from survey.rounds import services as rounds
from survey.rounds.models import Invitation
from tests.fixtures.followups import owner_of
from tests.fixtures.web import text_of
from tests.responding.test_flow import browser_fields, link_path, location


def followup_sides(session, answered, reveal="none"):
    """The follow-up of the first pair: (round, {side code: invitation}) — opened."""
    round_, codes = answered
    followup, _ = followups.create(
        session,
        round_,
        "Again",
        followups.Selection(pairs=[codes[0]]),
        reveal=reveal,
        user=owner_of(session, round_),
    )
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    rows = rounds.invitation_rows(session, followup)
    return followup, {row.side.code: row.invitation for row in rows}


def test_the_page_asks_the_disputed_questions_prefilled_and_blind(client, session, answered):
    _, sides = followup_sides(session, answered)
    assert location(client.get(link_path(sides["us"]))) == "/respond/"
    assert location(client.get("/respond/")) == "/respond/followup"
    page = text_of(client.get("/respond/followup"))
    assert "Please check a few answers again" in page
    assert "differ from the account given by cn city" in page
    fields = browser_fields(page)
    # established, sent, received: the us side's own earlier answers, received blank
    assert fields["established"] == "1987"
    assert fields["sent"] == "3"
    assert fields["received"] == ""
    assert "training" not in fields  # agreed: not asked again
    assert {"_why.established", "_why.sent", "_why.received"} <= set(fields)
    assert "1988" not in page  # the partner's answer is never shown without reveal
    assert "answered:" not in page
    assert "<script" not in page  # works without JavaScript


def test_confirm_change_explain_submit_in_chinese(client, session, answered):
    _, sides = followup_sides(session, answered)
    cn = sides["cn"]
    client.get(link_path(cn))
    page = text_of(client.get("/respond/followup"))
    assert "请再核对几个问题" in page  # the cn side's language
    fields = browser_fields(page)
    assert fields["established"] == "1988"
    fields["established"] = "1987"  # changed
    fields["_why.established"] = "市外办档案"
    fields["sent"] = "0"
    # received stays 7: confirmed
    fields["_nav"] = "save"
    saved = client.post("/respond/followup", data=fields)
    assert location(saved) == "/respond/followup"
    session.expire_all()
    assert answers.answers_of(session, cn) == {"established": 1987, "sent": 0, "received": 7}
    again = browser_fields(text_of(client.get("/respond/followup")))
    assert again["_why.established"] == "市外办档案"  # save and resume
    again["_nav"] = "submit"
    done = client.post("/respond/followup", data=again)
    assert location(done) == "/respond/followup"
    session.expire_all()
    assert session.get(Invitation, cn.id).state == "submitted"
    thanks = text_of(client.get("/respond/followup"))
    assert "市外办档案" in thanks
    repeat = client.post("/respond/followup", data=again)  # a repeat is harmless
    assert repeat.status_code == 200
    explained = session.scalars(select(Explanation)).one()
    assert (explained.question_key, explained.text) == ("established", "市外办档案")
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "answer.explain")).first()


def test_reveal_shows_the_partner_answer_with_its_side_label(client, session, answered):
    _, sides = followup_sides(session, answered, reveal="counterpart")
    client.get(link_path(sides["us"]))
    page = text_of(client.get("/respond/followup"))
    assert "answered:" in page
    assert "1988" in page  # cn's earlier year, beside the us side's own 1987
    assert "likewise see yours" not in page  # that is the invitation's text, not the page's


def test_submit_needs_every_question_answered_and_csrf(client, session, answered):
    _, sides = followup_sides(session, answered)
    client.get(link_path(sides["us"]))
    fields = browser_fields(text_of(client.get("/respond/followup")))
    fields["_nav"] = "submit"
    refused = client.post("/respond/followup", data=fields)  # received left blank
    assert refused.status_code == 200
    assert "need" in text_of(refused) or "missing" in text_of(refused)
    session.expire_all()
    assert session.get(Invitation, sides["us"].id).state != "submitted"
    fields["received"] = "dk"
    forged = fields.copy()
    forged["csrf_token"] = "x"
    kept = client.post("/respond/followup", data=forged)
    assert kept.status_code == 200
    assert "For your security" in text_of(kept)


def test_a_follow_up_invitation_sees_only_its_one_page(client, session, answered):
    """The whole questionnaire's pages are not a follow-up respondent's to open: each sends
    them to the follow-up page, and an autosave is refused; declining stays possible."""
    _, sides = followup_sides(session, answered)
    client.get(link_path(sides["us"]))
    for path in ("/respond/welcome", "/respond/p/basics", "/respond/review", "/respond/thanks"):
        assert location(client.get(path)) == "/respond/followup", path
    token = browser_fields(text_of(client.get("/respond/followup")))["csrf_token"]
    saved = client.post(
        "/respond/autosave",
        json={"section": "basics", "fields": [["established", "1990"]]},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 409
    assert client.get("/respond/decline").status_code == 200
    stored = answers.answers_of(session, sides["us"])
    assert stored.get("established") != 1990  # nothing of the refused autosave was written
