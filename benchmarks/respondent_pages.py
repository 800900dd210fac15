"""Benchmark: the respondent's pages under gunicorn and wrk, each beside a bare baseline.

Serves the app with gunicorn (2 sync workers) on loopback over a scratch database
(SQLite in a temporary folder; PostgreSQL when SURVEY_BENCH_DATABASE_URL names a
scratch database, whose public schema is dropped and rebuilt) and drives it with
`wrk` (Debian's package; `wrk -t2 -c8` by default):

  floor          for scale: a route doing only what every respondent page must (the
                 session cookie, the visit's one read in its transaction, a CSRF
                 token) and answering the page's HTML as fixed text, beside the
                 question page's baseline: the ceiling of any page's ratio here;
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

The client is wrk, written in C, so that the client's own work does not dilute the
ratio: a Python client spent about as much CPU per request as the bare baseline's
whole server side, on the same two cores. The save's body is built by a Lua script
from each respondent's session cookie and CSRF token, fetched once beforehand; the
respondents (200 by default) take turns, so that no two saves of one respondent are
ever in flight together, and every save must come back as its 303 (a 200 would be
a conflict or an error page: the run fails).

Printed per scenario and side: requests per second, p50/p99 latency, and the
server's CPU time per request (the gunicorn processes' user + system time, from
psutil; on PostgreSQL also the database backends serving our database). The ratio
is the respondent figure over its baseline's (target: at least 0.5x), by rate and
by CPU per request. The two sides alternate in short slices, so that both meet the
same load from the rest of the machine. Ratios, not seconds, stay comparable
between machines.

    python benchmarks/respondent_pages.py [--seconds 10] [--slices 5] [--threads 2]
        [--connections 8] [--workers 2] [--respondents 200] [--backend all|sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
FIELDS = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
ANSWERS = 20
# This benchmark's share of the machine's ports (SURVEY_BENCH_PORTS="first-last" to move it).
_FIRST, _, _LAST = os.environ.get("SURVEY_BENCH_PORTS", "5100-5199").partition("-")
PORTS = range(int(_FIRST), int(_LAST) + 1)

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
    _mount_floor(app)
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


def _mount_floor(app: Any) -> None:
    """`/bench/floor`: what every respondent page does before it does anything of its own.

    Flask's session cookie read, the visit's one statement in the request's transaction
    (`store.read_visit`, as the pages run it), a CSRF token from Flask-WTF, and the
    page's own HTML as fixed text: no problems worked out, no widget drawn. Its ratio to
    the page baseline is the most any respondent page can reach on this stack.
    """
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from survey.accounts.authz import respondent
    from survey.db import db
    from survey.responding import store

    @functools.cache
    def page() -> tuple[str, str]:  # written once the app serves: see run()
        text = Path(os.environ["BENCH_TEMPLATES"], "page.html").read_text("utf-8")
        return tuple(text.split("{{ number }}", 1))  # type: ignore[return-value]

    @respondent
    def floor() -> str:
        found = store.read_visit(db.session, session["respondent"]["i"])
        before, after = page()
        return f"{before}{found[0].id} {generate_csrf()}{after}"

    app.add_url_rule("/bench/floor", "bench_floor", floor)


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


def _seed(
    url: str, questionnaire: Path, env: dict[str, str], respondents: int
) -> list[tuple[int, str]]:
    """A study with `respondents` respondents in an open round: their invitations and links."""
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
        for number in range((respondents + 1) // 2):
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
        links = [
            (row.invitation.id, rounds.link_of(row.invitation))
            for row in rounds.invitation_rows(session, round_)
        ]
        session.commit()
        db.session.remove()
    db.engine.dispose()
    return links[:respondents]


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {PORTS}")


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


@dataclass
class Respondent:
    """One respondent's session as a browser holds it: cookie, the save page's fixed fields."""

    invitation_id: int
    cookie: str
    fixed: str  # the counts page's hidden fields but the versions, URL-encoded
    version: int = 0  # of the 20 count answers (all move on together)


def _respondent(base: str, invitation_id: int, link: str) -> Respondent:
    http = requests.Session()
    http.get(base + link[link.index("/r/") :], timeout=30)
    page = http.get(base + "/respond/p/counts", timeout=30).text
    fields = [(n, v) for n, v in FIELDS.findall(page) if not n.startswith("_v.")]
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    return Respondent(invitation_id, cookie, urllib.parse.urlencode(fields))


def _versions(url: str, people: list[Respondent]) -> None:
    """Each respondent's count answers' version as stored (a save cut off by a slice's end
    may or may not have been written)."""
    from sqlalchemy import text

    from survey.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT invitation_id, MIN(version), MAX(version) FROM answers"
                " WHERE question_key LIKE 'count%' GROUP BY invitation_id"
            )
        ).all()
    engine.dispose()
    stored = {row[0]: (row[1], row[2]) for row in rows}
    for person in people:
        low, high = stored.get(person.invitation_id, (0, 0))
        assert low == high, f"invitation {person.invitation_id}: a save half written"
        person.version = high


# ---------------------------------------------------------------------------- wrk and its scripts


# Every script: the respondents, split between wrk's threads, taking turns per request;
# statuses other than the expected one are counted, and `done` prints one JSON line.
LUA = r"""
people = {%(people)s}
local threads, expected = {}, %(expected)d
function setup(thread)
  thread:set("offset", #threads)
  thread:set("stride", %(threads)d)
  table.insert(threads, thread)
end
function init(args)
  mine, turn, bad = {}, 0, 0
  for n = 1 + offset, #people, stride do table.insert(mine, people[n]) end
  verifying = offset == 0  -- wrk asks the first thread for one request it never sends
end
local function build(p, advance)
  %(request)s
end
function request()
  if verifying then
    verifying = false
    return build(mine[1], false)
  end
  turn = turn %% #mine + 1
  return build(mine[turn], true)
end
function response(status, headers, body)
  if status ~= expected then bad = bad + 1 end
end
function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do wrong = wrong + thread:get("bad") end
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p99": %%f, "wrong": %%d, "errors": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, wrong,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""

GET = 'return wrk.format("GET", "%(path)s", {Cookie = p.cookie})'
SAVE = """local version = p.version + 1  -- every answer changed: each moves on by one
  if advance then p.version = version end
  local parts = {p.fixed, "_nav=stay"}
  for n = 0, %(answers)d - 1 do
    parts[#parts + 1] = "count_" .. n .. "=" .. version
    parts[#parts + 1] = "_v.count_" .. n .. "=" .. (version - 1)
  end
  return wrk.format("POST", "%(path)s", {Cookie = p.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded"}, table.concat(parts, "&"))"""


def _lua(people: list[Respondent], request: str, expected: int, threads: int) -> str:
    rows = ",\n".join(
        f"{{cookie = {json.dumps(p.cookie)}, fixed = {json.dumps(p.fixed)}, version = {p.version}}}"
        for p in people
    )
    return LUA % {"people": rows, "request": request, "expected": expected, "threads": threads}


@dataclass
class Scenario:
    """One side of a comparison: a request wrk repeats, and the status each must get."""

    path: str
    expected: int
    save: bool = False

    def script(self, people: list[Respondent], threads: int) -> str:
        if self.save:
            request = SAVE % {"path": self.path, "answers": ANSWERS}
        else:
            request = GET % {"path": self.path}
        return _lua(people, request, self.expected, threads)


class Server:
    """The CPU time of the gunicorn processes and of our database's backends."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.master = psutil.Process(process.pid)
        self.url = url
        self.backends: set[int] = set()

    def cpu(self) -> tuple[float, float]:
        """Seconds of CPU so far: the app's processes, the database's (PostgreSQL)."""
        app = sum(_cpu(p) for p in [self.master, *self.master.children(recursive=True)])
        return app, sum(_cpu(p) for p in self._backends())

    def _backends(self) -> list[psutil.Process]:
        if not self.url.startswith("postgresql"):
            return []
        from sqlalchemy import text

        from survey.db import make_engine

        engine = make_engine(self.url, poolclass=_null_pool())
        with engine.connect() as connection:
            pids = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            self.backends |= set(pids)
        engine.dispose()
        found = []
        for pid in sorted(self.backends):
            try:
                found.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                self.backends.discard(pid)
        return found


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


@dataclass
class Tally:
    """One side's slices added up."""

    requests: int = 0
    seconds: float = 0.0
    app_cpu: float = 0.0
    db_cpu: float = 0.0
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def per_request(self, cpu: float) -> float:
        """Milliseconds of CPU per request."""
        return 1000 * cpu / self.requests if self.requests else float("nan")


@dataclass
class Bench:
    """What a run measures with: the server, the respondents, wrk's settings."""

    base: str
    url: str
    server: Server
    people: list[Respondent]
    folder: Path
    threads: int
    connections: int

    def slice(self, scenario: Scenario, seconds: float, tally: Tally) -> float:
        """Run wrk for `seconds` on `scenario`, add to `tally`; the slice's rate."""
        if scenario.save:
            _versions(self.url, self.people)
        script = self.folder / "scenario.lua"
        script.write_text(scenario.script(self.people, self.threads), "utf-8")
        app_before, db_before = self.server.cpu()
        done = subprocess.run(  # noqa: S603
            ["/usr/bin/wrk", f"-t{self.threads}", f"-c{self.connections}",
             f"-d{max(1, round(seconds))}s", "-s", str(script), self.base + scenario.path],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        time.sleep(0.2)  # a request cut off by wrk's end finishes on the server
        app_after, db_after = self.server.cpu()
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if result["wrong"] or result["errors"]:  # a failure served fast would flatter anyone
            raise SystemExit(f"{scenario.path}: unexpected answers {result}")
        tally.requests += result["requests"]
        tally.seconds += result["seconds"]
        tally.app_cpu += app_after - app_before
        tally.db_cpu += db_after - db_before
        tally.p50.append(result["p50"])
        tally.p99.append(result["p99"])
        return result["requests"] / result["seconds"]


def _compare(  # noqa: PLR0913
    bench: Bench,
    name: str,
    ours: Scenario,
    base: Scenario,
    seconds: float,
    slices: int,
    *,
    judged: bool = True,
) -> dict[str, Any]:
    """Measure ours and the baseline in alternating slices; print both and their ratios.

    A shared machine speeds up and slows down over seconds; alternating short slices
    exposes both sides to the same conditions, so the ratio holds still where the
    absolute figures drift. The spread of the per-slice ratios is printed with it.
    """
    tallies = {"ours": Tally(), "base": Tally()}
    ratios = []
    for _ in range(slices):
        rates = {
            side: bench.slice(scenario, seconds / slices, tallies[side])
            for side, scenario in (("ours", ours), ("base", base))
        }
        ratios.append(rates["ours"] / rates["base"])
    mine, theirs = tallies["ours"], tallies["base"]
    ratio = mine.rps / theirs.rps
    cpu_ratio = theirs.per_request(theirs.app_cpu + theirs.db_cpu) / mine.per_request(
        mine.app_cpu + mine.db_cpu
    )
    db = bench.url.startswith("postgresql")

    def side(t: Tally) -> str:
        cpu = f"cpu {t.per_request(t.app_cpu):5.2f}"
        cpu += f"+{t.per_request(t.db_cpu):4.2f}db" if db else ""
        return f"{t.rps:7.1f} req/s p50 {max(t.p50):5.1f} p99 {max(t.p99):6.1f} ms {cpu} ms/req"

    verdict = ("ok" if ratio >= 0.5 else "BELOW 0.5x") if judged else "(for scale)"
    print(
        f"{name:<15} {side(mine)} | baseline {side(theirs)} | ratio {ratio:4.2f}x"
        f" (slices {min(ratios):4.2f}-{max(ratios):4.2f}), by cpu {cpu_ratio:4.2f}x {verdict}",
        flush=True,
    )
    return {"name": name, "ratio": ratio, "cpu_ratio": cpu_ratio, "ok": ratio >= 0.5 or not judged}


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
    links = _seed(url, _questionnaire(folder), env, args.respondents)
    base = f"http://127.0.0.1:{port}"
    process = _start_gunicorn(env, port, args.workers)
    try:
        people = [_respondent(base, invitation, link) for invitation, link in links]
        page = requests.get(
            base + "/respond/p/relationship", headers={"Cookie": people[0].cookie}, timeout=30
        ).text
        (folder / "templates").mkdir(exist_ok=True)
        # The same number of bytes through Jinja, with one variable so that it renders.
        (folder / "templates" / "page.html").write_text(page + "<!-- {{ number }} -->", "utf-8")
        import yaml

        source = yaml.safe_load((folder / "bench.yaml").read_text("utf-8"))
        _form_baseline(folder, source, "relationship", len(page.encode()))
        bench = Bench(
            base, url, Server(process, url), people, folder, args.threads, args.connections
        )
        print(
            f"\n{label}: question page {len(page.encode())} bytes; wrk -t{args.threads}"
            f" -c{args.connections}, {len(people)} respondents, {args.workers} gunicorn"
            f" workers, {args.seconds:.0f} s a side in {args.slices} slices;"
            f" load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}",
            flush=True,
        )
        question = Scenario("/respond/p/relationship", 200)
        bench.slice(question, 1, Tally())  # warm-up
        bench.slice(Scenario("/baseline/page", 200), 1, Tally())
        results = [
            _compare(
                bench, "question page", question, Scenario("/baseline/page", 200),
                args.seconds, args.slices,
            ),
            _compare(
                bench, "  floor", Scenario("/bench/floor", 200), Scenario("/baseline/page", 200),
                args.seconds / 2, max(1, args.slices // 2), judged=False,
            ),
            _compare(
                bench, "  v. Jinja form", question, Scenario("/baseline/form", 200),
                args.seconds / 2, max(1, args.slices // 2), judged=False,
            ),
            _compare(
                bench, "save 20", Scenario("/respond/p/counts", 303, save=True),
                Scenario("/baseline/insert", 200, save=True), args.seconds, args.slices,
            ),
        ]  # fmt: skip
        print(f"  load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
        return all(result["ok"] for result in results)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario and side")
    parser.add_argument("--slices", type=int, default=5, help="alternations of the two sides")
    parser.add_argument("--threads", type=int, default=2, help="wrk's -t")
    parser.add_argument("--connections", type=int, default=8, help="wrk's -c")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--respondents", type=int, default=200)
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
