"""Benchmark: the comparison engine over a whole round of synthetic pairs.

Builds a valid questionnaire of 60 compared questions (every rule; mirrored
sent/received pairs; question and section `relevant` conditions), generates random
answers for both sides of N pairs (blanks, don't know and refused included), then
times `survey.core.compare.compare_round` over all pairs against a baseline measured
in the same run: iterating the same answer dicts and touching every value, the floor
for any pure-Python pass. The 20k/10k ratio shows whether the engine stays linear.
Ratios, not seconds, are what stays comparable between machines. The database part
(loading answers, storing outcomes) is measured separately, later.

    python benchmarks/compare_engine.py [--pairs 10000 20000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

QUESTIONS = 60
SECTION_SIZE = 12
TODAY = date(2009, 6, 1)
# (type, compare rule) at each position of a cycle of twelve; 60 questions = five cycles.
CYCLE: tuple[tuple[str, Any], ...] = (
    ("yesno", "exact"),
    ("integer", {"tolerance": {"abs": 1}}),
    ("integer", {"tolerance": {"abs": 1}}),  # mirrors the previous one in cycles 0, 2, 4
    ("single", "exact"),
    ("multi", {"overlap": 0.5}),
    ("multi", "set"),
    ("scale", {"tolerance": {"abs": 1}}),
    ("number", {"tolerance": {"rel": 0.1}}),
    ("year", "exact"),
    ("date", {"within_days": 31}),
    ("text", "exact"),
    ("text", "review"),
)
CODES = ("trade", "education", "health", "culture", "environment", "governance")
WORDS = ("Boulder", "Lhasa", "ＡＢＣ", "友好城市", "sister  city", "交流", "Trade mission")


def _option_list(type_: str) -> list[dict[str, Any]]:
    codes = [str(point) for point in range(1, 6)] if type_ == "scale" else list(CODES)
    return [{"code": code, "label": {"en": code.title()}} for code in codes]


def _question(index: int) -> dict[str, Any]:
    type_, rule = CYCLE[index % len(CYCLE)]
    question: dict[str, Any] = {
        "key": f"q{index:02d}",
        "type": type_,
        "text": {"en": f"Question {index + 1}"},
        "compare": rule,
    }
    if type_ in ("single", "multi", "scale"):
        question["options"] = _option_list(type_)
    cycle, position = divmod(index, len(CYCLE))
    if type_ == "integer" and cycle % 2 == 0:
        other = index + 1 if position == 1 else index - 1
        question["mirror"] = f"q{other:02d}"
    if position in (3, 7) and index >= len(CYCLE):
        # Depends on the yes/no question that opens the cycle, or on an earlier count.
        first = index - position
        if position == 3:
            question["relevant"] = f"${{q{first:02d}}} = 'yes'"
        else:
            question["relevant"] = f"${{q{first + 1:02d}}} > 2"
    return question


def make_questionnaire() -> Any:
    """A valid synthetic questionnaire: 60 compared questions, 5 sections, mirrors, relevance."""
    from survey.core.questionnaire import Questionnaire, QuestionnaireError
    from survey.core.validate import validate

    questions = [_question(index) for index in range(QUESTIONS)]
    sections = []
    for start in range(0, QUESTIONS, SECTION_SIZE):
        number = start // SECTION_SIZE
        section: dict[str, Any] = {
            "key": f"s{number}",
            "title": {"en": f"Part {number + 1}"},
            "questions": questions[start : start + SECTION_SIZE],
        }
        if number == 4:  # the last section only for pairs whose first answer was yes
            section["relevant"] = "${q00} = 'yes'"
        sections.append(section)
    document = {
        "key": "synthetic",
        "version": "1",
        "languages": ["en"],
        "title": {"en": "Synthetic interview"},
        "sections": sections,
    }
    q = Questionnaire.from_dict(document)
    problems = validate(q, "synthetic")
    if problems:
        raise QuestionnaireError(problems)
    return q


# ---------------------------------------------------------------------------- answers


def _value(rng: random.Random, type_: str) -> Any:
    if type_ == "yesno":
        return rng.choice(("yes", "no"))
    if type_ == "integer":
        return rng.randint(0, 8)
    if type_ == "single":
        return rng.choice(CODES)
    if type_ == "multi":
        chosen = set(rng.sample(CODES, rng.randint(1, 4)))
        return [code for code in CODES if code in chosen]
    if type_ == "scale":
        return str(rng.randint(1, 5))
    if type_ == "number":
        return round(rng.uniform(50, 150), rng.choice((0, 1, 2)))
    if type_ == "year":
        return rng.randint(1979, 2009)
    if type_ == "date":
        return (date(2008, 1, 1) + timedelta(days=rng.randint(0, 400))).isoformat()
    return rng.choice(WORDS)


def make_answers(rng: random.Random, q: Any) -> dict[str, Any]:
    """One side's answers: mostly real values, some blank, don't know or refused."""
    answers: dict[str, Any] = {}
    for question in q.questions():
        roll = rng.random()
        if roll < 0.05:
            continue  # never answered: no key at all
        if roll < 0.08:
            answers[question.key] = rng.choice(("dk", "rf", None))
        else:
            answers[question.key] = _value(rng, question.type)
    return answers


def make_pairs(q: Any, n: int, seed: int) -> list[tuple[int, Any, Any]]:
    """`n` pairs of answers; one pair in a hundred has a side that has not answered."""
    rng = random.Random(seed)
    pairs: list[tuple[int, Any, Any]] = []
    for pair_id in range(n):
        a, b = make_answers(rng, q), make_answers(rng, q)
        if pair_id % 100 == 99:
            b = None
        pairs.append((pair_id, a, b))
    return pairs


# ---------------------------------------------------------------------------- timing


def touch_every_value(keys: list[str], pairs: list[tuple[int, Any, Any]]) -> int:
    """The baseline: read every question's value on both sides of every pair."""
    seen = 0
    for _pair_id, a, b in pairs:
        for side in (a, b):
            if side is not None:
                for key in keys:
                    if side.get(key) is not None:
                        seen += 1
    return seen


