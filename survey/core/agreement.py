"""Agreement between the two sides, per question, over all pairs of a round.

Each pair is one unit rated by two "raters", side A and side B. Only pairs where both
sides gave a usable, relevant answer count (outcome agree, disagree or review); the
statistics follow the question's level of measurement (docs/comparison.md):

| level    | types                     | statistics                                         |
|----------|---------------------------|----------------------------------------------------|
| nominal  | single, yesno, text       | percent, Cohen's kappa, alpha (nominal), Gwet AC1  |
| ordinal  | scale                     | + weighted kappa (linear), alpha (ordinal)         |
| interval | integer, number, year, date | percent, alpha (interval)                        |
| ratio    | integer, number (chosen)  | percent, alpha (ratio)                             |
| set      | multi                     | percent, alpha with the Jaccard distance           |

Percent agreement is the share of pairs the question's compare rule calls `agree`
(the exact rule for `review`/`none` questions). An undefined statistic (one category
only, nothing to compare) is None, never NaN. Intervals are 95 % percentile bootstrap
intervals over pairs, seeded, vectorised with numpy: a resample of pairs is a
multinomial draw over the distinct (A, B) answer combinations, which is the same
distribution as drawing pairs with replacement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from survey.core.compare import DECIDED, compare_values, missing_reason, normalize_text
from survey.core.questionnaire import CompareRule, Question
from survey.core.types import TYPES, type_of

LEVELS = ("nominal", "ordinal", "interval", "ratio", "set")
STATISTICS = (
    "percent_agreement",
    "cohen_kappa",
    "weighted_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
)
DEFAULT_SEED = 20090601
DEFAULT_BOOT = 1000
WEIGHTS = ("linear", "quadratic")
# Levels each type allows; the first is the default (core.types).
_LEVELS_OF = {name: t.agreement_levels for name, t in TYPES.items() if t.agreement_levels}
_CELLS_PER_CHUNK = 2_000_000  # bounds the memory of one block of bootstrap replicates
MAX_PAIRWISE_BOOT = 2000  # distinct values above which ratio/set alpha gets no interval


@dataclass(frozen=True, slots=True)
class QuestionAgreement:
    """Agreement statistics of one question over the pairs of a round."""

    question: str
    level: str  # one of LEVELS
    pairs_compared: int  # pairs where both sides gave a usable, relevant answer
    percent_agreement: float | None
    cohen_kappa: float | None
    weighted_kappa: float | None  # ordinal only; linear weights unless asked otherwise
    krippendorff_alpha: float | None
    gwet_ac1: float | None
    ci: dict[str, tuple[float, float] | None]  # statistic name -> 95 % bootstrap interval


def has_statistics(question: Question) -> bool:
    """Whether a question's answers have a level of measurement (a roster's rows, a note's
    nothing, do not: a roster's agreement is its rows' `row_agree` in the exports)."""
    return question.type in _LEVELS_OF


def level_of(question: Question) -> str:
    """The default level of measurement of a question's answers."""
    try:
        return _LEVELS_OF[question.type][0]
    except KeyError:
        raise ValueError(f"question {question.key!r}: a {question.type} has no answers") from None


# ---------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _Units:
    """The compared pairs, reduced to distinct (A, B, agree) cells with their counts."""

    level: str
    domain: list[Any]  # the distinct values; cells index into it
    a: np.ndarray  # (C,) index of side A's value
    b: np.ndarray  # (C,) index of side B's value
    agree: np.ndarray  # (C,) 1.0 where the rule said agree
    counts: np.ndarray  # (C,) pairs in each cell
    categories: int  # categories for Gwet's AC1 (all options, even unused)

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def _coder(question: Question, level: str) -> Callable[[Any], Any]:
    """value -> the value as the level sees it; raises ValueError when it cannot."""
    if level == "set":
        return _code_set
    if level == "ordinal":
        return question.option_codes.index
    if level == "nominal":
        if question.type in ("text", "longtext"):
            return lambda v: normalize_text(v) if isinstance(v, str) else _no(v)
        return lambda v: v if isinstance(v, str) else _no(v)
    if question.type == "date":
        return lambda v: float(date.fromisoformat(v).toordinal())
    kind = type_of(question)

    def number(value: Any) -> float:
        x = None if isinstance(value, bool) else kind.as_number(question, value)
        if x is None or not np.isfinite(x):
            raise ValueError(value)
        return x

    return number


def _code_set(value: Any) -> frozenset[str]:
    if isinstance(value, list | tuple) and all(isinstance(code, str) for code in value):
        return frozenset(value)
    raise ValueError(value)


