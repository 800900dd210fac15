"""Agreement statistics against reference implementations, degenerate tables, the bootstrap."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import krippendorff
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from survey.core.agreement import (
    LEVELS,
    STATISTICS,
    QuestionAgreement,
    level_of,
    question_agreement,
    tabulate,
)
from survey.core.questionnaire import CompareRule, Option, Question

TOLERANCE = 1e-9
SECTORS = ("trade", "education", "health", "culture")
POINTS = ("1", "2", "3", "4", "5")


def make_q(type_: str, compare: Any = "exact", codes: tuple[str, ...] = (), **kw: Any) -> Question:
    if not codes:
        codes = {"single": SECTORS, "multi": SECTORS, "scale": POINTS}.get(type_, ())
    rule = compare if isinstance(compare, CompareRule) else CompareRule.from_dict(compare)
    options = tuple(Option(code, {"en": code}) for code in codes)
    return Question("q", type_, {"en": "Question?"}, options=options, compare=rule, **kw)


def table_pairs(codes: tuple[str, ...], table: list[list[int]]) -> list[tuple[str, str]]:
    """Pairs from a contingency table: rows side A, columns side B."""
    return [
        (codes[i], codes[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]


def close(ours: float | None, reference: float) -> bool:
    return ours is not None and abs(ours - reference) <= TOLERANCE


def no_nan(result: QuestionAgreement) -> None:
    for name in STATISTICS:
        value = getattr(result, name)
        assert value is None or (isinstance(value, float) and math.isfinite(value)), name
        interval = result.ci[name]
        assert interval is None or all(isinstance(x, float) and math.isfinite(x) for x in interval)


# ---------------------------------------------------------------------------- textbook values

ABSTRACTORS = ("ectopic", "aiu", "niu")
# irrCAC's cont3x3abstractors (Gwet, Handbook of Inter-Rater Reliability, 4th ed. 2014); the
# expected values are those printed in the irrCAC vignette "Calculating Chance-corrected
# Agreement Coefficients": kappa2.table, gwet.ac1.table, krippen2.table, pa2.table.
ABSTRACTOR_TABLE = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def test_gwet_textbook_table():
    q = make_q("single", codes=ABSTRACTORS)
    result = question_agreement(q, table_pairs(ABSTRACTORS, ABSTRACTOR_TABLE), n_boot=0)
    assert result.pairs_compared == 100
    assert result.percent_agreement == pytest.approx(0.89, abs=1e-12)
    assert result.cohen_kappa == pytest.approx(0.7964094, abs=5e-8)
    assert result.gwet_ac1 == pytest.approx(0.8493305, abs=5e-8)
    assert result.krippendorff_alpha == pytest.approx(0.7972585, abs=5e-8)
    assert result.weighted_kappa is None


def ac1_by_hand(table: list[list[int]]) -> float:
    """Gwet (2008), two raters: (pa - pe) / (1 - pe), pe = sum pi_k (1 - pi_k) / (q - 1)."""
    n = sum(map(sum, table))
    q = len(table)
    pa = sum(table[k][k] for k in range(q)) / n
    pi = [(sum(table[k]) + sum(row[k] for row in table)) / (2 * n) for k in range(q)]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize(
    ("table", "kappa", "ac1"),
    [
        # The kappa paradox: 94.4 % agreement, kappa below zero, AC1 high. By hand:
        # pa = 118/125 = 0.944; kappa pe = (123*120 + 2*5)/125² = 0.94528,
        # kappa = (0.944 - 0.94528)/(1 - 0.94528) = -0.0233918…;
        # pi = (243/250, 7/250), AC1 pe = 2 * 0.972 * 0.028 = 0.054432,
        # AC1 = (0.944 - 0.054432)/(1 - 0.054432) = 0.9407763…
        ([[118, 5], [2, 0]], -0.00128 / 0.05472, 0.889568 / 0.945568),
        # Balanced marginals: kappa and AC1 coincide for two categories.
        ([[40, 10], [10, 40]], 0.6, 0.6),
    ],
)
def test_gwet_ac1_by_hand(table, kappa, ac1):
    q = make_q("yesno", codes=())
    result = question_agreement(q, table_pairs(("yes", "no"), table), n_boot=0)
    assert result.cohen_kappa == pytest.approx(kappa, abs=1e-12)
    assert result.gwet_ac1 == pytest.approx(ac1, abs=1e-12)
    assert result.gwet_ac1 == pytest.approx(ac1_by_hand(table), abs=1e-12)


def test_gwet_ac1_counts_unused_categories():
    # q is the number of categories of the question, not the number observed.
    table = [[30, 5, 0, 0], [3, 12, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    result = question_agreement(make_q("single"), table_pairs(SECTORS, table), n_boot=0)
    assert result.gwet_ac1 == pytest.approx(ac1_by_hand(table), abs=1e-12)


# ---------------------------------------------------------------------------- references


def codes_pairs(codes: tuple[str, ...], min_size: int = 2) -> st.SearchStrategy[Any]:
    return st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(codes)), min_size=min_size)


@settings(max_examples=150, deadline=None)
@given(codes_pairs(SECTORS))
def test_cohen_kappa_equals_scikit_learn(pairs):
    result = question_agreement(make_q("single"), pairs, n_boot=0)
    a, b = zip(*pairs, strict=True)
    if len(set(a) | set(b)) == 1:
        assert result.cohen_kappa is None  # one category only: kappa is undefined
    else:
        assert close(result.cohen_kappa, cohen_kappa_score(a, b))
    assert result.percent_agreement == sum(x == y for x, y in pairs) / len(pairs)
    no_nan(result)


@settings(max_examples=150, deadline=None)
@given(codes_pairs(POINTS), st.sampled_from(["linear", "quadratic"]))
def test_weighted_kappa_equals_scikit_learn(pairs, weights):
    result = question_agreement(make_q("scale"), pairs, weights=weights, n_boot=0)
    a = [int(x) for x, _ in pairs]
    b = [int(y) for _, y in pairs]
    if len(set(a) | set(b)) == 1:
        assert result.weighted_kappa is None
        assert result.cohen_kappa is None
    else:
        # Distances count every point of the scale, observed or not: give sklearn all labels.
        labels = [1, 2, 3, 4, 5]
        reference = cohen_kappa_score(a, b, labels=labels, weights=weights)
        assert close(result.weighted_kappa, reference)
        assert close(result.cohen_kappa, cohen_kappa_score(a, b))


def alpha_reference(a: list[Any], b: list[Any], level: Any, **kw: Any) -> float | None:
    """The krippendorff package; None where it refuses (nothing pairable, one value)."""
    data = np.array([a, b], dtype=float)
    pairable = ~np.isnan(data).any(axis=0)
    if not pairable.any() or len(np.unique(data[:, pairable])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level, **kw))


def with_gaps(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Pairs where either side may be missing (None, don't know, refused)."""
    side = st.one_of(values, values, values, st.sampled_from([None, "dk", "rf"]))
    return st.lists(st.tuples(side, side), min_size=1, max_size=60)


