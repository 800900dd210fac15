"""Agreement per question and pair-level tabulation over a round's stored comparisons."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.comparison.models import Comparison
from survey.comparison.services import questionnaire_of, side_order
from survey.core.agreement import (
    DEFAULT_SEED,
    QuestionAgreement,
    Tabulation,
    has_statistics,
    question_agreement,
)
from survey.core.agreement import tabulate as tabulate_question
from survey.errors import ServiceError
from survey.rounds.models import Round

TABULATED = frozenset({"yesno", "single", "multi", "scale"})
STATISTIC_COLUMNS = (
    "percent_agreement",
    "cohen_kappa",
    "weighted_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
)


def _pairs_by_question(session: Session, round_: Round) -> dict[str, tuple[list, list[str]]]:
    """question -> ([(value A, value B)], [outcome]) in pair order."""
    sides = [side.code for side in side_order(session, round_)]
    found: dict[str, tuple[list, list[str]]] = defaultdict(lambda: ([], []))
    rows = session.scalars(
        select(Comparison.outcomes)
        .where(Comparison.round_id == round_.id)
        .order_by(Comparison.pair_id)
    )
    for stored in rows:
        for key, (outcome, values) in stored.items():
            pairs, outcomes = found[key]
            pairs.append((values.get(sides[0]), values.get(sides[1])))
            outcomes.append(outcome)
    return found


def agreement(
    session: Session, round_: Round, *, n_boot: int = 1000, seed: int = DEFAULT_SEED
) -> list[QuestionAgreement]:
    """Statistics for every compared question, in questionnaire order (seeded intervals)."""
    q = questionnaire_of(session, round_)
    data = _pairs_by_question(session, round_)
    results = []
    for question in q.questions():
        if question.key in data and question.is_compared and has_statistics(question):
            pairs, outcomes = data[question.key]
            results.append(
                question_agreement(question, pairs, outcomes=outcomes, seed=seed, n_boot=n_boot)
            )
    return results


def tabulate(session: Session, round_: Round, keys: list[str] | None = None) -> list[Tabulation]:
    """Both / only A / only B / neither for the yes-no and choice questions asked for (or all)."""
    q = questionnaire_of(session, round_)
    data = _pairs_by_question(session, round_)
    chosen = keys or [x.key for x in q.questions() if x.type in TABULATED and x.key in data]
    results = []
    for key in chosen:
        try:
            question = q.question(key)
        except KeyError:
            raise ServiceError("question", "unknown_question", keys=key) from None
        if question.type not in TABULATED:
            raise ServiceError("question", "not_tabulable", key=key)
        pairs, outcomes = data.get(key, ([], []))
        results.append(tabulate_question(question, pairs, outcomes=outcomes))
    return results


def agreement_rows(results: list[QuestionAgreement]) -> list[dict[str, Any]]:
    """Flat rows (one per question) for CSV/JSON, intervals as _low/_high columns."""
    rows = []
    for result in results:
        row: dict[str, Any] = {
            "question": result.question,
            "level": result.level,
            "pairs_compared": result.pairs_compared,
        }
        for name in STATISTIC_COLUMNS:
            row[name] = getattr(result, name)
            interval = result.ci.get(name)
            row[f"{name}_low"], row[f"{name}_high"] = interval if interval else (None, None)
        rows.append(row)
    return rows


def tabulation_rows(results: list[Tabulation]) -> list[dict[str, Any]]:
    """Flat rows (one per question and option) for CSV/JSON."""
    return [
        {
            "question": t.question,
            "option": o.code,
            "both": o.both,
            "only_a": o.only_a,
            "only_b": o.only_b,
            "neither": o.neither,
            "usable_pairs": t.usable,
            "missing": t.missing,
            "skipped": t.skipped,
        }
        for t in results
        for o in t.options
    ]
