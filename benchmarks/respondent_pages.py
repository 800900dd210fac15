"""Benchmark: the respondent's pages under gunicorn, each beside a bare baseline of the same run.

Serves the app with gunicorn (2 sync workers) on loopback over a scratch database
(SQLite in a temporary folder; PostgreSQL when SURVEY_BENCH_DATABASE_URL names a
scratch database, whose public schema is dropped and rebuilt) and measures, with
a few client threads:

  question page  GET of a section page of the sister-city questionnaire, beside a
                 bare Flask route rendering a template of the same size (the page's
                 own HTML as a template: the target's baseline); and, for scale,
                 beside a bare route drawing the same questions with a plain Jinja
                 form template padded to the same size (the issue's reference: "a
                 bare Flask route rendered a 45 KB, 40-question Jinja page");
  save 20        POST of a 20-answer page (every answer changed, so 20 writes, an audit
                 row and a redirect), beside a bare route that receives the same form
                 body and inserts its 20 answers as rows in one transaction on the same
                 database (the same bytes cross the wire and are parsed on both sides,
                 so the ratio compares what the application does with them).

Requests per second and p50/p99 latency are printed, and the ratio of the
respondent figure to its baseline (target: at least 0.5x). Ratios, not seconds,
stay comparable between machines.

The client threads share the two cores with the servers, so they do the least a
client can and the same for both sides (`Wire`: one keep-alive urllib3 connection
each, the body encoded once per request). A heavier client is measured too: with
`requests` (until 2026-11-29) the client cost more per request than the bare
baselines' servers, which pulled every ratio towards 1, and more for a 303 than for
a 200, which pulled the save's ratio down.

    python benchmarks/respondent_pages.py [--seconds 10] [--slices 10] [--clients 4] [--workers 2]
                                          [--backend all|sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
FIELDS = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
ANSWERS = 20


# ---------------------------------------------------------------------------- the served app


def wsgi():  # noqa: ANN201  (gunicorn's factory: `respondent_pages:wsgi()`)
    """The survey app, with the two baselines mounted under /baseline."""
    from flask import Flask, render_template, request
    from sqlalchemy import text
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    import survey
    from survey.db import make_engine

    app = survey.create_app()
    if "responding" not in app.blueprints:  # until the factory registers the feature
        from survey.responding import install_log_redaction, views

        app.register_blueprint(views.bp)
        install_log_redaction(app)
    baseline = Flask("baseline", template_folder=os.environ["BENCH_TEMPLATES"])
    engine = make_engine(app.config["DATABASE_URL"])

    @baseline.get("/page")
    def page() -> str:
        return render_template("page.html", number=secrets.randbelow(1000))

    @functools.cache
    def form() -> dict[str, Any]:  # written once the app serves: see _form_baseline
        return json.loads(Path(os.environ["BENCH_TEMPLATES"], "form.json").read_text("utf-8"))

    @baseline.get("/form")
    def form_page() -> str:
        return render_template("form.html", token=secrets.token_urlsafe(32), **form())

    @baseline.post("/insert")
    def insert() -> str:
        form = request.form
        rows = [{"key": f"count_{n}", "value": form[f"count_{n}"]} for n in range(ANSWERS)]
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_rows (key, value) VALUES (:key, :value)"), rows
            )
        return "ok"

    return DispatcherMiddleware(app, {"/baseline": baseline})


# A bare Jinja form page, as a framework's minimal form renderer draws one: for scale,
# as the issue's reference ("a bare Flask route rendered a 45 KB, 40-question Jinja
# page"). Not the target's baseline, which is the static page of the same bytes.
FORM_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ section.title }} – {{ title }}</title>
<link rel="stylesheet" href="/static/survey.css"></head>
<body><form method="post" action="/respond/p/{{ section.key }}" novalidate>
<input type="hidden" name="csrf_token" value="{{ token }}">
<header><p>{{ title }}</p><nav>{% for code, name in languages %}
<button type="submit" name="_lang" value="{{ code }}">{{ name }}</button>{% endfor %}</nav></header>
<main><p>Part {{ number }} of {{ total }}</p><h1>{{ section.title }}</h1>
{%- for q in section.questions %}
<div class="question" id="q-{{ q.key }}">
{%- if q.options %}
<fieldset><legend>{{ q.text }}{% if q.required %} *{% endif %}</legend>
{%- if q.help %}<p class="hint">{{ q.help }}</p>{% endif %}
{%- for o in q.options %}
<label><input type="radio" name="{{ q.key }}" value="{{ o.code }}"
{%- if values[q.key] == o.code %} checked{% endif %}> {{ o.label }}</label>
{%- endfor %}</fieldset>
{%- else %}
<label for="f-{{ q.key }}">{{ q.text }}{% if q.required %} *{% endif %}</label>
{%- if q.help %}<p class="hint" id="h-{{ q.key }}">{{ q.help }}</p>{% endif %}
<input id="f-{{ q.key }}" name="{{ q.key }}" inputmode="numeric" value="{{ values[q.key] }}">
{%- endif %}
<input type="hidden" name="_v.{{ q.key }}" value="{{ versions[q.key] }}">
</div>
{%- endfor %}
<div class="actions"><button type="submit" name="_nav" value="back">Back</button>
<button type="submit" name="_nav" value="next">Next</button></div></main></form>
</body></html>
"""