def as_float(value: Any, convert: Any = float) -> float:
    return math.nan if value in (None, "dk", "rf") else convert(value)


@settings(max_examples=150, deadline=None)
@given(with_gaps(st.sampled_from(SECTORS)))
def test_nominal_alpha_equals_the_krippendorff_package(pairs):
    result = question_agreement(make_q("single"), pairs, n_boot=0)
    index = {code: i for i, code in enumerate(SECTORS)}
    a = [as_float(x, index.get) for x, _ in pairs]
    b = [as_float(y, index.get) for _, y in pairs]
    reference = alpha_reference(a, b, "nominal")
    if reference is None:
        assert result.krippendorff_alpha is None
    else:
        assert close(result.krippendorff_alpha, reference)
    no_nan(result)


@settings(max_examples=150, deadline=None)
@given(with_gaps(st.sampled_from(POINTS)))
def test_ordinal_alpha_equals_the_krippendorff_package(pairs):
    result = question_agreement(make_q("scale"), pairs, n_boot=0)
    a = [as_float(x) for x, _ in pairs]
    b = [as_float(y) for _, y in pairs]
    reference = alpha_reference(a, b, "ordinal", value_domain=[1.0, 2.0, 3.0, 4.0, 5.0])
    if reference is None:
        assert result.krippendorff_alpha is None
    else:
        assert close(result.krippendorff_alpha, reference)
    assert result.level == "ordinal"


@settings(max_examples=150, deadline=None)
@given(
    with_gaps(st.one_of(st.integers(0, 40), st.decimals(0, 100, places=2).map(float))),
    st.sampled_from(["interval", "ratio"]),
)
def test_interval_and_ratio_alpha_equal_the_krippendorff_package(pairs, level):
    q = make_q("number", {"tolerance": {"abs": 1}})
    result = question_agreement(q, pairs, level=level, n_boot=0)
    a = [as_float(x) for x, _ in pairs]
    b = [as_float(y) for _, y in pairs]
    reference = alpha_reference(a, b, level)
    if reference is None:
        assert result.krippendorff_alpha is None
    else:
        assert abs(result.krippendorff_alpha - reference) <= TOLERANCE * max(1, abs(reference))
    assert result.cohen_kappa is None
    assert result.gwet_ac1 is None
    no_nan(result)


