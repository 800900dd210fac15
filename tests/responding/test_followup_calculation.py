"""A follow-up round on a disputed calculation ("delegations in total"): nobody answers a
calculation, so the follow-up asks the questions it is computed from, pre-filled, and
computes it again; once the sides agree the calculation's discrepancy is resolved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey.comparison import followups
from survey.comparison import services as comparison
from survey.comparison.models import Discrepancy
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import Round
from survey.studies.models import Study
from tests.fixtures.followups import owner_of
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import browser_fields, link_path, location

CALC = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "calc.yaml"


@pytest.fixture
def disputed(session, make_round):
    """A pair whose totals differ (5 against 12) because of one input (received 2 against 9);
    → (round, the follow-up's keys for the pair, {side: follow-up invitation})."""
    round_ = make_round(pairs=1, questionnaire=CALC)
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    given = {"us": {"sent": "3", "received": "2"}, "cn": {"sent": "3", "received": "9"}}
    for row in rounds.invitation_rows(session, round_):
        answers.record_answers(session, row.invitation, q, given[row.side.code])
        answers.submit(session, row.invitation, q)
    comparison.compare_round(session, round_)
    pair = rounds.round_pairs(session, round_)[0]
    owner = owner_of(session, round_)
    selection = followups.Selection(pairs=[pair.code])
    followup, plan = followups.create(session, round_, "Again", selection, user=owner)
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    sides = {row.side.code: row.invitation for row in rounds.invitation_rows(session, followup)}
    return round_, plan.asked[pair.code], sides


def statuses(session, round_) -> dict[str, str]:  # noqa: ANN001
    session.expire_all()
    rows = session.execute(
        select(Discrepancy.question_key, Discrepancy.status).where(
            Discrepancy.round_id == round_.id
        )
    )
    return dict(rows.all())


def test_the_follow_up_asks_the_inputs_of_a_disputed_calculation(session, disputed):
    round_, asked, _ = disputed
    assert statuses(session, round_) == {"received": "open", "total": "open"}
    # sent agreed, but the total is computed from it: asked so that either can be corrected
    assert asked == ["sent", "received", "total"]


def test_the_page_asks_the_inputs_prefilled_and_never_the_calculation(client, disputed):
    _, _, sides = disputed
    client.get(link_path(sides["us"]))
    page = text_of(client.get("/respond/followup"))
    fields = browser_fields(page)
    assert (fields["sent"], fields["received"]) == ("3", "2")
    assert "total" not in fields
    assert "_why.total" not in fields  # no "based on" box for what nobody answers
    assert 'id="q-total"' not in page


def test_a_corrected_input_recomputes_the_total_and_resolves_it(client, session, disputed):
    round_, _, sides = disputed
    client.get(link_path(sides["us"]))
    fields = browser_fields(text_of(client.get("/respond/followup")))
    fields["received"] = "9"
    fields["_why.received"] = "The protocol office's list"
    fields["_nav"] = "submit"
    assert location(client.post("/respond/followup", data=fields)) == "/respond/followup"
    session.expire_all()
    stored = answers.answers_of(session, sides["us"])
    assert stored == {"sent": 3, "received": 9, "total": "12", "busy": "busy"}  # total > 10
    assert statuses(session, round_) == {"received": "resolved", "total": "resolved"}


def test_the_interviewer_entry_asks_the_inputs_too(client, session, disputed):
    round_, _, sides = disputed
    followup = session.get(Round, sides["cn"].round_id)
    study = session.get(Study, followup.study_id)
    login(client, owner_of(session, round_).email)
    pair = rounds.round_pairs(session, round_)[0]
    path = f"/studies/{study.slug}/rounds/{followup.slug}/entry/{pair.code}/cn"
    page = text_of(client.get(path))
    fields = browser_fields(page)
    assert (fields["sent"], fields["received"]) == ("3", "9")
    assert "_why.total" not in fields
    fields["received"] = "2"
    fields["action"] = "submit"
    assert client.post(path, data=fields).status_code == 302
    session.expire_all()
    assert answers.answers_of(session, sides["cn"])["total"] == "5"
    assert statuses(session, round_) == {"received": "resolved", "total": "resolved"}
