"""Benchmark: machine instructions per respondent request, counted by callgrind.

`respondent_pages.py` times the pages under gunicorn and wrk; on a machine shared with
other work its figures move by 2x and more from one run to the next. This one counts
the instructions the app executes per request (valgrind's callgrind), which do not
depend on what else the machine is doing: the same code gives the same count, so two
trees can be compared on a busy machine to a fraction of a percent.

Each scenario runs in its own process under valgrind, in-process (no HTTP server: the
WSGI app is called directly with a prepared environ, so the count is the app's own
work): warm-up requests first, then the counters are zeroed (`callgrind_control -z`),
`--requests` requests run, and the counters are dumped. The scenarios are those of
`respondent_pages.py`, with the app that benchmark serves (baselines and floor mounted):

  page, page baseline   the question page, and the bare Flask route rendering its HTML;
  floor                 what every respondent page does before any work of its own;
  bare                  a route through the app's hooks and session, answering fixed text;
  save, save baseline   the 20-answer save, and the bare route inserting the same 20 rows.

The database is SQLite in a temporary folder, seeded once outside valgrind. Ratios are
the baseline's count over ours, as `respondent_pages.py` gives rates (higher is better);
gunicorn's and the client's work per request, the same on both sides, is not in them.

    python benchmarks/respondent_instructions.py [--requests 100] [--scenarios page,save]

Needs valgrind (Debian's package). About a minute per scenario on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import respondent_pages as rp  # noqa: E402  (the same app, data and scenarios)

SCENARIOS = {  # name → (method, path, expected status)
    "page": ("GET", "/respond/p/relationship", "200"),
    "page baseline": ("GET", "/baseline/page", "200"),
    "floor": ("GET", "/bench/floor", "200"),
    "bare": ("GET", "/bench/bare", "200"),
    "save": ("POST", "/respond/p/counts", "303"),
    "save baseline": ("POST", "/baseline/insert", "200"),
}
PAIRS = (("page", "page baseline"), ("floor", "page baseline"), ("save", "save baseline"))


def _prepare(folder: Path) -> dict[str, str]:
    """Seed the database and write the baseline's template; the environment children use."""
    env = {
        "SURVEY_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "SURVEY_SECRET_KEY": secrets.token_urlsafe(48),
        "SURVEY_LINK_KEY": secrets.token_urlsafe(48),
        "SURVEY_BASE_URL": "http://127.0.0.1:5000",
        "BENCH_TEMPLATES": str(folder / "templates"),
    }
    os.environ.update(env)
    rp._prepare_database(env["SURVEY_DATABASE_URL"])
    links = rp._seed(env["SURVEY_DATABASE_URL"], rp._questionnaire(folder), env, 2)
    (folder / "templates").mkdir()
    client, _fixed = _respondent(links[0][1])
    page = client.get("/respond/p/relationship").text
    (folder / "templates" / "page.html").write_text(page + "<!-- {{ number }} -->", "utf-8")
    env["BENCH_LINK"] = links[0][1]
    return env


def _app() -> Any:
    """The benchmark's WSGI app, with a bare route through the app's hooks added."""
    from survey.accounts.authz import respondent

    wsgi = rp.wsgi()
    survey_app = wsgi.app  # DispatcherMiddleware's main app: the survey app

    @respondent
    def bare() -> str:
        from flask import session

        session.get("respondent")
        return "x" * 9000

    survey_app.add_url_rule("/bench/bare", "bench_bare", bare)
    return wsgi


def _respondent(link: str) -> tuple[Any, str]:
    """A test client holding the respondent's session, and the counts page's fixed fields."""
    import survey

    client = survey.create_app().test_client()
    client.get(link[link.index("/r/") :])
    page = client.get("/respond/p/counts").text
    fields = [(n, v) for n, v in rp.FIELDS.findall(page) if not n.startswith("_v.")]
    return client, urllib.parse.urlencode(fields)


def _child(name: str, count: int, handshake: str) -> None:
    """Run under valgrind: warm up, wait to be zeroed, run `count` requests, wait to be dumped."""
    from werkzeug.test import EnvironBuilder

    method, path, expected = SCENARIOS[name]
    client, fixed = _respondent(os.environ["BENCH_LINK"])
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    app = _app()
    version = [0]

    def environ() -> dict[str, Any]:
        headers = {"Cookie": cookie}
        data = None
        if method == "POST":
            version[0] += 1
            new = version[0]
            parts = [fixed, "_nav=stay"]
            parts += [f"count_{n}={new}&_v.count_{n}={new - 1}" for n in range(rp.ANSWERS)]
            data = "&".join(parts)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        builder = EnvironBuilder(
            path=path, method=method, base_url="http://127.0.0.1:5000", headers=headers, data=data
        )
        return builder.get_environ()

    def call(env: dict[str, Any]) -> None:
        status = []
        body = app(env, lambda s, _h, _e=None: status.append(s))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        if not status[0].startswith(expected):
            raise SystemExit(f"{name}: {status[0]} (expected {expected})")

    for _ in range(20):
        call(environ())
    batch = [environ() for _ in range(count)]
    print("READY", flush=True)
    while not os.path.exists(handshake):
        time.sleep(0.05)
    for env in batch:
        call(env)
    print("DONE", flush=True)
    while os.path.exists(handshake):
        time.sleep(0.05)


def _count(name: str, count: int, env: dict[str, str], folder: Path) -> float:
    """Instructions per request of scenario `name` (millions)."""
    handshake, out = folder / f"go-{name.replace(' ', '-')}", folder / "callgrind"
    out.mkdir(exist_ok=True)
    work = folder / f"db-{name.replace(' ', '-')}"
    work.mkdir()
    shutil.copy(folder / "bench.db", work / "bench.db")
    env = {**os.environ, **env, "SURVEY_DATABASE_URL": f"sqlite:///{work / 'bench.db'}"}
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/{work.name}.%p",
        sys.executable, __file__, "--child", name, "--requests", str(count),
        "--handshake", str(handshake),
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as process:
        for line in process.stdout:
            if line.startswith("READY"):
                subprocess.run(["callgrind_control", "-z", str(process.pid)], check=True,
                               capture_output=True)  # fmt: skip
                handshake.touch()
            elif line.startswith("DONE"):
                subprocess.run(["callgrind_control", "-d", "loop", str(process.pid)], check=True,
                               capture_output=True)  # fmt: skip
                handshake.unlink()
            elif line.strip():
                print(f"  {name}: {line.strip()}", flush=True)
    for dump in out.glob(f"{work.name}.*.1"):
        for line in dump.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]) / count / 1e6
    raise SystemExit(f"{name}: no callgrind dump (exit {process.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--handshake", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.requests, args.handshake)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    wanted = [name.strip() for name in args.scenarios.split(",")]
    unknown = [name for name in wanted if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenarios: {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")
        return 2
    with tempfile.TemporaryDirectory(prefix="survey-instructions-") as name:
        folder = Path(name)
        env = _prepare(folder)
        counts = {}
        for scenario in wanted:
            counts[scenario] = _count(scenario, args.requests, env, folder)
            print(f"{scenario:<14} {counts[scenario]:7.3f} M instructions/request", flush=True)
        for ours, base in PAIRS:
            if ours in counts and base in counts:
                print(f"{ours} / {base}: ratio {counts[base] / counts[ours]:.2f}x")
        print(json.dumps({k: round(v, 4) for k, v in counts.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
