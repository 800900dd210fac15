"""Follow-up rounds: what they cover; `survey followup create | list` and the round commands."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from survey import sealing
from survey.audit import AuditEntry
from survey.comparison import followups
from survey.comparison import services as comparison
from survey.errors import ServiceError
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import FollowupPair, FollowupRound, Invitation, OutboxMessage, Round
from tests.fixtures.followups import owner_of


def test_a_followup_asks_exactly_the_disputed_questions_and_their_mirrors(session, answered):
    round_, codes = answered
    followup, found = followups.create(session, round_, "Again", followups.Selection())
    assert found.asked == {
        codes[0]: ["established", "sent", "received"],  # sent's mirror partner too
        codes[1]: ["training"],
    }
    stored = {p.pair_id: p.questions for p in session.scalars(select(FollowupPair))}
    assert sorted(stored.values()) == [["established", "sent", "received"], ["training"]]
    link = session.get(FollowupRound, followup.id)
    assert (link.parent_id, link.reveal) == (round_.id, "none")
    assert followup.questionnaire_version_id == round_.questionnaire_version_id
    assert followup.state == "draft"
    assert [p.code for p in rounds.round_pairs(session, followup)] == codes[:2]
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "followup.create")).one()
    assert row.details["of"] == round_.slug
    assert row.details["questions"] == 4


def test_selection_by_pair_question_state_and_kind(session, answered):
    round_, codes = answered
    by_pair = followups.plan(session, round_, followups.Selection(pairs=[codes[1]]))
    assert by_pair.asked == {codes[1]: ["training"]}
    by_question = followups.plan(session, round_, followups.Selection(questions=["received"]))
    assert by_question.asked == {codes[0]: ["sent", "received"]}
    with pytest.raises(ServiceError) as error:
        followups.plan(session, round_, followups.Selection(states=["confirmed"]))
    assert error.value.code == "nothing_to_follow_up"
    with pytest.raises(ServiceError):
        followups.plan(session, round_, followups.Selection(kinds=["state"]))
    with pytest.raises(ServiceError) as error:
        followups.plan(session, round_, followups.Selection(pairs=["nowhere"]))
    assert error.value.code == "unknown_pairs"


def test_cli_create_json_and_text_then_list_and_round_commands(runner, session, answered, tmp_path):
    round_, codes = answered
    made = runner.invoke(
        args=["followup", "create", round_.slug, "--name", "Ask again", "--format", "json"]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output) == {
        "round": "ask-again",
        "of": round_.slug,
        "pairs": [
            {"pair": codes[0], "questions": ["established", "sent", "received"]},
            {"pair": codes[1], "questions": ["training"]},
        ],
    }
    text = runner.invoke(
        args=[
            "followup", "create", round_.slug, "--name", "Training only",
            "--questions", "training", "--reveal", "counterpart",
            "--by", owner_of(session, round_).email,
        ]
    )  # fmt: skip
    assert text.exit_code == 0, text.output
    assert "1 pairs, 1 questions" in text.output
    listed = json.loads(
        runner.invoke(args=["followup", "list", round_.slug, "--format", "json"]).output
    )
    assert [(r["round"], r["reveal"], r["pairs"], r["questions"]) for r in listed] == [
        ("ask-again", "none", 2, 4),
        ("training-only", "counterpart", 1, 1),
    ]
    again = runner.invoke(args=["followup", "create", "ask-again", "--name", "Deeper"])
    assert again.exit_code == 1
    assert "follow-up round" in again.output
    # The round commands work on it as on any round.
    assert runner.invoke(args=["round", "open", "ask-again"]).exit_code == 0
    shown = runner.invoke(args=["round", "status", "ask-again", "--format", "json"])
    status = json.loads(shown.output)
    assert status["pairs"] == 2
    assert status["by_side"]["us"]["pending"] == 2
    output = runner.invoke(args=["round", "links", "ask-again", "--format", "csv"]).output
    assert {r["pair"] for r in csv.DictReader(io.StringIO(output))} == set(codes[:2])
    invited = runner.invoke(args=["round", "invite", "ask-again"])
    assert invited.exit_code == 0, invited.output
    assert "Queued 4 invitations" in invited.output
    followup = session.scalar(select(Round).where(Round.slug == "ask-again"))
    bodies = session.scalars(
        select(OutboxMessage.body_text)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(Invitation.round_id == followup.id)
    ).all()
    assert len(bodies) == 4
    assert all("/r/" in body for body in bodies)
    assert any("differ from the account" in body or "不一致" in body for body in bodies)
    assert not any("partner" in body and "shows the answer" in body for body in bodies)
    reminded = runner.invoke(args=["round", "remind", "ask-again"])
    assert reminded.exit_code == 0, reminded.output


def test_the_invitation_says_when_partner_answers_are_shown(session, answered):
    round_, _ = answered
    owner = owner_of(session, round_)
    shown, _ = followups.create(
        session, round_, "Shown", followups.Selection(), reveal="counterpart", user=owner
    )
    blind, _ = followups.create(session, round_, "Blind", followups.Selection())
    assert "likewise see yours" in shown.invitation_texts["en"]["body"]
    assert "对方同样会看到您的回答" in shown.invitation_texts["zh-Hans"]["body"]
    assert "likewise see yours" not in blind.invitation_texts["en"]["body"]


def _answer_followup(session, followup, code, side, values, explanations=None):
    """One side of a pair answers the follow-up and submits it."""
    from survey.responding.models import Explanation

    row = next(
        r
        for r in rounds.invitation_rows(session, followup)
        if r.pair.code == code and r.side.code == side
    )
    q = comparison.questionnaire_of(session, followup)
    answers.record_answers(session, row.invitation, q, values)
    for key, text in (explanations or {}).items():
        session.add(Explanation(invitation_id=row.invitation.id, question_key=key, text=text))
    session.flush()
    one_page = followups_one_page(q, followup, row.pair.id, session)
    assert answers.submit(session, row.invitation, one_page) is True


def followups_one_page(q, followup, pair_id, session):
    """The questionnaire as the follow-up page submits it: the asked questions only."""
    import dataclasses

    from survey.core.questionnaire import Section

    keys = followups.asked_of(session, followup)[pair_id]
    part = Section("followup", {}, tuple(q.question(k) for k in keys))
    return dataclasses.replace(q, sections=(part,))


def _discrepancy(session, round_, code, key):
    from survey.comparison.models import Discrepancy
    from survey.studies.models import Pair

    session.expire_all()
    return session.scalar(
        select(Discrepancy)
        .join(Pair, Pair.id == Discrepancy.pair_id)
        .where(
            Discrepancy.round_id == round_.id,
            Pair.code == code,
            Discrepancy.question_key == key,
        )
    )


def test_agreeing_in_the_followup_resolves_with_an_audit_row(session, answered):
    round_, codes = answered
    followup, _ = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    _answer_followup(
        session, followup, codes[0], "cn",
        {"established": "1987", "sent": "0", "received": "7"},
        {"established": "Checked our archive"},
    )  # fmt: skip
    resolved = _discrepancy(session, round_, codes[0], "established")
    assert resolved.status == "resolved"
    assert resolved.decided_by_id is None
    row = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "discrepancy.resolve",
            AuditEntry.object_id == str(resolved.id),
        )
    ).one()
    assert row.details["by"] == "followup"
    assert row.details["round"] == followup.slug
    assert "1987" not in str(row.details["values_seen"])  # each side's value sealed
    assert sealing.open_all(session, [row])[row.id]["values_seen"] == {"us": 1987, "cn": 1987}
    # sent (us 3) against received (cn 7, confirmed): still disagrees, still open
    kept = _discrepancy(session, round_, codes[0], "sent")
    assert kept.status == "open"
    assert kept.values == {"us": 3, "cn": 7}  # the original values, never changed
    # the original answers are untouched
    original = {
        r.side.code: answers.answers_of(session, r.invitation)
        for r in rounds.invitation_rows(session, round_)
        if r.pair.code == codes[0]
    }
    assert original["cn"]["established"] == 1988


def test_discrepancies_json_gains_the_followup_block(runner, session, answered):
    round_, codes = answered
    followup, _ = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    _answer_followup(
        session, followup, codes[0], "us",
        {"established": "1987", "sent": "4", "received": "dk"},
        {"sent": "Our travel records", "established": "Charter"},
    )  # fmt: skip
    _answer_followup(
        session, followup, codes[0], "cn",
        {"established": "1989", "sent": "dk", "received": "7"},
        {"received": "记忆"},
    )  # fmt: skip
    shown = runner.invoke(args=["discrepancies", round_.slug, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    items = {(i["pair"], i["question"]): i for i in json.loads(shown.output)}
    sent = items[(codes[0], "sent")]
    assert sent["status"] == "open"
    assert sent["values"] == {"us": 3, "cn": 7}  # the original round's
    assert sent["followup"] == {
        "round": followup.slug,
        "values": {"us": 4, "cn": 7},  # newest: us changed, cn confirmed
        "explanations": {"us": "Our travel records", "cn": "记忆"},
        "outcome": "disagree",
    }
    assert items[(codes[0], "established")]["followup"]["outcome"] == "disagree"
    assert items[(codes[1], "training")]["followup"] == {
        "round": followup.slug,
        "values": {"us": "yes", "cn": "no"},
        "explanations": {},
        "outcome": "missing",  # neither side has answered yet
    }


def test_responses_import_answers_a_followup_with_explanations(runner, session, answered, tmp_path):
    from survey.responding.models import Explanation

    round_, codes = answered
    followup, _ = followups.create(session, round_, "By phone", followups.Selection())
    rounds.set_state(session, followup, "open")
    original, again = round_.slug, followup.slug
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        f"pair,side,question,value,mode,explanation\n{codes[1]},us,established,1990,phone,\n",
        encoding="utf-8",
    )
    refused = runner.invoke(args=["responses", "import", str(wrong), "--round", again])
    assert refused.exit_code == 1
    assert "not asked of this pair" in refused.output
    good = tmp_path / "good.csv"
    good.write_text(
        "pair,side,question,value,mode,explanation\n"
        f'{codes[1]},us,training,no,phone,"Minutes of the 2008 meeting"\n'
        f"{codes[1]},cn,training,no,phone,\n",
        encoding="utf-8",
    )
    imported = runner.invoke(args=["responses", "import", str(good), "--round", again])
    assert imported.exit_code == 0, imported.output
    texts = session.scalars(select(Explanation.text)).all()
    assert texts == ["Minutes of the 2008 meeting"]
    assert _discrepancy_of(session, original, codes[1], "training").status == "resolved"
    shown = json.loads(runner.invoke(args=["discrepancies", original, "--format", "json"]).output)
    training = next(i for i in shown if i["question"] == "training")
    assert training["followup"]["explanations"] == {"us": "Minutes of the 2008 meeting"}
    assert training["followup"]["outcome"] == "agree"


def _discrepancy_of(session, slug, code, key):
    round_ = session.scalar(select(Round).where(Round.slug == slug))
    return _discrepancy(session, round_, code, key)


def test_exports_hold_original_or_final_values(session, answered, tmp_path):
    import csv as csv_module

    from survey.exports import services as exports

    round_, codes = answered
    followup, _ = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    _answer_followup(
        session, followup, codes[0], "cn",
        {"established": "1987", "sent": "0", "received": "6"},
        {"received": "Guest book"},
    )  # fmt: skip

    def read(values, layout, name):
        target = tmp_path / name
        request = exports.ExportRequest(fmt="csv", layout=layout, values=values)
        result = exports.write(session, round_, request, target)
        with target.open(encoding="utf-8") as handle:
            return list(csv_module.DictReader(handle)), result.about

    wide, about = read("final", "wide", "final.csv")
    first = next(row for row in wide if row["pair"] == codes[0])
    assert first["established_cn"] == "1987"  # the follow-up's value
    assert first["received_cn"] == "6"
    assert first["established_followup"] == "1"
    assert first["training_followup"] == "0"
    assert about["values"].startswith("final")
    wide, about = read("original", "wide", "original.csv")
    first = next(row for row in wide if row["pair"] == codes[0])
    assert first["established_cn"] == "1988"  # the first answer
    assert "established_followup" not in first
    assert about["values"].startswith("original")
    long_rows, _ = read("final", "long", "long.csv")
    received = next(r for r in long_rows if r["pair"] == codes[0] and r["question"] == "received")
    assert received["value_cn"] == "6"
    assert received["round"] == followup.slug
    assert received["explanation"] == "cn: Guest book"
    training = next(r for r in long_rows if r["pair"] == codes[0] and r["question"] == "training")
    assert training["round"] == round_.slug
    long_rows, _ = read("original", "long", "long-original.csv")
    received = next(r for r in long_rows if r["pair"] == codes[0] and r["question"] == "received")
    assert received["value_cn"] == "7"
    assert received["round"] == round_.slug