def _form_baseline(folder: Path, data: dict[str, Any], section: str, size: int) -> None:
    """FORM_TEMPLATE and its data for `section`, padded to `size` bytes when drawn."""
    from jinja2 import Environment

    def text(texts: dict[str, str]) -> str:
        return texts.get("en", "")

    part = next(s for s in data["sections"] if s["key"] == section)
    questions = [
        {"key": q["key"], "text": text(q["text"]), "help": text(q.get("help", {})),
         "required": q.get("required", False),
         "options": [{"code": o["code"], "label": text(o["label"])} for o in q.get("options", [])]
         or ([{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}]
             if q["type"] == "yesno" else [])}
        for q in part["questions"]
    ]  # fmt: skip
    form = {
        "lang": "en", "title": text(data["title"]), "number": 2,
        "total": len(data["sections"]),
        "section": {"key": section, "title": text(part["title"]), "questions": questions},
        "languages": [["en", "English"], ["zh_Hans", "简体中文"], ["zh_Hant", "繁體中文"]],
        "values": {q["key"]: "" for q in questions}, "versions": {q["key"]: 0 for q in questions},
    }  # fmt: skip
    drawn = Environment(autoescape=True).from_string(FORM_TEMPLATE).render(token="x" * 43, **form)
    padding = max(0, size - len(drawn.encode()) - len("<!--  -->\n"))
    template = FORM_TEMPLATE + "<!-- " + "x" * padding + " -->\n"
    (folder / "templates" / "form.html").write_text(template, "utf-8")
    (folder / "templates" / "form.json").write_text(json.dumps(form), "utf-8")


# ---------------------------------------------------------------------------- setup


def _questionnaire(folder: Path) -> Path:
    """The sister-city questionnaire plus a section of 20 number questions."""
    import yaml

    data = yaml.safe_load((ROOT / "questionnaires" / "sister-cities.yaml").read_text("utf-8"))
    data["key"], data["version"] = "bench", "1"
    questions = [
        {
            "key": f"count_{n}",
            "type": "integer",
            "min": 0,
            "text": {
                "en": f"How many exchanges of kind {n} took place?",
                "zh-Hans": f"第{n}类交流有多少次？",
                "zh-Hant": f"第{n}類交流有多少次？",
            },
            "compare": {"tolerance": {"abs": 1}},
        }
        for n in range(ANSWERS)
    ]
    title = {"en": "Counts", "zh-Hans": "次数", "zh-Hant": "次數"}
    data["sections"].insert(0, {"key": "counts", "title": title, "questions": questions})
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _prepare_database(url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from survey.db import make_engine
    from survey.schema import alembic_config

    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(url), "head")
    with engine.begin() as connection:
        key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
        connection.execute(
            text(f"CREATE TABLE bench_rows (id {key} PRIMARY KEY, key TEXT, value TEXT)")
        )
    engine.dispose()


