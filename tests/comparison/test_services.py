"""Comparisons stored per round: discrepancies opened, kept, reopened, removed; decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from survey import sealing
from survey.audit import AuditEntry
from survey.comparison import services as comparison
from survey.comparison.models import Comparison, Discrepancy
from survey.errors import ServiceError
from survey.responding import services as answers
from survey.responding.services import Actor
from survey.rounds import services as rounds

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


@pytest.fixture
def pair_round(session, make_round):
    round_ = make_round(pairs=1, questionnaire=MINI)
    rows = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    return round_, rows, comparison.questionnaire_of(session, round_)


def submit(session, invitation, q, values):
    answers.record_answers(session, invitation, q, values)
    assert answers.submit(session, invitation, q) is True


def discrepancies(session, round_):
    return {
        d.question_key: d
        for d in session.scalars(select(Discrepancy).where(Discrepancy.round_id == round_.id))
    }


def test_submitting_both_sides_compares_the_pair(session, pair_round):
    round_, sides, q = pair_round
    submit(
        session,
        sides["us"],
        q,
        {"established": "1987", "training": "yes", "sectors": ["health", "water"], "sent": "3"},
    )
    outcomes = {k: v[0] for c in session.scalars(select(Comparison)) for k, v in c.outcomes.items()}
    assert outcomes["established"] == "missing"  # the other side has not submitted
    submit(
        session,
        sides["cn"],
        q,
        {
            "established": "1988",
            "training": "yes",
            "sectors": ["health"],
            "received": "5",
            "sent": "dk",
        },
    )
    outcomes = {k: v[0] for c in session.scalars(select(Comparison)) for k, v in c.outcomes.items()}
    assert outcomes == {
        "established": "disagree",
        "training": "agree",
        "sectors": "agree",
        "sent": "disagree",
        "received": "missing",
    }
    found = discrepancies(session, round_)
    assert set(found) == {"established", "sent"}
    assert found["sent"].values == {"us": 3, "cn": 5}  # us sent vs cn received (mirror)
    assert found["established"].status == "open"


def test_decisions_survive_while_values_stay_and_reopen_when_they_change(
    session, pair_round, make_user
):
    round_, sides, q = pair_round
    researcher = make_user()
    submit(session, sides["us"], q, {"established": "1987", "training": "no"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no"})
    item = discrepancies(session, round_)["established"]
    comparison.decide(session, item, "confirmed", user=researcher, version=item.version)
    comparison.compare_round(session, round_)
    assert discrepancies(session, round_)["established"].status == "confirmed"
    correction = Actor("correction", researcher, reason="archive says 1989")
    answers.record_answers(session, sides["cn"], q, {"established": "1989"}, actor=correction)
    reopened = discrepancies(session, round_)["established"]
    assert reopened.status == "open"
    assert reopened.values == {"us": 1987, "cn": 1989}
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "discrepancy.reopen"))
    assert entry.details["before"]["status"] == "confirmed"
    seen = sealing.open_all(session, [entry])[entry.id]
    assert seen["before"]["values"] == {"us": 1987, "cn": 1990}
    assert seen["after"]["values"] == {"us": 1987, "cn": 1989}
    answers.record_answers(session, sides["cn"], q, {"established": "1987"}, actor=correction)
    assert "established" not in discrepancies(session, round_)
    removed = session.scalar(select(AuditEntry).where(AuditEntry.action == "discrepancy.remove"))
    assert "1989" not in str(removed.details["last"]["values"])  # each side's value sealed
    last = sealing.open_all(session, [removed])[removed.id]["last"]
    assert last["values"] == {"us": 1987, "cn": 1989}
    assert answers.answers_of(session, sides["us"])["established"] == 1987  # never overwritten


def test_second_stale_decision_is_a_conflict(session, pair_round, make_user):
    round_, sides, q = pair_round
    first, second = make_user(), make_user()
    submit(session, sides["us"], q, {"established": "1987", "training": "no"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no"})
    item = discrepancies(session, round_)["established"]
    seen = item.version
    comparison.decide(
        session, item, "explained", user=first, note="founding vs signing", version=seen
    )
    with pytest.raises(ServiceError) as error:
        comparison.decide(session, item, "dismissed", user=second, note="noise", version=seen)
    assert error.value.code == "decision_conflict"
    assert item.status == "explained"
    assert item.decided_by_id == first.id


def test_the_same_decision_sent_again_is_taken_as_made_once(session, pair_round, make_user):
    """DATA-04 for decisions (FAULT-02): the worker died after the commit, so the browser
    never saw the answer and sends the form again (same version, status, note). That is
    the decision already made, not one "made meanwhile by someone else": no conflict, no
    second audit entry. Anything else on the stale version is still a conflict."""
    round_, sides, q = pair_round
    first, second = make_user(), make_user()
    submit(session, sides["us"], q, {"established": "1987", "training": "no"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no"})
    item = discrepancies(session, round_)["established"]
    seen = item.version
    decision = {"user": first, "note": "founding vs signing ", "version": seen}
    comparison.decide(session, item, "explained", **decision)
    again = comparison.decide(session, item, "explained", **decision)
    assert again.version == seen + 1
    assert again.status == "explained"
    decided = select(AuditEntry).where(AuditEntry.action == "discrepancy.decide")
    assert len(session.scalars(decided).all()) == 1
    for other in (
        {"status": "confirmed", **decision},
        {"status": "explained", **decision, "note": "another reason"},
        {"status": "explained", **decision, "user": second},
    ):
        with pytest.raises(ServiceError) as error:
            comparison.decide(session, item, other.pop("status"), **other)
        assert error.value.code == "decision_conflict"
    assert len(session.scalars(decided).all()) == 1


def test_notes_are_required_for_explained_and_dismissed(session, pair_round, make_user):
    round_, sides, q = pair_round
    submit(session, sides["us"], q, {"established": "1987", "training": "no"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no"})
    item = discrepancies(session, round_)["established"]
    for status in ("explained", "dismissed"):
        with pytest.raises(ServiceError) as error:
            comparison.decide(session, item, status, user=make_user(), version=item.version)
        assert error.value.code == "note_required"
    with pytest.raises(ServiceError):
        comparison.decide(session, item, "closed", user=make_user(), version=item.version)


def test_partial_answers_only_when_asked(session, pair_round):
    round_, sides, q = pair_round
    answers.record_answers(session, sides["us"], q, {"established": "1987"})
    answers.record_answers(session, sides["cn"], q, {"established": "1990"})
    comparison.compare_round(session, round_)
    assert discrepancies(session, round_) == {}
    comparison.compare_round(session, round_, include_partial=True)
    assert set(discrepancies(session, round_)) == {"established"}
    assert all(c.is_partial for c in session.scalars(select(Comparison)))


def test_cli_lists_discrepancies_and_all_outcomes(runner, session, pair_round):
    round_, sides, q = pair_round
    slug = round_.slug
    submit(session, sides["us"], q, {"established": "1987", "training": "no", "sent": "1"})
    submit(session, sides["cn"], q, {"established": "1990", "training": "no", "received": "2"})
    result = runner.invoke(args=["discrepancies", slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["pair"] != "", r["question"], r["outcome"], r["status"]) for r in rows] == [
        (True, "established", "disagree", "open")
    ]
    assert rows[0]["values"] == {"us": 1987, "cn": 1990}
    assert rows[0]["rule"] == "exact"
    every = json.loads(
        runner.invoke(args=["discrepancies", slug, "--outcome", "all", "--format", "json"]).output
    )
    by_key = {r["question"]: r for r in every}
    assert by_key["sent"]["outcome"] == "agree"
    assert by_key["sent"]["rule"] == {"compare": {"tolerance": {"abs": 1}}, "mirror": "received"}
    rerun = runner.invoke(args=["compare", slug])
    assert "Compared 1 pairs" in rerun.output
    assert "1 kept" in rerun.output
    table = runner.invoke(args=["discrepancies", slug, "--format", "csv"]).output
    assert table.splitlines()[0] == (  # the codes, then the same in words (for a spreadsheet)
        "pair,question,outcome,status,value_us,value_cn,rule,"
        "pair_places,question_text,label_us,label_cn,rule_text"
    )
