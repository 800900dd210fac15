"""`survey paradata purge --older-than DAYS [--dry-run]`: old paradata go, recent stay
(docs/privacy.md, "How long")."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.rounds.models import Invitation
from survey.rounds.paradata import ParadataPage, ParadataVisit

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)


def _visit(session, invitation_id: int, days_ago: float) -> ParadataVisit:  # noqa: ANN001
    visit = ParadataVisit(
        invitation_id=invitation_id,
        started_at=NOW - dt.timedelta(days=days_ago),
        device="desktop",
        language="en",
    )
    session.add(visit)
    session.flush()
    return visit


def _page(session, visit: ParadataVisit, days_ago: float, section: str) -> None:  # noqa: ANN001
    saved = NOW - dt.timedelta(days=days_ago)
    session.add(
        ParadataPage(
            invitation_id=visit.invitation_id,
            visit_id=visit.id,
            section=section,
            event="page",
            shown_at=saved - dt.timedelta(seconds=40),
            saved_at=saved,
            seconds=40.0,
            language="en",
        )
    )


def _world(session, make_round) -> dict[str, int]:  # noqa: ANN001
    """An old visit (100 days) with old pages; a visit 100 days old with one page saved 10 days
    ago (it came back to the same session); a recent visit with a recent page."""
    round_ = make_round(pairs=1)
    first, second = session.scalars(select(Invitation.id).where(Invitation.round_id == round_.id))
    old = _visit(session, first, 100)
    _page(session, old, 100, "basics")
    _page(session, old, 99.5, "exchanges")
    kept_old = _visit(session, second, 100)
    _page(session, kept_old, 95, "basics")
    _page(session, kept_old, 10, "exchanges")
    recent = _visit(session, second, 5)
    _page(session, recent, 5, "basics")
    session.commit()
    return {"old": old.id, "kept_old": kept_old.id, "recent": recent.id}


def _counts(session) -> tuple[int, int]:  # noqa: ANN001
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(ParadataPage)),
        session.scalar(select(func.count()).select_from(ParadataVisit)),
    )


def test_a_dry_run_counts_and_a_purge_deletes_only_what_is_older(runner, session, make_round):
    ids = _world(session, make_round)
    assert _counts(session) == (5, 3)
    with time_machine.travel(NOW, tick=False):
        dry = runner.invoke(args=["paradata", "purge", "--older-than", "30", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 page row(s) and 1 visit(s) recorded before 2027-05-02 12:00 UTC would be" in (
        dry.output
    )
    assert _counts(session) == (5, 3)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "paradata.purge")) is None
    with time_machine.travel(NOW, tick=False):
        done = runner.invoke(args=["paradata", "purge", "--older-than", "30"])
    assert done.exit_code == 0, done.output
    assert "3 page row(s) and 1 visit(s)" in done.output
    assert "deleted" in done.output
    assert _counts(session) == (2, 2)
    visits = set(session.scalars(select(ParadataVisit.id)))
    # the old visit a recent page still names stays, so that the page keeps its visit
    assert visits == {ids["kept_old"], ids["recent"]}
    saved = sorted(session.scalars(select(ParadataPage.saved_at)))
    assert all(moment >= NOW - dt.timedelta(days=30) for moment in saved)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "paradata.purge"))
    assert entry.details["pages"] == 3
    assert entry.details["visits"] == 1
    assert entry.details["older_than_days"] == 30
    # again: nothing more to delete
    with time_machine.travel(NOW, tick=False):
        again = runner.invoke(args=["paradata", "purge", "--older-than", "30"])
    assert "0 page row(s) and 0 visit(s)" in again.output
    assert _counts(session) == (2, 2)


def test_bad_ages_are_refused_and_nothing_is_deleted(runner, session, make_round):
    _world(session, make_round)
    for bad in (["--older-than", "0"], ["--older-than", "-3"], ["--older-than", "a week"], []):
        result = runner.invoke(args=["paradata", "purge", *bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "older-than" in result.output
    assert _counts(session) == (5, 3)
