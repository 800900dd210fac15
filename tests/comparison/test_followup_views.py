"""The dashboard's "Ask both sides again" and the pair page after a follow-up, on the web."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey.comparison import followups
from survey.rounds import services as rounds
from survey.rounds.models import FollowupRound, Round
from survey.studies import services as studies
from survey.studies.models import Study
from tests.comparison.test_followups import _answer_followup
from tests.fixtures.web import csrf_token, login, text_of


def _people(session, make_user, round_):
    study = session.get(Study, round_.study_id)
    researcher, viewer, owner = make_user(), make_user(), make_user()
    studies.add_member(session, study, researcher.email, "researcher")
    studies.add_member(session, study, viewer.email, "viewer")
    studies.add_member(session, study, owner.email, "owner")
    base = f"/studies/{study.slug}/rounds/{round_.slug}/comparison"
    return researcher, viewer, owner, base


def test_dashboard_suggests_it_and_the_form_creates_a_draft(client, session, make_user, answered):
    round_, codes = answered
    researcher, viewer, _owner, base = _people(session, make_user, round_)
    login(client, researcher.email)
    dashboard = text_of(client.get(base + "/"))
    assert "Ask both sides again" in dashboard
    page = client.get(base + "/followup")
    assert page.status_code == 200
    assert "Every open discrepancy: 2 pairs, 4 questions." in text_of(page)
    token = csrf_token(client, base + "/followup")
    refused = client.post(
        base + "/followup",
        data={"csrf_token": token, "name": "Shown", "states": "open", "reveal": "counterpart"},
    )
    assert refused.status_code == 422  # only an owner may show the partner's answers
    assert "Only an owner" in text_of(refused)
    no_token = client.post(base + "/followup", data={"name": "No token", "states": "open"})
    assert no_token.status_code == 400
    made = client.post(
        base + "/followup",
        data={"csrf_token": token, "name": "Ask again", "states": "open", "questions": "training"},
    )
    assert made.status_code == 302
    created = session.scalar(select(Round).where(Round.slug == "ask-again"))
    assert created.state == "draft"
    assert session.get(FollowupRound, created.id).reveal == "none"
    assert followups.asked_of(session, created) == {
        p.id: ["training"] for p in rounds.round_pairs(session, created)
    }
    client.get("/logout")
    login(client, viewer.email)
    assert client.get(base + "/followup").status_code == 403  # a viewer asks no one
    assert "Ask both sides again" not in text_of(client.get(base + "/"))


def test_owner_may_reveal(client, session, make_user, answered):
    round_, _ = answered
    _r, _v, owner, base = _people(session, make_user, round_)
    login(client, owner.email)
    token = csrf_token(client, base + "/followup")
    made = client.post(
        base + "/followup",
        data={"csrf_token": token, "name": "Shown", "states": "open", "reveal": "counterpart"},
    )
    assert made.status_code == 302
    created = session.scalar(select(Round).where(Round.slug == "shown"))
    assert session.get(FollowupRound, created.id).reveal == "counterpart"


def test_pair_page_shows_both_rounds_and_the_explanations(client, session, make_user, answered):
    round_, codes = answered
    _r, viewer, _o, base = _people(session, make_user, round_)
    followup, _ = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    _answer_followup(
        session, followup, codes[0], "cn",
        {"established": "1989", "sent": "0", "received": "7"},
        {"established": "市外办档案"},
    )  # fmt: skip
    login(client, viewer.email)
    page = re.sub(r"<[^>]+>", "", text_of(client.get(f"{base}/{codes[0]}")))  # the words
    assert "Follow-up answer" in page
    assert "1988" in page  # cn's original
    assert "1989" in page  # cn's follow-up answer
    assert "市外办档案" in page
    assert "The two sides still disagree." in page
    assert "Not answered yet" in page  # the us side has not answered the follow-up