def measure(sizes: list[int], repeat: int, seed: int) -> dict[int, tuple[float, float, int]]:
    """Per size: (baseline seconds, compare_round seconds, outcomes).

    Every size times a prefix of the same generated pairs, and the sizes take turns in
    each repeat, so the ratio between sizes reflects the engine, not the data or the
    machine's mood at one moment.
    """
    from survey.core.compare import compare_round

    q = make_questionnaire()
    everything = make_pairs(q, max(sizes), seed)
    keys = [question.key for question in q.questions()]
    best: dict[int, tuple[float, float, int]] = {}
    for _ in range(repeat):
        for n in sizes:
            pairs = everything[:n]
            start = time.perf_counter()
            touch_every_value(keys, pairs)
            baseline = time.perf_counter() - start
            start = time.perf_counter()
            outcomes = sum(len(found) for _, found in compare_round(q, pairs, today=TODAY))
            engine = time.perf_counter() - start
            old = best.get(n, (baseline, engine, outcomes))
            best[n] = (min(old[0], baseline), min(old[1], engine), outcomes)
    return best


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 20_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20090601)
    args = parser.parse_args(argv)
    # Run as a script, the repository root is not on the path; add it so `survey` imports.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sizes = sorted(set(args.pairs))
    print(f"{QUESTIONS} compared questions; best of {args.repeat} runs")
    print(f"{'pairs':>8} {'outcomes':>10} {'baseline s':>11} {'engine s':>9} "
          f"{'µs/pair':>8} {'× baseline':>11}")  # fmt: skip
    results = measure(sizes, args.repeat, args.seed)
    for n in sizes:
        baseline, engine, outcomes = results[n]
        print(f"{n:8d} {outcomes:10d} {baseline:11.3f} {engine:9.3f} "
              f"{engine / n * 1e6:8.1f} {engine / baseline:11.1f}")  # fmt: skip
    for small, large in zip(sizes, sizes[1:], strict=False):
        ratio = results[large][1] / results[small][1]
        print(f"time {large} / time {small} = {ratio:.2f} (pairs ratio {large / small:.2f})")


if __name__ == "__main__":
    main()