def test_interval_alpha_on_large_values_keeps_its_precision():
    rng = np.random.default_rng(7)
    a = rng.integers(1979, 2010, 500)
    b = a + rng.integers(-2, 3, 500)
    q = make_q("year", {"tolerance": {"abs": 1}})
    result = question_agreement(q, list(zip(a.tolist(), b.tolist(), strict=True)), n_boot=0)
    reference = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="interval")
    assert close(result.krippendorff_alpha, reference)
    assert result.percent_agreement == np.mean(np.abs(a - b) <= 1)


def test_dates_are_interval_data_in_days():
    start = date(2008, 1, 1)
    days = [(0, 0), (0, 10), (40, 31), (100, 100), (7, 30)]
    pairs = [
        ((start + timedelta(x)).isoformat(), (start + timedelta(y)).isoformat()) for x, y in days
    ]
    result = question_agreement(make_q("date", {"within_days": 31}), pairs, n_boot=0)
    reference = krippendorff.alpha(
        reliability_data=np.array(days, dtype=float).T, level_of_measurement="interval"
    )
    assert close(result.krippendorff_alpha, reference)
    assert result.percent_agreement == 1.0  # every pair within 31 days


def jaccard_metric(domain: list[frozenset[str]]) -> Any:
    """A distance for the krippendorff package: 1 - Jaccard, values are indices into domain."""

    def distance(v1, v2, i1, i2, n_v, dtype=np.float64):
        first, second = np.broadcast_arrays(v1.astype(int), v2.astype(int))
        out = np.zeros(first.shape, dtype=dtype)
        for index in np.ndindex(first.shape):
            x, y = domain[first[index]], domain[second[index]]
            out[index] = 1 - len(x & y) / len(x | y) if x | y else 0.0
        return out

    return distance


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(SECTORS), unique=True),
            st.lists(st.sampled_from(SECTORS), unique=True),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_set_alpha_uses_the_jaccard_distance(pairs):
    pairs = [(a, b) for a, b in pairs if a and b]  # an empty list is no answer
    assume(pairs)
    q = make_q("multi", {"overlap": 0.5})
    result = question_agreement(q, pairs, n_boot=0)
    domain = list(dict.fromkeys(frozenset(v) for pair in pairs for v in pair))
    if len(domain) < 2:
        assert result.krippendorff_alpha is None
    else:
        index = {value: i for i, value in enumerate(domain)}
        data = [[index[frozenset(a)] for a, _ in pairs], [index[frozenset(b)] for _, b in pairs]]
        reference = krippendorff.alpha(
            reliability_data=np.array(data, dtype=float),
            value_domain=np.arange(len(domain), dtype=float),
            level_of_measurement=jaccard_metric(domain),
        )
        assert close(result.krippendorff_alpha, reference)
    jaccards = [len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in pairs]
    assert result.percent_agreement == sum(j >= 0.5 for j in jaccards) / len(pairs)
    assert result.level == "set"
    assert (result.cohen_kappa, result.weighted_kappa, result.gwet_ac1) == (None, None, None)


# ---------------------------------------------------------------------------- degenerate


def test_one_category_only_gives_none_not_nan():
    result = question_agreement(make_q("yesno"), [("yes", "yes")] * 20, n_boot=200)
    assert result.percent_agreement == 1.0
    assert result.cohen_kappa is None
    assert result.krippendorff_alpha is None
    assert result.gwet_ac1 == 1.0  # AC1 is defined: pe = 0 when one category takes everything
    assert result.ci["cohen_kappa"] is None
    assert result.ci["gwet_ac1"] == (1.0, 1.0)
    no_nan(result)


def test_one_side_constant_kappa_is_zero_not_undefined():
    pairs = [("yes", "yes"), ("yes", "no"), ("yes", "yes"), ("yes", "no")]
    result = question_agreement(make_q("yesno"), pairs, n_boot=0)
    assert result.cohen_kappa == 0.0


def test_no_pairs_to_compare():
    result = question_agreement(make_q("single"), [("trade", None), ("dk", "rf")])
    assert result.pairs_compared == 0
    assert all(getattr(result, name) is None for name in STATISTICS)
    assert all(interval is None for interval in result.ci.values())


def test_a_single_pair():
    result = question_agreement(make_q("integer", {"tolerance": {"abs": 1}}), [(3, 4)])
    assert result.pairs_compared == 1
    assert result.percent_agreement == 1.0
    assert result.krippendorff_alpha is not None
    no_nan(result)


