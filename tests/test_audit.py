"""`audit.record_for`: one audit row about a stored object, named by its model and id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey import audit
from survey.audit import AuditEntry
from survey.rounds.models import OutboxMessage
from survey.studies.models import Membership


def _newest(session) -> AuditEntry:  # noqa: ANN001
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()


def test_a_row_names_the_object_its_study_and_the_actor(session, make_study, make_pair, make_user):
    study = make_study()
    pair = make_pair(study, "pair-a")
    actor = make_user()
    audit.record_for(pair, "pair.update", actor, details={"kind": ["city", "county"]})
    row = _newest(session)
    assert (row.action, row.object_type, row.object_id) == ("pair.update", "pair", str(pair.id))
    assert (row.study_id, row.actor_user_id) == (study.id, actor.id)
    assert row.details == {"kind": ["city", "county"]}
    assert audit.verify_chain(session) is None


def test_a_study_is_its_own_study_and_a_model_name_becomes_snake_case(session, make_study):
    study = make_study()
    audit.record_for(study, "pairs.export", details={"rows": 0})
    row = _newest(session)
    assert (row.object_type, row.object_id, row.study_id) == ("study", str(study.id), study.id)
    message = OutboxMessage(
        kind="invitation",
        recipient="a@example.org",
        language="en",
        subject="s",
        body_text="b",
        message_id="<x@example.org>",
    )
    session.add(message)
    session.flush()
    audit.record_for(message, "mail.queue", study_id=study.id)
    row = _newest(session)
    assert (row.object_type, row.object_id, row.study_id) == (
        "outbox_message",
        str(message.id),
        study.id,
    )
    assert row.actor_user_id is None  # no request, no user given: nobody is named


def test_a_deleted_object_needs_the_session_it_was_written_in(session, make_study):
    study = make_study()
    membership = session.scalars(select(Membership).where(Membership.study_id == study.id)).one()
    session.delete(membership)
    session.flush()
    session.expunge(membership)
    with pytest.raises(ValueError, match="belongs to no session"):
        audit.record_for(membership, "member.remove")
    audit.record_for(membership, "member.remove", session=session)
    row = _newest(session)
    assert (row.object_type, row.study_id) == ("membership", study.id)
    assert row.object_id == str(membership.id)
