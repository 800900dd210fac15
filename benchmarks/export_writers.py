"""Benchmark: the wide export to CSV and SPSS for a large synthetic round.

Generates a questionnaire of 60 questions (every answerable type, three languages) and
a stream of pair records (answers with Chinese text, emoji, formula-like strings, dk/rf
and blanks), then times, each beside floors measured in the same run:

- wide CSV (`layouts.wide` + `writers.write_csv`) against the floor: the same rows
  (the wide layout's rows for the same records) written with the plain `csv` module,
  with no conversion and no formula neutralisation. Target: within 2x the floor.
  Also shown: the ratio to an I/O floor, the finished text rows written by `csv`
  alone, which leaves out the layout too (the whole cost of the Python layer).
- wide .sav (`writers.write_sav`) against the same CSV floor and against pyreadstat
  writing the finished DataFrame (the library's own cost).

Then the peak memory (tracemalloc) of the streaming CSV at every size: it must stay
flat, because rows are produced and written one at a time. Ratios, not seconds, are
what stays comparable between machines.

    python benchmarks/export_writers.py [--pairs 10000 50000] [--questions 60] [--sav]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey.core.questionnaire import CompareRule, Option, Question, Questionnaire, Section
from survey.exports import layouts, writers
from survey.exports.layouts import PairRecord, SideRecord
from survey.exports.writers import stat_encoding

SIDES = ("us", "cn")
CYCLE = ("single", "yesno", "integer", "scale", "multi", "number", "year", "date", "text")
RULES = {
    "single": CompareRule("exact"), "yesno": CompareRule("exact"),
    "integer": CompareRule("tolerance", 1), "scale": CompareRule("none"),
    "multi": CompareRule("overlap", 0.5), "number": CompareRule("tolerance", 0.1, True),
    "year": CompareRule("exact"), "date": CompareRule("within_days", 31),
    "text": CompareRule("review"),
}  # fmt: skip
TEXTS = (
    '城市之间的交流 😀 “引号” and "quotes"',
    '=HYPERLINK("http://x?"&A1,"x")',
    "-2",
    "line one\r\nline two, with a comma",
    "姊妹市關係（臺灣）",
    "plain text",
)
POOL = 97  # distinct sides to cycle through, so generating records costs next to nothing


def questionnaire(count: int) -> Questionnaire:
    """`count` questions cycling through the answerable types, texts in three languages."""
    options = tuple(
        Option(code, {"en": f"Option {code}", "zh-Hans": f"选项{code}", "zh-Hant": f"選項{code}"})
        for code in ("a", "b", "c", "d", "e")
    )
    questions = []
    for number in range(count):
        kind = CYCLE[number % len(CYCLE)]
        questions.append(
            Question(
                key=f"q{number}_{kind}",
                type=kind,
                text={
                    "en": f"Question {number}?",
                    "zh-Hans": f"问题{number}？",
                    "zh-Hant": f"問題{number}？",
                },  # fmt: skip
                options=options if kind in ("single", "scale", "multi") else (),
                compare=RULES[kind],
            )
        )
    section = Section("main", {"en": "Main"}, tuple(questions))
    return Questionnaire("bench", "1", ("en", "zh-Hans", "zh-Hant"), {"en": "Bench"}, (section,))


def _answer(q: Question, rnd: random.Random) -> Any:
    draw = rnd.random()
    if draw < 0.04:
        return rnd.choice(("dk", "rf"))
    if draw < 0.08:
        return None
    kinds: dict[str, Callable[[], Any]] = {
        "single": lambda: rnd.choice(q.option_codes),
        "scale": lambda: rnd.choice(q.option_codes),
        "yesno": lambda: rnd.choice(("yes", "no")),
        "multi": lambda: [c for c in q.option_codes if rnd.random() < 0.4],
        "integer": lambda: rnd.randint(-50, 5000),
        "number": lambda: rnd.choice((1.5, 2, 0.125, 123456.75)),
        "year": lambda: rnd.randint(1979, 2009),
        "date": lambda: (date(2000, 1, 1) + timedelta(days=rnd.randint(0, 3000))).isoformat(),
        "text": lambda: rnd.choice(TEXTS),
    }
    return kinds[q.type]()


def records(q: Questionnaire, pairs: int, seed: int = 7) -> Iterator[PairRecord]:
    """A lazy stream of `pairs` records drawn from a small pool of sides."""
    rnd = random.Random(seed)
    answerable = [question for question in q.questions() if question.is_answerable]
    compared = [question.key for question in answerable if question.is_compared]
    when = datetime(2009, 5, 1, 8, 30, tzinfo=UTC)
    pool = [
        tuple(
            SideRecord(side, f"City {n}", f"城市{n}", "region", "Foreign Affairs Office",
                       f"Person {n}", "a@b.c",
                       "en", "web", "submitted", when,
                       {question.key: _answer(question, rnd) for question in answerable})
            for side in SIDES
        )
        for n in range(POOL)
    ]  # fmt: skip
    outcomes = [
        {key: (rnd.choice(("agree", "disagree", "missing", "skipped")), None) for key in compared}
        for _ in range(POOL)
    ]
    for n in range(pairs):
        yield PairRecord(f"pair-{n}", "city", 1980 + n % 30, {}, pool[n % POOL], outcomes[n % POOL])


def _timed(action: Callable[[], Any], repeat: int = 3) -> float:
    """The best of `repeat` runs: the least disturbed by whatever else the machine does."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _write_rows(path: str, header: list[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def csv_floor(q: Questionnaire, given: list[PairRecord], path: str) -> float:
    """The layout's rows for the same records, written by the plain csv module."""
    header = [v.name for v in layouts.wide(q, SIDES, ()).table("csv").variables]
    return _timed(lambda: _write_rows(path, header, layouts.wide(q, SIDES, given).rows))


