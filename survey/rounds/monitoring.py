"""What a round page shows: counts per side and state, pair completeness, progress over time."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from survey.rounds.models import INVITATION_STATES, Round
from survey.rounds.services import by_pair, ensure_invitations, invitation_rows, round_pairs


@dataclass
class RoundStatus:
    """Counts for one round; every number comes from the invitations table."""

    sides: tuple[str, ...]
    by_side: dict[str, Counter[str]] = field(default_factory=dict)  # side -> state -> count
    both: int = 0
    one: int = 0
    neither: int = 0
    pairs: int = 0
    submitted_per_day: list[tuple[dt.date, int]] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)  # per pair: code, kind, states

    @property
    def states(self) -> tuple[str, ...]:
        return INVITATION_STATES

    def to_dict(self) -> dict[str, object]:
        return {
            "pairs": self.pairs,
            "complete_both": self.both,
            "complete_one": self.one,
            "complete_neither": self.neither,
            "by_side": {
                side: {s: self.by_side[side][s] for s in INVITATION_STATES} for side in self.sides
            },
            "submitted_per_day": [[d.isoformat(), n] for d, n in self.submitted_per_day],
        }


def round_status(session: Session, round_: Round, sides: tuple[str, str]) -> RoundStatus:
    """Per side and state counts, pairs complete on both/one/neither side, daily submissions."""
    ensure_invitations(session, round_)
    status = RoundStatus(sides=sides, by_side={s: Counter() for s in sides})
    grouped = by_pair(invitation_rows(session, round_))
    days: Counter[dt.date] = Counter()
    for pair in round_pairs(session, round_):
        states = {row.side.code: row.invitation.state for row in grouped.get(pair.id, [])}
        for row in grouped.get(pair.id, []):
            status.by_side[row.side.code][row.invitation.state] += 1
            if row.invitation.submitted_at:
                days[row.invitation.submitted_at.date()] += 1
        done = sum(1 for s in sides if states.get(s) == "submitted")
        status.both += done == 2
        status.one += done == 1
        status.neither += done == 0
        status.rows.append({"code": pair.code, "kind": pair.kind, "states": states, "pair": pair})
    status.pairs = len(status.rows)
    status.submitted_per_day = sorted(days.items())
    return status


MOSTLY_SUBMITTED = 0.5  # from here on, reviewing answers matters more than chasing them


def next_action(state: str, status: RoundStatus) -> str:
    """The one thing a round most needs now: open, invite, remind, review or export.

    A draft is opened; a closed round is exported. An open round whose invitations
    are mostly submitted is reviewed (its discrepancies, then closing), even if a
    few invitations were never sent; before that, unsent invitations are sent,
    and once all are sent, the late ones are reminded.
    """
    if state == "draft":
        return "open"
    if state == "closed":
        return "export"
    counts: Counter[str] = Counter()
    for side in status.sides:
        counts.update(status.by_side[side])
    total = sum(counts.values())
    if total and counts["submitted"] / total >= MOSTLY_SUBMITTED:
        return "review"
    if counts["pending"]:
        return "invite"
    return "remind"
