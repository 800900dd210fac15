"""Benchmark: every comparison of a round of N pairs through the API, page by page, against
`survey discrepancies ROUND --outcome all --format json` over the same data, as a ratio.

A synthetic round (N pairs x 60 compared questions, both sides submitted, about a tenth
of the answers disagreeing; the data of benchmarks/compare_round_db.py) is written into a
fresh SQLite file (or the PostgreSQL database in SURVEY_BENCH_DATABASE_URL, which is
wiped) and compared. Then, in the same run, the same list is fetched:

  cli  the command, in this process (its JSON printed into a buffer)
  api  the API through the test client (no sockets: what the server does per page),
       `--limit` comparisons a page, following the Link header to the end

Both lists are checked equal (the API's items cut to the command's fields). The ratio
api / cli is what stays comparable between machines.

Run: python benchmarks/api_comparisons.py --pairs 10000 [--limit 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_round_db import _fresh, compare_all, populate  # noqa: E402
from sqlalchemy import select  # noqa: E402

from survey import create_app  # noqa: E402
from survey.db import db, writing  # noqa: E402

KEYS = ("pair", "kind", "question", "outcome", "status", "values", "rule", "followup")


def _token() -> str:
    from survey.accounts import services as accounts
    from survey.api import tokens
    from survey.studies.models import Study

    study = db.session.scalar(select(Study).where(Study.slug == "bench"))
    user = accounts.create_user(
        db.session, "bench@example.org", "correct horse battery", role="admin"
    )
    secret = tokens.create(db.session, study, user, scope="read", name="bench").secret
    db.session.commit()
    return secret


def run(n_pairs: int, url: str, limit: int, seed: int) -> dict[str, float]:
    _fresh(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "b" * 40,
            "LINK_KEY": "k" * 40,
            "API_RATE_LIMIT": 10**9,
        }  # fmt: skip
    )
    with app.app_context():
        app.test_cli_runner().invoke(args=["db", "upgrade"])
        with writing():
            round_id, _q = populate(n_pairs, seed)
        compare_all(round_id)
        with writing():
            secret = _token()
        db.session.remove()
    runner, client = app.test_cli_runner(), app.test_client()
    args = ["discrepancies", "bench", "--study", "bench", "--outcome", "all", "--format", "json"]
    start = time.perf_counter()
    printed = runner.invoke(args=args)
    cli = time.perf_counter() - start
    assert printed.exit_code == 0, printed.output
    expected = json.loads(printed.output)
    headers = {"Authorization": f"Bearer {secret}"}
    address = f"/api/v1/studies/bench/rounds/bench/comparisons?outcome=all&limit={limit}"
    found, pages = [], 0
    start = time.perf_counter()
    while address:
        response = client.get(address, headers=headers)
        assert response.status_code == 200, response.data[:500]
        found.extend(response.get_json()["items"])
        pages += 1
        link = response.headers.get("Link")
        address = link[1 : link.index(">")].removeprefix("http://localhost") if link else None
    api = time.perf_counter() - start
    assert [{k: item[k] for k in KEYS} for item in found] == expected, "the lists differ"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"comparisons": len(expected), "pages": pages, "cli": cli, "api": api}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2009)
    options = parser.parse_args(argv)
    for n_pairs in options.pairs:
        with tempfile.TemporaryDirectory() as folder:
            url = os.environ.get("SURVEY_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
            found = run(n_pairs, url, options.limit, options.seed)
        print(
            f"{n_pairs} pairs, {found['comparisons']} comparisons in {found['pages']} pages of "
            f"{options.limit}: cli {found['cli']:.2f} s, api {found['api']:.2f} s, "
            f"ratio api/cli {found['api'] / found['cli']:.2f}"
        )


if __name__ == "__main__":
    main()