def io_floor(q: Questionnaire, pairs: int, path: str) -> float:
    """Finished text rows (those of POOL pairs, cycled) written by the plain csv module."""
    table = layouts.wide(q, SIDES, records(q, POOL)).table("csv")
    rows = [row for batch in writers.text_batches(table) for row in batch]
    header = [v.name for v in table.variables]
    return _timed(lambda: _write_rows(path, header, itertools.islice(itertools.cycle(rows), pairs)))


def csv_export(q: Questionnaire, given: list[PairRecord], path: str) -> float:
    return _timed(lambda: writers.write_csv(layouts.wide(q, SIDES, given), path))


def sav_export(q: Questionnaire, given: list[PairRecord], path: str) -> float:
    return _timed(lambda: writers.write_sav(layouts.wide(q, SIDES, given), path), repeat=1)


def sav_floor(q: Questionnaire, pairs: int, path: str) -> float:
    """pyreadstat alone: the finished frame, no labels, written as .sav."""
    import pandas as pd
    import pyreadstat

    table = layouts.wide(q, SIDES, records(q, pairs)).table("sav")
    encoders = [stat_encoding._stat_encoder(v, "sav") for v in table.variables]
    columns, _ = stat_encoding._encode_columns(table, encoders)
    frame = pd.DataFrame({v.name: c for v, c in zip(table.variables, columns, strict=True)})
    return _timed(lambda: pyreadstat.write_sav(frame, path))


def peak_memory(q: Questionnaire, pairs: int, path: str) -> int:
    """Peak traced memory (bytes) of the streaming wide CSV export."""
    tracemalloc.start()
    try:
        writers.write_csv(layouts.wide(q, SIDES, records(q, pairs)), path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--sav", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    q = questionnaire(args.questions)
    peaks = []
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out")
        for pairs in args.pairs:
            given = list(records(q, pairs))  # as the database layer hands them over
            floor, bare = csv_floor(q, given, out), io_floor(q, pairs, out)
            ours = csv_export(q, given, out)
            size = os.path.getsize(out) / 2**20
            print(f"{pairs:>7} pairs  wide CSV {ours:6.2f} s  floor {floor:6.2f} s  "
                  f"ratio {ours / floor:4.2f} (target 2)  I/O floor {bare:6.2f} s  "
                  f"ratio {ours / bare:4.2f}  ({size:.0f} MiB)")  # fmt: skip
            if args.sav:
                library, sav = sav_floor(q, pairs, out), sav_export(q, given, out)
                print(f"{pairs:>7} pairs  wide .sav {sav:6.2f} s  ratio to CSV floor "
                      f"{sav / floor:4.2f}  to pyreadstat alone ({library:.2f} s) "
                      f"{sav / library:4.2f}")  # fmt: skip
            peaks.append(peak_memory(q, pairs, out))
            print(f"{pairs:>7} pairs  streaming CSV peak memory {peaks[-1] / 2**20:6.2f} MiB")
    flat = max(peaks) <= 1.5 * min(peaks) + 2**20
    print(f"peak memory {'flat' if flat else 'NOT flat'} across sizes")


if __name__ == "__main__":
    main()
