"""A follow-up round asking a roster the two sides disagreed on: each side sees its own
earlier rows, adds, changes or confirms them without JavaScript, and once the newest rows
of the two sides agree (matched by year and mirrored direction, sizes within 2) the
discrepancy is resolved; confirmed rows that still disagree keep it open."""

from __future__ import annotations

from sqlalchemy import select

from survey.comparison import followups
from survey.comparison.models import Discrepancy
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies.models import Study
from tests.fixtures.followups import owner_of
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import browser_fields, link_path, location
from tests.responding.test_rosters import _submitted_pair, rostered  # noqa: F401  (fixture)


def _followup(session, round_):  # noqa: ANN001, ANN202
    pair = rounds.round_pairs(session, round_)[0]
    owner = owner_of(session, round_)
    followup, plan = followups.create(
        session, round_, "Again", followups.Selection(pairs=[pair.code]), user=owner
    )
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    sides = {row.side.code: row.invitation for row in rounds.invitation_rows(session, followup)}
    return plan.asked[pair.code], sides


def _status(session, round_) -> str:  # noqa: ANN001
    session.expire_all()
    return session.scalars(
        select(Discrepancy.status).where(
            Discrepancy.round_id == round_.id, Discrepancy.question_key == "delegations"
        )
    ).one()


def test_the_sides_correct_their_rows_and_the_roster_is_resolved(
    client,
    session,
    rostered,  # noqa: F811
):
    round_ = _submitted_pair(session, rostered)
    assert _status(session, round_) == "open"  # 2009: 5 against 9; 2010 sent: only one side
    asked, sides = _followup(session, round_)
    assert asked == ["delegations"]

    client.get(link_path(sides["us"]))
    page = text_of(client.get("/respond/followup"))
    fields = browser_fields(page)  # the side's own rows, as submitted
    assert fields["delegations.rows"] == "2"
    assert (fields["delegations.0.year"], fields["delegations.0.size"]) == ("2009", "5")
    assert "9" not in [v for k, v in fields.items() if k.startswith("delegations.")]  # blind
    fields["_roster"] = "add:delegations"
    page = text_of(client.post("/respond/followup", data=fields))
    fields = browser_fields(page)
    assert fields["delegations.rows"] == "3"
    fields.setlist("delegations.0.size", ["8"])
    fields.setlist("delegations.2.year", ["2010"])
    fields.setlist("delegations.2.direction", ["sent"])
    fields.setlist("delegations.2.size", ["2"])
    fields["_why.delegations"] = "Our travel records"
    fields["_nav"] = "submit"
    assert location(client.post("/respond/followup", data=fields)) == "/respond/followup"
    session.expire_all()
    assert answers.answers_of(session, sides["us"])["delegations"] == [
        {"year": 2009, "direction": "sent", "size": 8, "purpose": 'Trade, "fair"'},
        {"year": 2010, "direction": "received", "size": 3},
        {"year": 2010, "direction": "sent", "size": 2},
    ]
    # compared on each side's newest rows (docs/followups.md): the corrected US rows now
    # match the Chinese side's original ones
    assert _status(session, round_) == "resolved"


def test_rows_that_still_disagree_keep_the_discrepancy_open(
    client,
    session,
    rostered,  # noqa: F811
):
    round_ = _submitted_pair(session, rostered)
    _, sides = _followup(session, round_)
    for side in ("us", "cn"):
        client.get(link_path(sides[side]))
        fields = browser_fields(text_of(client.get("/respond/followup")))
        assert fields["delegations.rows"] == {"us": "2", "cn": "3"}[side]  # as they were
        fields["_nav"] = "submit"  # both confirm what they said
        assert location(client.post("/respond/followup", data=fields)) == "/respond/followup"
    assert _status(session, round_) == "open"


def test_the_interviewer_enters_the_follow_up_roster_with_a_row_added(
    client,
    session,
    rostered,  # noqa: F811
):
    round_ = _submitted_pair(session, rostered)
    _, sides = _followup(session, round_)
    followup = session.get(Round, sides["cn"].round_id)
    study = session.get(Study, followup.study_id)
    login(client, owner_of(session, round_).email)
    pair = rounds.round_pairs(session, round_)[0]
    path = f"/studies/{study.slug}/rounds/{followup.slug}/entry/{pair.code}/cn"
    page = text_of(client.get(path))
    fields = browser_fields(page)
    assert fields["delegations.rows"] == "3"  # the side's earlier rows, pre-filled
    assert "Earlier answer:" in page
    fields["_roster"] = "add:delegations"
    fields = browser_fields(text_of(client.post(path, data=fields)))
    assert fields["delegations.rows"] == "4"
    fields.setlist("delegations.0.size", ["6"])  # 2009 received: 6 against the US side's 5
    fields.setlist("delegations.3.year", ["2009"])
    fields.setlist("delegations.3.direction", ["sent"])
    fields.setlist("delegations.3.size", ["1"])
    fields["_why.delegations"] = "Checked with the foreign affairs office"
    fields["action"] = "submit"
    assert client.post(path, data=fields).status_code == 302
    session.expire_all()
    rows = answers.answers_of(session, sides["cn"])["delegations"]
    assert [(r["year"], r["direction"], r["size"]) for r in rows] == [
        (2009, "received", 6), (2010, "sent", 4), (2010, "received", 2), (2009, "sent", 1),
    ]  # fmt: skip
    # the US side kept its rows (no 2009 received there): still disagreeing
    assert _status(session, round_) == "open"
