"""Retention: identities kept a set number of days after the study's last round closes;
`survey retention apply` erases what has passed it, and its dry run changes nothing."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from survey import audit
from survey.audit import AuditEntry
from survey.privacy import retention, settings
from survey.rounds import services as rounds
from survey.studies.models import Respondent, Study


def names(session, study_id: int) -> set[str]:
    from survey.studies.models import Pair, PairSide

    return set(
        session.scalars(
            select(Respondent.name)
            .join(PairSide, PairSide.id == Respondent.pair_side_id)
            .join(Pair, Pair.id == PairSide.pair_id)
            .where(Pair.study_id == study_id)
        )
    )


def test_retention_erases_after_the_period_and_dry_run_changes_nothing(
    runner, session, named_round
):
    study_id = named_round["study_id"]
    settings.change(session, session.get(Study, study_id), None, 30, user=None)
    assert retention.due(session) == []  # the round is still open
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        rounds.set_state(session, named_round["round"], "closed")
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        assert retention.due(session) == []
        listed = runner.invoke(args=["retention", "apply", "--dry-run"])
        assert "0 respondent(s) would be erased" in listed.output
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        before = names(session, study_id)
        dry = runner.invoke(args=["retention", "apply", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "4 respondent(s) would be erased" in dry.output
        assert f"of {named_round['study_slug']}" in dry.output
        assert names(session, study_id) == before  # nothing changed
        done = runner.invoke(args=["retention", "apply"])
        assert done.exit_code == 0, done.output
        assert "4 respondent(s) erased" in done.output
    after = names(session, study_id)
    assert all(name.startswith("erased-") for name in after)
    assert len(after) == 4
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "respondent.retention_erase")
    ).all()
    assert len(rows) == 4
    assert "retention period" in rows[0].reason
    assert audit.verify_chain(session) is None
    again = runner.invoke(args=["retention", "apply"])
    assert "0 respondent(s) erased" in again.output
