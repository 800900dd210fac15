"""The answer store's statements (`responding/store.py`), on SQLite and PostgreSQL alike.

The module is the respondent path's one place for SQL and dialect branches; these
tests hold each of its statements to what the ORM reads back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey.responding import store
from survey.responding.models import Answer
from survey.rounds.models import Invitation
from tests.responding.test_answers import setup

__all__ = ["setup"]  # the fixture, used here

AWKWARD = ['a "quoted" 好 👍\r\n', 0, 1.5, True, None, {"k": [1, "2"]}, "dk", ""]
AT = dt.datetime(2026, 12, 4, 12, 30, tzinfo=dt.UTC)


def _stored(session, invitation):  # noqa: ANN001, ANN202
    session.expire_all()
    query = select(Answer).where(Answer.invitation_id == invitation.id)
    return {a.question_key: a for a in session.scalars(query)}


def test_rows_are_inserted_and_updated_from_one_json_document(session, setup):
    _, invitation, _ = setup
    fresh = [store.Fresh(f"k{n}", value, 1) for n, value in enumerate(AWKWARD)]
    store.write_rows(session, invitation.id, [], fresh, source="interviewer", at=AT, by=None)
    stored = _stored(session, invitation)
    assert {key: answer.value for key, answer in stored.items()} == {
        f"k{n}": value for n, value in enumerate(AWKWARD)
    }
    assert {answer.version for answer in stored.values()} == {1}
    assert {answer.updated_at for answer in stored.values()} == {AT}
    assert {answer.source for answer in stored.values()} == {"interviewer"}
    changed = [store.Stored(stored[f"k{n}"].id, AWKWARD[-1 - n], 2) for n in range(len(AWKWARD))]
    later = AT + dt.timedelta(minutes=1)
    store.write_rows(session, invitation.id, changed, [], source="respondent", at=later, by=None)
    again = _stored(session, invitation)
    assert [again[f"k{n}"].value for n in range(len(AWKWARD))] == AWKWARD[::-1]
    assert {answer.version for answer in again.values()} == {2}
    assert {answer.updated_at for answer in again.values()} == {later}
    assert store.answer_rows(session, invitation.id) == {
        key: store.Stored(answer.id, answer.value, answer.version) for key, answer in again.items()
    }


def test_the_visit_is_read_in_one_statement_with_its_answers(session, setup):
    round_, invitation, _ = setup
    store.write_rows(
        session, invitation.id, [], [store.Fresh("comment", "hi", 1)],
        source="respondent", at=AT, by=None,
    )  # fmt: skip
    found = store.read_visit(session, invitation.id)
    assert found is not None
    read, read_round, content_hash, *_texts, listed, followup_of = found
    assert read is session.get(Invitation, invitation.id)  # the ORM's own object
    assert read_round.id == round_.id
    assert content_hash
    assert store.stored_rows(listed) == store.answer_rows(session, invitation.id)
    assert followup_of is None  # an original round (a follow-up's names its original)
    assert store.read_visit(session, invitation.id + 10_000) is None


@pytest.mark.parametrize("audited", [False, True])
def test_the_invitation_moves_on_only_from_the_version_seen(session, setup, audited):
    _, invitation, _ = setup
    seen = invitation.version
    values = {"current_section": "basics"}
    moved = store.move_invitation(
        session, invitation.id, values, seen=seen, bump=True, audited=audited
    )
    assert moved == seen + 1
    stale = store.move_invitation(
        session, invitation.id, {"current_section": "x"}, seen=seen, bump=True, audited=audited
    )
    assert stale is None  # another save came in since `seen`: nothing written
    session.expire_all()
    assert session.get(Invitation, invitation.id).current_section == "basics"
    unguarded = store.move_invitation(
        session, invitation.id, {}, seen=None, bump=False, audited=audited
    )
    assert unguarded == seen + 1
