"""Rounds: pinned versions, pairs, states, invitations and their link tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from survey.audit import AuditEntry
from survey.core.loader import load_file
from survey.errors import ServiceError
from survey.questionnaires import services as questionnaires
from survey.rounds import links
from survey.rounds import services as rounds
from survey.rounds.models import Invitation, RoundPair

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


def test_round_pins_the_version_and_takes_all_pairs(session, make_round):
    round_ = make_round(pairs=3, state="draft")
    assert round_.state == "draft"
    assert session.scalar(select(func.count()).where(RoundPair.round_id == round_.id)) == 3
    assert round_.questionnaire_version_id is not None


def test_round_by_kind_and_by_codes(session, make_study, make_pair):
    study = make_study()
    city = make_pair(study, "a-city", kind="city")
    make_pair(study, "b-state", kind="state")
    questionnaires.import_questionnaire(session, load_file(MINI), study=study)
    by_kind = rounds.create_round(session, study, "Cities", "mini", kinds=["city"])
    assert [p.code for p in rounds.round_pairs(session, by_kind)] == [city.code]
    listed = rounds.create_round(session, study, "Listed", "mini@1", pair_codes=["b-state"])
    assert [p.code for p in rounds.round_pairs(session, listed)] == ["b-state"]
    with pytest.raises(ServiceError) as error:
        rounds.create_round(session, study, "Bad", "mini", pair_codes=["nope", "a-city"])
    assert error.value.code == "unknown_pairs"
    assert error.value.params["codes"] == "nope"
    with pytest.raises(ServiceError) as error:
        rounds.create_round(session, study, "Cities", "mini")
    assert error.value.code == "round_exists"
    with pytest.raises(ServiceError):
        rounds.create_round(session, study, "Other", "mini@7")


def test_states_move_forward_and_close_keeps_data(session, make_round):
    round_ = make_round(state="draft")
    with pytest.raises(ServiceError) as error:
        rounds.set_state(session, round_, "closed")
    assert error.value.code == "bad_transition"
    rounds.set_state(session, round_, "open")
    assert round_.opens_at is not None
    invitations = session.scalar(select(func.count()).where(Invitation.round_id == round_.id))
    rounds.set_state(session, round_, "closed")
    after = session.scalar(select(func.count()).where(Invitation.round_id == round_.id))
    assert after == invitations
    actions = list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_id == str(round_.id), AuditEntry.object_type == "round")
            .order_by(AuditEntry.id)  # a table's scan order is not its insertion order
        )
    )
    assert actions == ["round.create", "round.open", "round.closed"]


def test_one_invitation_per_side_and_idempotent(session, make_round):
    round_ = make_round(pairs=2)
    assert rounds.ensure_invitations(session, round_) == 0
    rows = rounds.invitation_rows(session, round_)
    assert len(rows) == 4
    assert {(r.pair.code, r.side.code) for r in rows} == {
        (p.code, s) for p in rounds.round_pairs(session, round_) for s in ("us", "cn")
    }


def test_side_without_respondent_gets_no_invitation(session, make_study, make_pair):
    study = make_study()
    make_pair(study, with_respondents=False)
    questionnaires.import_questionnaire(session, load_file(MINI), study=study)
    round_ = rounds.create_round(session, study, "W", "mini")
    assert rounds.ensure_invitations(session, round_) == 0


def test_tokens_are_long_random_and_only_hashed_in_the_database(app, session, make_round):
    round_ = make_round(pairs=3)
    rows = rounds.links_of_round(session, round_)
    tokens = [row["link"].rsplit("/r/", 1)[1] for row in rows]
    assert all(row["link"].startswith(app.config["BASE_URL"] + "/r/") for row in rows)
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 43 for t in tokens)  # 256 bits, base64url
    dump = json.dumps(
        [list(r) for r in session.execute(text("SELECT * FROM invitations"))], default=str
    )
    assert not any(token in dump for token in tokens)
    for token in tokens:
        assert rounds.find_by_token(session, token) is not None


def test_many_tokens_are_distinct():
    nonces = {links.new_nonce() for _ in range(10_000)}
    tokens = {links.token_for("k" * 40, n) for n in nonces}
    assert len(tokens) == 10_000


def test_reissue_invalidates_the_old_link(session, make_round):
    round_ = make_round(pairs=1)
    row = rounds.invitation_rows(session, round_)[0]
    old = rounds.link_of(row.invitation).rsplit("/", 1)[1]
    new = rounds.reissue_link(session, row.invitation).rsplit("/", 1)[1]
    assert old != new
    assert rounds.find_by_token(session, old) is None
    assert rounds.find_by_token(session, new).id == row.invitation.id
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation.reissue"))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "1'; SELECT pg_sleep(5)--",
        "' OR '1'='1",
        "a" * 5000,
        "abc\x00def" * 4,
        "\u202eabcdefghijklmnopqrstuvwxyz",
        "%2e%2e%2fadmin-aaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_hostile_tokens_find_nothing(session, make_round, token):
    make_round(pairs=1)
    assert rounds.find_by_token(session, token) is None


def test_links_export_is_audited(session, make_round):
    round_ = make_round(pairs=2)
    rows = rounds.links_of_round(session, round_)
    assert {r["language"] for r in rows} == {"en", "zh-Hans"}
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "round.links_exported"))
    assert entry.details == {"count": 4}