def test_weighted_kappa_with_every_answer_on_one_point():
    result = question_agreement(make_q("scale"), [("3", "3")] * 5, n_boot=0)
    assert result.weighted_kappa is None
    assert result.krippendorff_alpha is None


@settings(max_examples=100, deadline=None)
@given(codes_pairs(("yes", "no"), min_size=1), st.integers(0, 2**32 - 1))
def test_never_nan_for_any_yes_no_data(pairs, seed):
    no_nan(question_agreement(make_q("yesno"), pairs, seed=seed, n_boot=50))


# ---------------------------------------------------------------------------- outcomes and levels


def test_outcomes_decide_which_pairs_count_and_which_agree():
    q = make_q("integer", {"tolerance": {"abs": 1}})
    pairs = [(3, 4), (3, 5), (1, 9), (2, None), (7, 7)]
    outcomes = ["agree", "disagree", "skipped", "missing", "agree"]
    result = question_agreement(q, pairs, outcomes=outcomes, n_boot=0)
    assert result.pairs_compared == 3
    assert result.percent_agreement == pytest.approx(2 / 3)
    reference = krippendorff.alpha(reliability_data=[[3, 3, 7], [4, 5, 7]])
    assert close(result.krippendorff_alpha, reference)


def test_without_outcomes_the_rule_decides():
    q = make_q("integer", {"tolerance": {"abs": 1}})
    result = question_agreement(q, [(3, 4), (3, 5), (7, 7), ("dk", 1)], n_boot=0)
    assert result.pairs_compared == 3
    assert result.percent_agreement == pytest.approx(2 / 3)


def test_review_questions_agree_when_the_normalised_text_is_the_same():
    q = make_q("text", "review")
    pairs = [("Boulder", "ＢＯＵＬＤＥＲ"), ("Lhasa", "Lhasa "), ("a", "b")]
    result = question_agreement(q, pairs, outcomes=["review"] * 3, n_boot=0)
    assert result.pairs_compared == 3
    assert result.percent_agreement == pytest.approx(2 / 3)
    assert result.level == "nominal"
    assert close(
        result.cohen_kappa, cohen_kappa_score(["boulder", "lhasa", "a"], ["boulder", "lhasa", "b"])
    )


def test_unreadable_values_are_left_out():
    q = make_q("integer", {"tolerance": {"abs": 1}})
    result = question_agreement(q, [(3, 4), ("three", 3), (5, 5)], n_boot=0)
    assert result.pairs_compared == 2


def test_mismatched_outcomes_are_refused():
    with pytest.raises(ValueError, match="2 pairs but 1 outcomes"):
        question_agreement(make_q("yesno"), [("yes", "yes")] * 2, outcomes=["agree"])


@pytest.mark.parametrize(
    ("type_", "level"),
    [
        ("yesno", "nominal"),
        ("single", "nominal"),
        ("text", "nominal"),
        ("scale", "ordinal"),
        ("integer", "interval"),
        ("number", "interval"),
        ("year", "interval"),
        ("date", "interval"),
        ("multi", "set"),
    ],
)
def test_default_levels(type_, level):
    assert level_of(make_q(type_)) == level
    assert level in LEVELS


def test_levels_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="level 'ordinal' does not fit a single"):
        question_agreement(make_q("single"), [], level="ordinal")
    with pytest.raises(ValueError, match="weights must be one of"):
        question_agreement(make_q("scale"), [], weights="cubic")
    with pytest.raises(ValueError, match="has no answers"):
        level_of(make_q("note"))


def test_a_scale_as_interval_data():
    pairs = [("1", "2"), ("3", "3"), ("5", "4"), ("2", "2")]
    result = question_agreement(make_q("scale"), pairs, level="interval", n_boot=0)
    reference = krippendorff.alpha(reliability_data=[[1, 3, 5, 2], [2, 3, 4, 2]])
    assert close(result.krippendorff_alpha, reference)
    assert result.cohen_kappa is None


# ---------------------------------------------------------------------------- bootstrap


def sample_pairs(n: int = 80, seed: int = 3) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, n)
    b = np.clip(a + rng.integers(-1, 2, n), 1, 5)
    return [(str(x), str(y)) for x, y in zip(a, b, strict=True)]


def test_bootstrap_is_seeded_and_reproducible():
    pairs = sample_pairs()
    first = question_agreement(make_q("scale"), pairs)
    again = question_agreement(make_q("scale"), list(reversed(pairs)))  # order does not matter
    other = question_agreement(make_q("scale"), pairs, seed=1)
    assert first == again
    assert first.ci != other.ci
    for name in STATISTICS:
        low, high = first.ci[name] or (None, None)
        if name == "weighted_kappa" or getattr(first, name) is not None:
            assert low is not None
            assert low <= getattr(first, name) <= high


