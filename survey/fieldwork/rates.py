"""A round's dispositions counted and its AAPOR rates, overall, per side and per mode."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey.fieldwork import dispositions
from survey.fieldwork.services import Case, cases
from survey.rounds.models import Round


@dataclass(frozen=True)
class RoundRates:
    """The rates of all cases, of each side and of each interview mode; codes counted."""

    overall: dispositions.Rates
    by_side: dict[str, dispositions.Rates]
    by_mode: dict[str, dispositions.Rates]
    codes: Counter[tuple[str, str]]  # (AAPOR code, group) → cases

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of `survey contact rates` and the round page's download."""
        return {
            "overall": self.overall.as_dict(),
            "by_side": {k: v.as_dict() for k, v in self.by_side.items()},
            "by_mode": {k: v.as_dict() for k, v in self.by_mode.items()},
            "dispositions": [
                {"code": code, "group": group, "cases": n}
                for (code, group), n in sorted(self.codes.items(), key=_code_order)
            ],
        }


def _code_order(item: tuple[tuple[str, str], int]) -> list[int]:
    return [int(part) for part in item[0][0].split(".")]


def of_cases(found: list[Case]) -> RoundRates:
    """The rates over `found`, per side and per mode (`Case.mode`)."""
    settled = [(case, case.disposition) for case in found]
    by_side: dict[str, list[str]] = {}
    by_mode: dict[str, list[str]] = {}
    for case, disposition in settled:
        by_side.setdefault(case.side.code, []).append(disposition.group)
        by_mode.setdefault(case.mode, []).append(disposition.group)
    return RoundRates(
        overall=dispositions.rates(d.group for _, d in settled),
        by_side={k: dispositions.rates(v) for k, v in by_side.items()},
        by_mode={k: dispositions.rates(v) for k, v in sorted(by_mode.items())},
        codes=Counter((d.code, d.group) for _, d in settled),
    )


def round_rates(session: Session, round_: Round) -> RoundRates:
    """The round's rates over every side of every pair with a respondent."""
    found = cases(session, round_)
    found.sort(key=lambda c: c.side.position)
    return of_cases(found)
