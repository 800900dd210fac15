"""What explains disagreement: agreement by group, with n and its interval in every cell.

`survey agreement ROUND --by followup|mode|language|kind`:

- `followup`: before and after follow-up, the same pairs on their original values and on
  their final ones (a follow-up round's answer where a side gave one, compared again);
- `mode`: by the pair's two interview modes (web–web, phone–web, …);
- `language`: by the two respondents' languages (en–zh-Hans, …);
- `kind`: by the pair's kind (city, state, cross-strait, …).

`mode`, `language` and `kind` read the original values by default and the final ones with
`values="final"` (`--values final`).

Each group has a row per compared question (the statistics of `core.agreement`, with
the same seeded bootstrap intervals) and an `overall` row: the share of compared
question-pairs that agree, its interval from resampling pairs. A cell compared on fewer
than `MIN_PAIRS` pairs shows no statistic, and says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.comparison.followup_outcomes import newest
from survey.comparison.models import Comparison
from survey.comparison.reports import STATISTIC_COLUMNS
from survey.comparison.services import questionnaire_of, side_order
from survey.core.agreement import DEFAULT_SEED, has_statistics, question_agreement
from survey.core.compare import compare_round as engine_compare_round
from survey.rounds.models import Invitation, Round
from survey.studies.models import Pair, Respondent

MIN_PAIRS = 5
GROUPINGS = ("followup", "mode", "language", "kind")
VALUES = ("original", "final")
TOO_FEW = "fewer than 5 pairs compared: no statistic shown"
COUNTED = ("agree", "disagree")  # what the overall share counts (review is a person's call)


@dataclass
class _Pair:
    pair_id: int
    kind: str
    modes: tuple[str, str]
    languages: tuple[str, str]
    outcomes: dict[str, list[Any]]  # key -> [outcome, {side: value}]


def _pairs(session: Session, round_: Round) -> list[_Pair]:
    sides = side_order(session, round_)
    position = {side.id: n for n, side in enumerate(sides)}
    defaults = {side.id: side.default_language for side in sides}
    rows = session.execute(
        select(Invitation.pair_id, Invitation.side_id, Invitation.mode, Respondent.language)
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.round_id == round_.id)
    )
    modes: dict[int, list[str]] = defaultdict(lambda: ["", ""])
    languages: dict[int, list[str]] = defaultdict(lambda: ["", ""])
    for pair_id, side_id, mode, language in rows:
        modes[pair_id][position[side_id]] = mode or ""
        languages[pair_id][position[side_id]] = language or defaults[side_id] or ""
    found = session.execute(
        select(Comparison.pair_id, Comparison.outcomes, Pair.kind)
        .join(Pair, Pair.id == Comparison.pair_id)
        .where(Comparison.round_id == round_.id)
        .order_by(Comparison.pair_id)
    )
    return [
        _Pair(pair_id, kind or "", tuple(modes[pair_id]), tuple(languages[pair_id]), outcomes)  # type: ignore[arg-type]
        for pair_id, outcomes, kind in found
    ]


def _final(session: Session, round_: Round, pairs: list[_Pair]) -> list[_Pair]:
    """The pairs compared again on each side's newest answer (a follow-up's, where given)."""
    later = newest(session, round_, [p.pair_id for p in pairs])
    changed = {p: n for p, n in later.items() if n.followup}
    if not changed:
        return pairs
    q = questionnaire_of(session, round_)
    a, b = side_order(session, round_)
    items = [(p, n.values.get(a.id), n.values.get(b.id)) for p, n in changed.items()]
    again = {
        pair_id: {o.question: [o.outcome, {a.code: o.value_a, b.code: o.value_b}] for o in found}
        for pair_id, found in engine_compare_round(q, items, today=dt.date.today())
    }
    return [
        _Pair(p.pair_id, p.kind, p.modes, p.languages, again.get(p.pair_id, p.outcomes))
        for p in pairs
    ]


def _group_name(pair: _Pair, by: str) -> str:
    if by == "mode":
        return "–".join(sorted(m or "?" for m in pair.modes))
    if by == "language":
        return "–".join(sorted(lang or "?" for lang in pair.languages))
    return pair.kind or "?"


def grouped(
    session: Session,
    round_: Round,
    by: str,
    *,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    values: str = "original",
) -> list[dict[str, Any]]:
    """Rows of group, question (or `overall`), pairs compared, statistics and intervals.

    `values` (mode, language and kind only): `original`, the answers first given, or
    `final`, each pair compared again on the newest answer of each side. `followup`
    always shows both.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    if values not in VALUES:
        raise ValueError(f"values must be one of {', '.join(VALUES)}")
    pairs = _pairs(session, round_)
    if by == "followup":
        groups = {"original": pairs, "final": _final(session, round_, pairs)}
    else:
        if values == "final":
            pairs = _final(session, round_, pairs)
        groups = defaultdict(list)
        for pair in pairs:
            groups[_group_name(pair, by)].append(pair)
        groups = dict(sorted(groups.items()))
    q = questionnaire_of(session, round_)
    a, b = (side.code for side in side_order(session, round_))
    rows = []
    for name, members in groups.items():
        rows.append(_overall(name, members, n_boot, seed))
        for question in q.questions():
            if not question.is_compared or not has_statistics(question):
                continue
            stored = [p.outcomes[question.key] for p in members if question.key in p.outcomes]
            if not stored:
                continue
            values = [(v.get(a), v.get(b)) for _outcome, v in stored]
            outcomes = [outcome for outcome, _v in stored]
            result = question_agreement(
                question, values, outcomes=outcomes, seed=seed, n_boot=n_boot
            )
            row = _row(name, question.key, result.level, result.pairs_compared)
            if row["shown"]:
                for statistic in STATISTIC_COLUMNS:
                    interval = result.ci.get(statistic)
                    row[statistic] = getattr(result, statistic)
                    row[f"{statistic}_low"], row[f"{statistic}_high"] = interval or (None, None)
            rows.append(row)
    return rows


def _row(group: str, question: str, level: str, pairs: int) -> dict[str, Any]:
    row: dict[str, Any] = {"group": group, "question": question, "level": level}
    row["pairs_compared"] = pairs
    row["shown"] = pairs >= MIN_PAIRS
    row["note"] = None if row["shown"] else TOO_FEW
    for statistic in STATISTIC_COLUMNS:
        row[statistic] = row[f"{statistic}_low"] = row[f"{statistic}_high"] = None
    return row


def _overall(group: str, members: list[_Pair], n_boot: int, seed: int) -> dict[str, Any]:
    """The share of compared question-pairs that agree; pairs resampled for the interval."""
    agree = np.array(
        [sum(o[0] == "agree" for o in p.outcomes.values()) for p in members], dtype=float
    )
    compared = np.array(
        [sum(o[0] in COUNTED for o in p.outcomes.values()) for p in members], dtype=float
    )
    keep = compared > 0
    agree, compared = agree[keep], compared[keep]
    row = _row(group, "overall", "nominal", int(keep.sum()))
    if not row["shown"]:
        return row
    row["percent_agreement"] = float(agree.sum() / compared.sum())
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, len(agree), size=(n_boot, len(agree)))
        shares = agree[picks].sum(axis=1) / compared[picks].sum(axis=1)
        low, high = np.percentile(shares, [2.5, 97.5])
        row["percent_agreement_low"], row["percent_agreement_high"] = float(low), float(high)
    return row