def _no(value: Any) -> Any:
    raise ValueError(value)


def _decider(question: Question) -> CompareRule:
    rule = question.compare
    if rule is None or rule.kind in ("review", "none"):
        return CompareRule("set" if question.type == "multi" else "exact")
    return rule


def _units(
    question: Question, pairs: Sequence[tuple[Any, Any]], outcomes: Sequence[str] | None, level: str
) -> _Units:
    if outcomes is not None and len(outcomes) != len(pairs):
        raise ValueError(f"{len(pairs)} pairs but {len(outcomes)} outcomes")
    code, rule = _coder(question, level), _decider(question)
    rows: list[tuple[Any, Any, bool]] = []
    for i, (a, b) in enumerate(pairs):
        said = outcomes[i] if outcomes is not None else None
        if said is not None and said not in (*DECIDED, "review"):
            continue
        if said is None and (missing_reason(a) or missing_reason(b)):
            continue
        if said not in DECIDED:
            said = compare_values(question, rule, a, b)[0]
            if said not in DECIDED:
                continue  # unreadable: a person reviews it, the statistics skip it
        try:
            rows.append((code(a), code(b), said == "agree"))
        except (TypeError, ValueError, AttributeError):
            continue
    return _cells(question, level, rows)


def _cells(question: Question, level: str, rows: list[tuple[Any, Any, bool]]) -> _Units:
    domain = _domain(question, level, [v for a, b, _ in rows for v in (a, b)])
    index = {value: i for i, value in enumerate(domain)}
    table = np.array([(index[a], index[b], agree) for a, b, agree in rows], dtype=np.int64)
    cells, counts = np.unique(table.reshape(-1, 3), axis=0, return_counts=True)
    categorical = level in ("nominal", "ordinal")
    return _Units(
        level,
        domain,
        cells[:, 0],
        cells[:, 1],
        cells[:, 2].astype(float),
        counts.astype(float),
        len(domain) if categorical else 0,
    )


def _domain(question: Question, level: str, values: list[Any]) -> list[Any]:
    if level == "ordinal":
        return list(range(len(question.option_codes)))
    if level in ("interval", "ratio"):
        return sorted(set(values))
    known = list(question.option_codes) if level == "nominal" else []
    return list(dict.fromkeys([*known, *values]))  # options first, then anything else seen


# ---------------------------------------------------------------------------- statistics