def _seed(url: str, questionnaire: Path, env: dict[str, str], clients: int) -> list[str]:
    """A study with enough pairs for one respondent per client thread; returns their links."""
    import survey
    from survey.accounts import services as accounts
    from survey.core.loader import load_file
    from survey.db import db, writing
    from survey.questionnaires import services as questionnaires
    from survey.rounds import services as rounds
    from survey.studies import services as studies
    from survey.studies.models import Pair, PairSide, Respondent

    app = survey.create_app(
        {"DATABASE_URL": url, "SECRET_KEY": env["SURVEY_SECRET_KEY"],
         "LINK_KEY": env["SURVEY_LINK_KEY"], "BASE_URL": env["SURVEY_BASE_URL"]}
    )  # fmt: skip
    with app.app_context(), writing():
        session = db.session
        owner = accounts.create_user(session, "bench@example.org", "correct horse battery staple")
        study = studies.create_study(
            session, "bench", [("us", "en"), ("cn", "zh-Hans")], owner=owner
        )
        q = load_file(questionnaire)
        questionnaires.import_questionnaire(session, q, study=study)
        for number in range((clients + 1) // 2):
            pair = Pair(study_id=study.id, code=f"pair-{number}", kind="city", attributes={})
            session.add(pair)
            session.flush()
            for side in study.sides:
                pair_side = PairSide(
                    pair_id=pair.id, side_id=side.id, place_en="Boulder", place_zh="博尔德"
                )
                session.add(pair_side)
                session.flush()
                session.add(
                    Respondent(pair_side_id=pair_side.id, name="R", language=side.default_language)
                )
        round_ = rounds.create_round(session, study, "Bench", q.key)
        rounds.set_state(session, round_, "open")
        rounds.ensure_invitations(session, round_)
        links = [rounds.link_of(row.invitation) for row in rounds.invitation_rows(session, round_)]
        session.commit()
        db.session.remove()
    db.engine.dispose()
    return links[:clients]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--pythonpath", str(Path(__file__).parent), "--log-level", "warning",
        "respondent_pages:wsgi()",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    raise SystemExit("gunicorn did not start")


# ---------------------------------------------------------------------------- the respondents


class Wire:
    """One client thread's keep-alive connection, doing as little as a client can.

    Both sides of a comparison are driven through this, so the client's own work per
    request (on the same two cores as the servers) is the same for both. `requests`
    was not: for every redirect it prepares the next request even when told not to
    follow it, which cost the 303 of a save about 0.4 ms of client CPU that the
    baseline's 200 did not.
    """

    def __init__(self, base: str, cookie: str = "") -> None:
        address = urllib.parse.urlsplit(base)
        self.pool = urllib3.HTTPConnectionPool(
            address.hostname, address.port, maxsize=1, retries=False, timeout=30
        )
        self.headers = {"Cookie": cookie} if cookie else {}

    def get(self, path: str) -> urllib3.BaseHTTPResponse:
        return self.pool.request("GET", path, headers=self.headers, redirect=False)

    def post(self, path: str, form: dict[str, str]) -> urllib3.BaseHTTPResponse:
        return self.pool.request(
            "POST", path, body=urllib.parse.urlencode(form), redirect=False,
            headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip


class Respondent:
    """One client thread's respondent: a session, the page's form fields, answer versions."""

    def __init__(self, base: str, link: str) -> None:
        self.base, self.http = base, requests.Session()
        self.http.get(base + link[link.index("/r/") :], timeout=10)
        self.fields = dict(
            FIELDS.findall(self.http.get(base + "/respond/p/counts", timeout=10).text)
        )
        self.wire = Wire(base, "; ".join(f"{c.name}={c.value}" for c in self.http.cookies))
        self.round = 0

    def question_page(self) -> None:
        response = self.wire.get("/respond/p/relationship")
        assert response.status == 200, response.status

    def form(self) -> dict[str, str]:
        """The counts page as the browser posts it, every answer changed."""
        self.round += 1
        data = dict(self.fields)
        data.update({f"count_{n}": str(self.round) for n in range(ANSWERS)})
        data["_nav"] = "stay"
        return data

    def save_twenty(self) -> None:
        response = self.wire.post("/respond/p/counts", self.form())
        assert response.status == 303, (response.status, response.data[:300])
        for n in range(ANSWERS):  # every answer changed: each version moved on by one
            self.fields[f"_v.count_{n}"] = str(int(self.fields[f"_v.count_{n}"]) + 1)


def _expect(response: urllib3.BaseHTTPResponse, status: int) -> None:
    """A baseline that failed fast would flatter nobody: its status is checked too."""
    assert response.status == status, (response.status, response.data[:300])


def _timings(work, clients: int, seconds: float) -> tuple[list[float], float]:  # noqa: ANN001
    """Run `work(client_index)` from `clients` threads for `seconds`: latencies, elapsed."""
    deadline = time.monotonic() + seconds

    def loop(index: int) -> list[float]:
        timings = []
        while time.monotonic() < deadline:
            began = time.perf_counter()
            work(index)
            timings.append(time.perf_counter() - began)
        return timings

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        timings = [t for batch in pool.map(loop, range(clients)) for t in batch]
    return timings, time.perf_counter() - began


def _figures(timings: list[float], elapsed: float) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "rps": len(timings) / elapsed,
        "p50": statistics.median(timings) * 1000,
        "p99": timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000,
    }


def _compare(  # noqa: PLR0913
    name: str,
    ours,
    base,
    clients: int,
    seconds: float,
    slices: int,
    *,
    judged: bool = True,  # noqa: ANN001
) -> bool:
    """Measure ours and the baseline in alternating slices; print both and their ratio.

    A shared machine speeds up and slows down over seconds; alternating short slices
    exposes both sides to the same conditions, so the ratio holds still where the
    absolute figures drift. The spread of the per-slice ratios is printed with it.
    """
    runs: dict[str, tuple[list[float], float]] = {"ours": ([], 0.0), "base": ([], 0.0)}
    ratios = []
    for _ in range(slices):
        rates = {}
        for side, work in (("ours", ours), ("base", base)):
            timings, elapsed = _timings(work, clients, seconds / slices)
            kept, total = runs[side]
            runs[side] = (kept + timings, total + elapsed)
            rates[side] = len(timings) / elapsed
        ratios.append(rates["ours"] / rates["base"])
    mine, theirs = _figures(*runs["ours"]), _figures(*runs["base"])
    ratio = mine["rps"] / theirs["rps"]
    print(
        f"{name:<14} {mine['rps']:8.1f} req/s  p50 {mine['p50']:6.1f} ms  p99 {mine['p99']:6.1f} ms"
        f"   baseline {theirs['rps']:8.1f} req/s  p50 {theirs['p50']:5.1f} ms"
        f"  p99 {theirs['p99']:5.1f} ms"
        f"   ratio {ratio:4.2f}x (slices {min(ratios):4.2f}-{max(ratios):4.2f})"
        f" {('ok' if ratio >= 0.5 else 'BELOW 0.5x') if judged else '(for scale)'}"
    )
    return ratio >= 0.5 or not judged


def run(url: str, label: str, args: Any, folder: Path) -> bool:
    """Set up, serve, measure both pairs of scenarios; True when both ratios reach 0.5x."""
    port = _free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": secrets.token_urlsafe(48),
        "SURVEY_LINK_KEY": secrets.token_urlsafe(48),
        "SURVEY_BASE_URL": f"http://127.0.0.1:{port}",
        "BENCH_TEMPLATES": str(folder / "templates"),
    }
    _prepare_database(url)
    links = _seed(url, _questionnaire(folder), env, args.clients)
    base = f"http://127.0.0.1:{port}"
    process = _start_gunicorn(env, port, args.workers)
    try:
        people = [Respondent(base, link) for link in links]
        page = people[0].http.get(base + "/respond/p/relationship", timeout=10).text
        (folder / "templates").mkdir(exist_ok=True)
        # The same number of bytes through Jinja, with one variable so that it renders.
        (folder / "templates" / "page.html").write_text(page + "<!-- {{ number }} -->", "utf-8")
        import yaml

        source = yaml.safe_load((folder / "bench.yaml").read_text("utf-8"))
        _form_baseline(folder, source, "relationship", len(page.encode()))
        baselines = [Wire(base) for _ in range(args.clients)]
        print(
            f"\n{label}: question page {len(page.encode())} bytes, {args.clients} clients, "
            f"{args.workers} gunicorn workers, {args.seconds:.0f} s a side in {args.slices} slices"
        )
        _timings(lambda i: people[i].question_page(), args.clients, 1)  # warm-up
        ok = _compare(
            "question page",
            lambda i: people[i].question_page(),
            lambda i: _expect(baselines[i].get("/baseline/page"), 200),
            args.clients,
            args.seconds,
            args.slices,
        )
        _compare(
            "  v. Jinja form",
            lambda i: people[i].question_page(),
            lambda i: _expect(baselines[i].get("/baseline/form"), 200),
            args.clients,
            args.seconds / 2,
            args.slices // 2,
            judged=False,
        )
        ok &= _compare(
            "save 20",
            lambda i: people[i].save_twenty(),
            lambda i: _expect(baselines[i].post("/baseline/insert", people[i].form()), 200),
            args.clients,
            args.seconds,
            args.slices,
        )
        return ok
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario and side")
    parser.add_argument("--slices", type=int, default=10, help="alternations of the two sides")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--backend", choices=("all", "sqlite", "postgresql"), default="all",
        help="PostgreSQL runs when SURVEY_BENCH_DATABASE_URL is set",
    )  # fmt: skip
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend != "postgresql":
            results.append(run(f"sqlite:///{folder / 'bench.sqlite'}", "SQLite", args, folder))
        if os.environ.get("SURVEY_BENCH_DATABASE_URL") and args.backend != "sqlite":
            results.append(run(os.environ["SURVEY_BENCH_DATABASE_URL"], "PostgreSQL", args, folder))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
