"""Outcome codes, their AAPOR final dispositions, and the AAPOR outcome rates (pure Python).

Each contact outcome and each invitation state maps to an AAPOR Standard Definitions
disposition (a code such as 2.11 and its group: I, P, R, NC, O, UH, UO or NE). A case's
disposition is the strongest it has reached (`RANK`), the latest of equals: a refusal
stays a refusal when later calls go unanswered, and a submitted form is a complete
interview whatever the calls said. The rates are AAPOR's RR1, COOP1, REF1 and CON1, which
count every case of unknown eligibility as eligible (e = 1). See docs/fieldwork.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

ATTEMPT_MODES = ("phone", "email", "in_person", "other")
CALLBACK_OUTCOMES = ("callback", "appointment")
GROUPS = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")


@dataclass(frozen=True)
class Disposition:
    """An AAPOR final disposition: its code, its group in the rate formulas, its strength."""

    code: str
    group: str
    rank: int


# A contact outcome → its disposition when it is the case's strongest.
OUTCOMES: dict[str, Disposition] = {
    "no_answer": Disposition("3.13", "UH", 3),
    "busy": Disposition("3.12", "UH", 3),
    "wrong_number": Disposition("3.90", "UO", 3),
    "answering_machine": Disposition("2.22", "NC", 4),
    "callback": Disposition("2.21", "NC", 5),
    "appointment": Disposition("2.30", "O", 6),
    "refused": Disposition("2.11", "R", 7),
    "started": Disposition("1.2", "P", 8),
    "ineligible": Disposition("4.70", "NE", 9),
    "completed": Disposition("1.1", "I", 10),
}

# An invitation's state → its disposition, for the cases no call decided.
STATES: dict[str, Disposition] = {
    "pending": Disposition("3.11", "UH", 0),
    "sent": Disposition("3.19", "UH", 1),
    "bounced": Disposition("3.30", "UO", 2),
    "opened": Disposition("2.1121", "R", 4),
    "in_progress": Disposition("1.2", "P", 8),
    "declined": Disposition("2.11", "R", 7),
    "submitted": Disposition("1.1", "I", 11),
}


def disposition(state: str, outcomes: Iterable[str]) -> Disposition:
    """A case's disposition: the strongest of its state and its outcomes (oldest first)."""
    best = STATES.get(state, STATES["pending"])
    for outcome in outcomes:
        found = OUTCOMES[outcome]
        if found.rank >= best.rank:
            best = found
    return best


@dataclass(frozen=True)
class Rates:
    """The disposition groups counted, and the four rates (None when nothing to divide)."""

    counts: dict[str, int]

    @property
    def cases(self) -> int:
        return sum(self.counts.values())

    def _n(self, *groups: str) -> int:
        return sum(self.counts.get(g, 0) for g in groups)

    @property
    def rr1(self) -> float | None:
        """RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))."""
        return _ratio(self._n("I"), self._n("I", "P", "R", "NC", "O", "UH", "UO"))

    @property
    def coop1(self) -> float | None:
        """COOP1 = I / ((I+P) + R + O)."""
        return _ratio(self._n("I"), self._n("I", "P", "R", "O"))

    @property
    def ref1(self) -> float | None:
        """REF1 = R / ((I+P) + (R+NC+O) + (UH+UO))."""
        return _ratio(self._n("R"), self._n("I", "P", "R", "NC", "O", "UH", "UO"))

    @property
    def con1(self) -> float | None:
        """CON1 = ((I+P) + R + O) / ((I+P) + R + O + NC + (UH+UO))."""
        return _ratio(self._n("I", "P", "R", "O"), self._n("I", "P", "R", "O", "NC", "UH", "UO"))

    def as_dict(self) -> dict[str, object]:
        """Counts per group and the rates, for JSON."""
        counts = {g: self.counts.get(g, 0) for g in GROUPS}
        rates = {"RR1": self.rr1, "COOP1": self.coop1, "REF1": self.ref1, "CON1": self.con1}
        return {"cases": self.cases, "counts": counts, "rates": rates}


RATE_NAMES = ("RR1", "COOP1", "REF1", "CON1")


def rates(groups: Iterable[str]) -> Rates:
    """The rates over cases given by their disposition groups."""
    return Rates(dict(Counter(groups)))


def _ratio(top: int, bottom: int) -> float | None:
    return top / bottom if bottom else None