def _segment(weights: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """Per replicate, the weight of every value: (B, C) weights, (C,) index -> (B, size)."""
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    out = np.zeros((weights.shape[0], size))
    out[:, ordered[starts]] = np.add.reduceat(weights[:, order], starts, axis=1)
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is not positive."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _categorical(units: _Units, w: np.ndarray, weights: str) -> dict[str, np.ndarray]:
    n, k = units.n, len(units.domain)
    na, nb = _segment(w, units.a, k), _segment(w, units.b, k)
    same = w @ (units.a == units.b).astype(float)
    expected = (na * nb).sum(axis=1)
    stats = {"cohen_kappa": _ratio(n * same - expected, n * n - expected)}
    values = na + nb
    total = 2 * n
    if units.level == "ordinal":
        positions = np.arange(k, dtype=float)
        gap = np.abs(positions[:, None] - positions[None, :])
        penalty = gap if weights == "linear" else gap**2
        observed = w @ penalty[units.a, units.b]
        chance = ((na @ penalty) * nb).sum(axis=1) / n
        stats["weighted_kappa"] = 1 - _ratio(observed, chance)
        stats["krippendorff_alpha"] = _ordinal_alpha(units, w, values, total)
    else:
        disagreeing = n - same
        spread = total * total - (values**2).sum(axis=1)
        stats["krippendorff_alpha"] = 1 - _ratio((total - 1) * 2 * disagreeing, spread)
    q = units.categories
    if q >= 2:
        share = values / total
        chance = (share * (1 - share)).sum(axis=1) / (q - 1)
        stats["gwet_ac1"] = (same / n - chance) / (1 - chance)
    return stats


def _ordinal_alpha(units: _Units, w: np.ndarray, values: np.ndarray, total: int) -> np.ndarray:
    # Krippendorff's ordinal metric: (values from c to k, inclusive, minus half of c and k)².
    k = values.shape[1]
    cumulative = np.concatenate([np.zeros((values.shape[0], 1)), values.cumsum(axis=1)], axis=1)
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    low, high = np.minimum(i, j), np.maximum(i, j)
    between = cumulative[:, high + 1] - cumulative[:, low]
    delta = (between - (values[:, i] + values[:, j]) / 2) ** 2  # (B, k, k)
    observed = 2 * (w * delta[:, units.a, units.b]).sum(axis=1)
    chance = np.einsum("bi,bij,bj->b", values, delta, values)
    return 1 - _ratio((total - 1) * observed, chance)


def _interval_alpha(units: _Units, w: np.ndarray) -> np.ndarray:
    values = np.asarray(units.domain, dtype=float)
    values = values - values[len(values) // 2]  # centred on a value: identical values give 0
    va, vb = values[units.a], values[units.b]
    total = 2 * units.n
    observed = 2 * (w @ (va - vb) ** 2)
    first, second = w @ (va + vb), w @ (va * va + vb * vb)
    chance = 2 * total * second - 2 * first * first  # sum over all pairs of values of (c - k)²
    return 1 - _ratio((total - 1) * observed, chance)


class _Metric:
    """A distance between domain values (ratio, or Jaccard for sets), by index."""

    def __init__(self, units: _Units):
        self.ratio = units.level == "ratio"
        if self.ratio:
            self.values = np.asarray(units.domain, dtype=float)
        else:
            codes = sorted({code for value in units.domain for code in value})
            member = [[code in value for code in codes] for value in units.domain]
            self.member = np.array(member, dtype=float).reshape(len(units.domain), len(codes))
            self.sizes = self.member.sum(axis=1)

    def rows(self, rows: slice) -> np.ndarray:
        """Distances of the values in `rows` to every value: (len(rows), V)."""
        if self.ratio:
            return self._ratio(self.values[rows, None], self.values[None, :])
        shared = self.member[rows] @ self.member.T
        return self._jaccard(shared, self.sizes[rows, None] + self.sizes[None, :] - shared)

    def cells(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Distances of value a[i] to value b[i]: (C,)."""
        if self.ratio:
            return self._ratio(self.values[a], self.values[b])
        shared = (self.member[a] * self.member[b]).sum(axis=1)
        return self._jaccard(shared, self.sizes[a] + self.sizes[b] - shared)

    @staticmethod
    def _ratio(c: np.ndarray, k: np.ndarray) -> np.ndarray:
        total = c + k
        out = np.zeros(np.broadcast(c, k).shape)
        np.divide(c - k, total, out=out, where=total != 0)  # 0 and 0: distance 0
        return out**2

    @staticmethod
    def _jaccard(shared: np.ndarray, union: np.ndarray) -> np.ndarray:
        return 1 - np.nan_to_num(_ratio(shared, union), nan=1.0)  # two empty sets: distance 0


def _pairwise_alpha(units: _Units, w: np.ndarray) -> np.ndarray:
    size = len(units.domain)
    metric = _Metric(units)
    observed = 2 * (w @ metric.cells(units.a, units.b))
    values = _segment(w, units.a, size) + _segment(w, units.b, size)
    chance = np.zeros(w.shape[0])
    step = max(1, _CELLS_PER_CHUNK // max(size, 1))
    for start in range(0, size, step):
        rows = slice(start, min(start + step, size))
        chance += ((values @ metric.rows(rows).T) * values[:, rows]).sum(axis=1)
    total = 2 * units.n
    return 1 - _ratio((total - 1) * observed, chance)


def _statistics(units: _Units, w: np.ndarray, weights: str) -> dict[str, np.ndarray]:
    """Every statistic for each row of cell weights `w` (B, C); NaN where undefined."""
    stats = {"percent_agreement": w @ units.agree / units.n}
    if units.level in ("nominal", "ordinal"):
        stats.update(_categorical(units, w, weights))
    elif units.level == "interval":
        stats["krippendorff_alpha"] = _interval_alpha(units, w)
    else:
        stats["krippendorff_alpha"] = _pairwise_alpha(units, w)
    return stats


# ---------------------------------------------------------------------------- bootstrap


def _bootstrap(
    units: _Units, weights: str, seed: int, n_boot: int
) -> dict[str, tuple[float, float] | None]:
    rng = np.random.default_rng(seed)
    share = units.counts / units.n
    width = max(len(units.counts), len(units.domain) ** 2 if units.level == "ordinal" else 1)
    step = max(1, min(n_boot, _CELLS_PER_CHUNK // width))
    blocks: dict[str, list[np.ndarray]] = {}
    for start in range(0, n_boot, step):
        draws = rng.multinomial(units.n, share, size=min(step, n_boot - start)).astype(float)
        for name, values in _statistics(units, draws, weights).items():
            blocks.setdefault(name, []).append(values)
    return {name: _interval(np.concatenate(parts)) for name, parts in blocks.items()}


def _interval(values: np.ndarray) -> tuple[float, float] | None:
    # Replicates in which a statistic is undefined (one category only) are left out.
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def _scalar(values: np.ndarray | None) -> float | None:
    if values is None or not np.isfinite(values[0]):
        return None
    return float(values[0])


def question_agreement(
    question: Question,
    pairs: Sequence[tuple[Any, Any]],
    *,
    outcomes: Sequence[str] | None = None,
    level: str | None = None,
    weights: str = "linear",
    seed: int = DEFAULT_SEED,
    n_boot: int = DEFAULT_BOOT,
) -> QuestionAgreement:
    """Agreement of one question over pairs of (side A value, side B value), raw as stored.

    `outcomes`, one per pair from the comparison engine, decide which pairs count (agree,
    disagree, review) and which agree; without them every pair with two usable answers
    counts and the rule is applied here. `level` overrides the type's default level.
    """
    level = level or level_of(question)
    if level not in _LEVELS_OF.get(question.type, ()):
        raise ValueError(
            f"question {question.key!r}: level {level!r} does not fit a {question.type}"
        )
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}")
    units = _units(question, pairs, outcomes, level)
    names = dict.fromkeys(STATISTICS)
    ci: dict[str, tuple[float, float] | None] = dict.fromkeys(STATISTICS)
    if units.n:
        found = _statistics(units, units.counts[None, :], weights)
        names.update({name: _scalar(values) for name, values in found.items()})
        if n_boot > 0 and _bootstrappable(units):
            intervals = _bootstrap(units, weights, seed, n_boot)
            ci.update({name: intervals[name] for name in intervals if names[name] is not None})
    return QuestionAgreement(question.key, level, units.n, **names, ci=ci)


def _bootstrappable(units: _Units) -> bool:
    return units.level not in ("ratio", "set") or len(units.domain) <= MAX_PAIRWISE_BOOT


# ---------------------------------------------------------------------------- tabulation


@dataclass(frozen=True, slots=True)
class OptionCount:
    """For one option: in how many pairs both sides, only A, only B or neither reported it."""

    code: str
    both: int
    only_a: int
    only_b: int
    neither: int

    @property
    def either(self) -> int:
        return self.both + self.only_a + self.only_b


@dataclass(frozen=True, slots=True)
class Tabulation:
    """Per option, how the pairs with two usable answers reported it."""

    question: str
    pairs: int  # every pair given
    usable: int  # both sides answered usably: each option's four counts add up to this
    missing: int  # a side without a usable answer (blank, don't know, refused, unreadable)
    skipped: int  # not relevant for a side (known only from the outcomes)
    options: tuple[OptionCount, ...]

    def option(self, code: str) -> OptionCount:
        return next(row for row in self.options if row.code == code)


def tabulate(
    question: Question,
    pairs: Sequence[tuple[Any, Any]],
    *,
    outcomes: Sequence[str] | None = None,
) -> Tabulation:
    """Both / only A / only B / neither for yes (yesno) or each option (single, scale, multi)."""
    if question.type not in ("yesno", "single", "scale", "multi"):
        raise ValueError(f"question {question.key!r}: a {question.type} has no options to count")
    if outcomes is not None and len(outcomes) != len(pairs):
        raise ValueError(f"{len(pairs)} pairs but {len(outcomes)} outcomes")
    codes = ("yes",) if question.type == "yesno" else question.option_codes
    sides: list[tuple[frozenset[str], frozenset[str]]] = []
    skipped = missing = 0
    for i, (a, b) in enumerate(pairs):
        said = outcomes[i] if outcomes is not None else None
        if said == "skipped":
            skipped += 1
            continue
        chosen_a, chosen_b = _chosen(a), _chosen(b)
        if said == "missing" or chosen_a is None or chosen_b is None:
            missing += 1
            continue
        sides.append((chosen_a, chosen_b))
    rows = tuple(_count(code, sides) for code in codes)
    return Tabulation(question.key, len(pairs), len(sides), missing, skipped, rows)


def _chosen(value: Any) -> frozenset[str] | None:
    if missing_reason(value) is not None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    if isinstance(value, list | tuple) and all(isinstance(code, str) for code in value):
        return frozenset(value)
    return None


def _count(code: str, sides: list[tuple[frozenset[str], frozenset[str]]]) -> OptionCount:
    both = only_a = only_b = 0
    for a, b in sides:
        in_a, in_b = code in a, code in b
        both += in_a and in_b
        only_a += in_a and not in_b
        only_b += in_b and not in_a
    return OptionCount(code, both, only_a, only_b, len(sides) - both - only_a - only_b)