def test_no_bootstrap_when_asked():
    result = question_agreement(make_q("scale"), sample_pairs(), n_boot=0)
    assert all(interval is None for interval in result.ci.values())
    assert result.cohen_kappa is not None


def test_bootstrap_matches_resampling_pairs_with_replacement():
    # Resampling pairs is a multinomial over the distinct (A, B) cells; check the intervals
    # against the textbook procedure (draw pair indices) with many replicates.
    pairs = sample_pairs(120, seed=11)
    ours = question_agreement(make_q("scale"), pairs, n_boot=4000)
    rng = np.random.default_rng(99)
    a = np.array([int(x) for x, _ in pairs])
    b = np.array([int(y) for _, y in pairs])
    pick = rng.integers(0, len(pairs), (4000, len(pairs)))
    ra, rb = a[pick], b[pick]
    labels = np.arange(1, 6)
    na = (ra[..., None] == labels).sum(axis=1)
    nb = (rb[..., None] == labels).sum(axis=1)
    po = (ra == rb).mean(axis=1)
    pe = (na * nb).sum(axis=1) / len(pairs) ** 2
    kappas = (po - pe) / (1 - pe)
    assert close(float(kappas[0]), cohen_kappa_score(ra[0], rb[0]))
    low, high = np.percentile(kappas, [2.5, 97.5])
    assert ours.ci["cohen_kappa"] == pytest.approx((low, high), abs=0.02)


def test_large_rounds_bootstrap_in_blocks():
    rng = np.random.default_rng(5)
    a = rng.normal(100, 20, 5000).round(1)
    b = (a + rng.normal(0, 5, 5000)).round(1)
    q = make_q("number", {"tolerance": {"rel": 0.1}})
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    result = question_agreement(q, pairs, n_boot=200)
    low, high = result.ci["krippendorff_alpha"]
    assert low <= result.krippendorff_alpha <= high
    assert high - low < 0.02
    # Within 10 % of the larger, in decimal (binary floating point misjudges exact ties).
    tenth = Decimal("0.1")
    decimal = [(Decimal(repr(x)), Decimal(repr(y))) for x, y in pairs]
    within = sum(abs(x - y) <= tenth * max(abs(x), abs(y)) for x, y in decimal)
    assert result.percent_agreement == within / len(pairs)


# ---------------------------------------------------------------------------- tabulate


def test_tabulate_yes_no_states_how_many_pairs_both_said_yes():
    pairs = [("yes", "yes")] * 15 + [("yes", "no")] * 4 + [("no", "yes")] * 3 + [("no", "no")] * 10
    pairs += [("yes", "dk"), (None, "no")]
    found = tabulate(make_q("yesno"), pairs)
    assert (found.pairs, found.usable, found.missing, found.skipped) == (34, 32, 2, 0)
    row = found.option("yes")
    assert (row.both, row.only_a, row.only_b, row.neither, row.either) == (15, 4, 3, 10, 22)
    assert [row.code for row in found.options] == ["yes"]


def test_tabulate_single_and_multi():
    single = tabulate(
        make_q("single"), [("trade", "trade"), ("trade", "health"), ("culture", "health")]
    )
    assert single.option("trade") == single.options[0]
    assert (single.option("trade").both, single.option("trade").only_a) == (1, 1)
    assert (single.option("health").only_b, single.option("health").neither) == (2, 1)
    multi = tabulate(
        make_q("multi"),
        [(["trade", "health"], ["trade"]), (["culture"], ["culture", "trade"]), ([], ["trade"])],
    )
    assert multi.usable == 2
    assert multi.missing == 1
    trade = multi.option("trade")
    assert (trade.both, trade.only_a, trade.only_b, trade.neither) == (1, 0, 1, 0)
    for row in multi.options:
        assert row.both + row.only_a + row.only_b + row.neither == multi.usable


def test_tabulate_with_outcomes_separates_skipped_from_missing():
    pairs = [("yes", "yes"), ("yes", None), ("no", "yes"), ("yes", "no")]
    outcomes = ["agree", "skipped", "missing", "disagree"]
    found = tabulate(make_q("yesno"), pairs, outcomes=outcomes)
    assert (found.usable, found.missing, found.skipped) == (2, 1, 1)


def test_tabulate_refuses_questions_without_options():
    with pytest.raises(ValueError, match="no options to count"):
        tabulate(make_q("integer"), [])
