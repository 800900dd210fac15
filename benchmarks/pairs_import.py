"""Benchmark: import a pairs file of 10,000 pairs (20,000 rows) into a fresh database.

Generates a synthetic pairs CSV (both sides' places in English and Chinese, organisations,
respondents with e-mail, phone, position, years and language, one extra attribute column),
then times, in a freshly migrated database:

- the baseline, measured in the same run: read the CSV with the csv module and insert the
  same rows with SQLAlchemy Core `executemany` into a scratch table of text columns;
- `import_pairs` creating every pair (check the whole file, create pairs, sides, respondents,
  one audit row, commit);
- `import_pairs` of the same file again (every pair compared, nothing changed).

Ratios, not seconds, are what stays comparable between machines.

    python benchmarks/pairs_import.py [--pairs 10000]

SQLite (a new file in a temporary folder) always; PostgreSQL too when
SURVEY_BENCH_DATABASE_URL names a scratch database (its `public` schema is dropped and
rebuilt, as the tests do). Invitation queueing joins this benchmark with interview rounds.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HEADER = [
    "pair", "kind", "established", "side", "place_en", "place_zh", "region", "organization",
    "respondent_name", "respondent_email", "respondent_phone", "position", "years_involved",
    "language", "twinned_by",
]  # fmt: skip
KINDS = ("city", "city", "city", "state", "cross-strait")
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静丽强磊军洋"


def make_pairs_csv(path: Path, n_pairs: int) -> None:
    """Write a valid pairs file of `n_pairs` pairs, one row per side (us, cn)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(n_pairs):
            code, kind, year = f"us{i:05d}-cn{i:05d}", KINDS[i % len(KINDS)], 1979 + i % 40
            twin = "Sister Cities International" if i % 3 else ""
            writer.writerow(
                [code, kind, year, "us", f"Springfield {i}", f"斯普林菲尔德{i}", "Ohio",
                 f"Springfield {i} Sister City Association", f"Pat Doe {i}",
                 f"pat.doe{i}@example.org", f"+1-555-01{i % 100:02d}", "President", i % 30,
                 "en", twin]
            )  # fmt: skip
            name = SURNAMES[i % 10] + GIVEN[(i // 10) % 10]
            writer.writerow(
                [code, kind, year, "cn", f"Xinyang {i}", f"信阳{i}", "Henan",
                 f"信阳{i}市外事办公室", name, f"contact{i}@example.com",
                 f"+86-555-01{i % 100:02d}", "科长", i % 25, "zh-Hans", twin]
            )  # fmt: skip


def timed(action: Callable[[], object]) -> float:
    """Seconds one run of `action` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def baseline(url: str, path: Path) -> float:
    """csv module + Core executemany of the same rows into a scratch table, committed."""
    from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

    from survey.db import make_engine

    engine = make_engine(url)
    table = Table(
        "bench_pair_rows",
        MetaData(),
        Column("id", Integer, primary_key=True),
        *(Column(name, Text) for name in HEADER),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)

    def run() -> None:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = [dict(zip(HEADER, cells, strict=True)) for cells in reader]
        with engine.begin() as connection:
            connection.execute(insert(table), rows)

    try:
        return timed(run)
    finally:
        table.drop(engine)
        engine.dispose()


def import_times(url: str, path: Path) -> tuple[float, float, float]:
    """Seconds for the first import (all created), the second (all unchanged), and creating
    a round over every pair and queueing its invitations (one per side)."""
    from survey import create_app
    from survey.db import db, writing
    from survey.studies import pairs, services

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 40, "LINK_KEY": "k" * 40})
    with app.app_context():
        with writing():
            study = services.create_study(db.session, "bench", [("us", "en"), ("cn", "zh-Hans")])
            db.session.commit()

        def run() -> None:
            with writing():
                pairs.import_pairs(db.session, study, path)
                db.session.commit()

        first, second = timed(run), timed(run)
        queued = timed(lambda: queue_invitations(study))
        db.session.remove()
        db.engine.dispose()
    return first, second, queued


def queue_invitations(study) -> int:  # noqa: ANN001
    """Create an open round of the sister-city questionnaire and queue every invitation."""
    from survey.db import db, writing
    from survey.questionnaires import services as questionnaires
    from survey.rounds import invite
    from survey.rounds import services as rounds

    root = Path(__file__).resolve().parents[1]
    with writing():
        q = questionnaires.load_source(root / "questionnaires" / "sister-cities.yaml")
        questionnaires.import_questionnaire(db.session, q, study=study)
        round_ = rounds.create_round(db.session, study, "Bench wave", q.key)
        rounds.set_state(db.session, round_, "open")
        report = invite.invite_round(db.session, round_)
        db.session.commit()
    return report.queued


def fresh_schema(url: str) -> None:
    """Migrate a new SQLite file, or drop and rebuild a scratch PostgreSQL schema."""
    from alembic import command
    from sqlalchemy import text

    from survey.db import make_engine
    from survey.schema import alembic_config

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")


def measure(url: str, path: Path) -> dict[str, float]:
    """The three timings on one database."""
    fresh_schema(url)
    base = baseline(url, path)
    first, second, queued = import_times(url, path)
    return {
        "csv + Core executemany (baseline)": base,
        "import_pairs, all created": first,
        "import_pairs again, all unchanged": second,
        "round + queue 2 invitations per pair": queued,
    }


def report(name: str, results: dict[str, float], n_pairs: int) -> list[str]:
    """Lines of the result table: total, per pair and the ratio to the baseline."""
    base = next(iter(results.values()))
    lines = [f"{name}", f"  {'':36} {'total s':>9} {'ms/pair':>9} {'× baseline':>11}"]
    for label, seconds in results.items():
        lines.append(
            f"  {label:36} {seconds:9.2f} {seconds * 1000 / n_pairs:9.3f} {seconds / base:11.1f}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark on SQLite (and PostgreSQL when configured) and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    args = parser.parse_args(argv)
    # Run as a script, the repository root is not on the path; add it so `survey` imports.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.csv"
        make_pairs_csv(path, args.pairs)
        size = path.stat().st_size
        print(f"{args.pairs:,} pairs, {2 * args.pairs:,} rows, {size / 1e6:.1f} MB of CSV")
        databases = {"SQLite (file, WAL)": f"sqlite:///{folder}/bench.sqlite"}
        if os.environ.get("SURVEY_BENCH_DATABASE_URL"):
            databases["PostgreSQL"] = os.environ["SURVEY_BENCH_DATABASE_URL"]
        for name, url in databases.items():
            print("\n".join(report(name, measure(url, path), args.pairs)))


if __name__ == "__main__":
    main()
