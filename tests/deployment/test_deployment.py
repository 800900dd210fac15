"""The deployment users run, under load and faults (issue 15; QUALITY.md FAULT-01..03, MAIL-01).

On loopback: nginx terminating TLS (a certificate made here) in front of two gunicorn
nodes of two workers each, PostgreSQL, Redis, two `survey mail send --watch` workers
and an SMTP sink, the app configured as in production (docs/deployment.md). Then a
soak of SURVEY_DEPLOY_SOAK_SECONDS (300 by default): 50 respondents open their links,
autosave, go on and submit, while a researcher exports and opens the comparison and
queues invitations and reminders. Injected in turn, a tenth of the soak each and an
equal time after each to recover: one node killed with SIGKILL (then restarted); every
database connection ended with pg_terminate_backend (every 2 s); Redis stopped (then
restarted); the SMTP sink stopped for a fifth of the soak (a minute of 300 s).

Asserted afterwards: every acknowledged save is in the database and nothing the server
refused is (report.saves); every queued message was received exactly once (report.mail);
no 500 at all, and no answer lost on the way (nginx's 502, a reset) outside the node's
kill; the throttles count per client behind nginx. Printed: those counts, and p50/p95/p99
latency before, during and after each fault (the numbers are printed, not asserted).

Runs only when selected (`pytest -m deployment`, which `.ci/run` does) and on PostgreSQL
(SURVEY_TEST_DATABASE_URL; a database `<name>_deploy` is made beside it and dropped).
"""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.deployment import report
from tests.deployment.clients import Client, Log, Researcher, Respondent, token_of
from tests.deployment.seed import Seeded, seed
from tests.deployment.stack import NGINX, Stack
from tests.fixtures.database import worker_database, worker_url

pytestmark = pytest.mark.deployment

SOAK_SECONDS = float(os.environ.get("SURVEY_DEPLOY_SOAK_SECONDS", "300"))
RESPONDENTS = 50
ROUNDS = 5  # r0 invited before the soak; r1..r4 one at the start of each fault
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "deployment"


def _missing() -> str | None:
    url = os.environ.get("SURVEY_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return "the deployment test runs on PostgreSQL: set SURVEY_TEST_DATABASE_URL"
    for tool in (NGINX, "redis-server", "openssl"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "gunicorn is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    missing = _missing()
    if missing and os.environ.get("SURVEY_DEPLOY_REQUIRED"):  # CI: a skip would hide it
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)
    url = worker_url(os.environ["SURVEY_TEST_DATABASE_URL"], "deploy")
    with worker_database(url) as deploy_url:
        running = Stack(tmp_path, deploy_url)
        try:
            yield running
        finally:
            running.stop()


def test_the_deployment_keeps_every_save_and_sends_each_message_once_through_faults(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    per_respondent = math.ceil(SOAK_SECONDS / 6) + 2  # more than a respondent gets through
    pairs = math.ceil(per_respondent * RESPONDENTS / 2 / ROUNDS) + 2
    stack.start_redis()
    stack.start_sink()
    seeded = seed(stack, ROUNDS, pairs)
    stack.start()
    stack.survey("round", "invite", seeded.rounds[0])
    log = Log()
    links = _interleaved(seeded)
    spare, links = links[:4], links[4:]
    stop = threading.Event()
    base, certificate = stack.base, str(stack.certificate)
    threads = [
        threading.Thread(
            target=Respondent(base, certificate, f"127.0.0.{10 + n}", log, seed=n, stop=stop).run,
            args=(links[n::RESPONDENTS],),
            daemon=True,
        )
        for n in range(RESPONDENTS)
    ]
    researcher = Researcher(
        base, certificate, "127.0.0.5", log, email=seeded.email, password=seeded.password, stop=stop
    )
    threads.append(threading.Thread(target=researcher.run, args=(seeded.rounds,), daemon=True))
    mailer = Researcher(
        base, certificate, "127.0.0.6", log, email=seeded.email, password=seeded.password, stop=stop
    )
    assert mailer.login()
    for thread in threads:
        thread.start()
    try:
        windows, notes = _faults(stack, mailer, seeded.rounds, SOAK_SECONDS / 10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    still_running = sum(thread.is_alive() for thread in threads)
    outbox = _drained(stack, seconds=300)
    throttles, throttle_problems = _throttles(stack, log, seeded, spare)

    log_lines, tracebacks = report.process_logs(stack.folder)
    save_lines, save_problems = report.saves(stack.database_url, log)
    mail_lines, mail_problems = report.mail(stack.database_url, stack.sink_log)
    statuses = report.statuses(log.samples)
    kill = next(w for w in windows if w.name.startswith("during node"))
    lost_answers = [
        s
        for s in log.samples
        if (s.status in report.UNSEEN or isinstance(s.status, str))
        and not kill.start - 1 <= s.start <= kill.end + 1
    ]
    lines = [
        f"soak {SOAK_SECONDS:.0f} s, {RESPONDENTS} respondents and a researcher through nginx"
        f" (TLS) to 2 gunicorn nodes x 2 workers; PostgreSQL, Redis, 2 mail workers",
        *notes,
        f"load average at the end: {' '.join(f'{n:.1f}' for n in os.getloadavg())}",
        f"requests {len(log.samples)}; statuses {dict(sorted(statuses.items(), key=str))}",
        *save_lines,
        *mail_lines,
        f"outbox drained: {outbox}",
        *log_lines,
        *throttles,
        "",
        *report.latency_table(
            log.samples,
            windows,
            report.nodes(stack.nginx / "access.log", stack.ports.nodes),
        ),
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.txt").write_text("\n".join(lines) + "\n")
    with capsys.disabled():
        print("\n" + "\n".join(lines), flush=True)

    assert not still_running, f"{still_running} clients did not stop"
    assert not log.errors, log.errors[:5]
    assert not tracebacks, f"tracebacks in the logs of {tracebacks}"
    assert statuses[500] == 0, "500 responses"
    assert not [s for s in statuses if isinstance(s, int) and s > 500 and s not in (502, 503, 504)]
    assert not lost_answers, f"answers lost outside the node's kill: {lost_answers[:5]}"
    assert not save_problems, save_problems[:10]
    assert not mail_problems, mail_problems
    assert not throttle_problems, throttle_problems
    assert log.submitted, "no respondent got as far as submitting"
    assert any(a.outcome == "saved" for a in log.attempts), "no save was acknowledged"


def _interleaved(seeded: Seeded) -> list[tuple[int, str]]:
    """The links of all rounds, taking one from each in turn."""
    rounds = [seeded.links[slug] for slug in seeded.rounds]
    return [link for group in zip(*rounds, strict=False) for link in group]


def _faults(
    stack: Stack, mailer: Researcher, rounds: list[str], unit: float
) -> tuple[list[report.Window], list[str]]:
    """Inject the faults in turn; the windows before, during and after each, and notes."""
    windows: list[report.Window] = []
    notes: list[str] = []
    start = time.monotonic()

    def until(moment: float) -> None:
        time.sleep(max(0.0, start + moment - time.monotonic()))

    def window(name: str, begin: float) -> float:
        now = time.monotonic()
        windows.append(report.Window(name, begin, now))
        return now

    until(unit)
    mark = window("before", start)
    stack.processes["app_a"].kill()  # SIGKILL to the node's master and workers
    notes.append(f"invite {rounds[1]}: {mailer.queue(rounds[1], 'invite')}")
    until(2 * unit)
    stack.restart("app_a")
    mark = window("during node killed", mark)
    until(3 * unit + (mark - start - 2 * unit))
    mark = window("after node killed", mark)
    # Mail queued first, so that the workers are sending while their connections end too;
    # then every connection ended every 2 s through the window.
    notes.append(f"invite {rounds[2]}: {mailer.queue(rounds[2], 'invite')}")
    ended, times = 0, 0
    while time.monotonic() < start + 5 * unit:
        ended += _terminate_connections(stack)
        times += 1
        time.sleep(2)
    notes.append(f"database connections ended: {ended} (in {times} rounds, 2 s apart)")
    mark = window("during connections ended", mark)
    until(6 * unit)
    mark = window("after connections ended", mark)
    stack.processes["redis"].stop()
    notes.append(f"invite {rounds[3]}: {mailer.queue(rounds[3], 'invite')}")
    until(7 * unit)
    stack.restart("redis")
    mark = window("during Redis stopped", mark)
    until(8 * unit)
    mark = window("after Redis stopped", mark)
    stack.processes["sink"].stop()
    notes.append(f"invite {rounds[4]}: {mailer.queue(rounds[4], 'invite')}")
    notes.append(f"remind {rounds[0]}: {mailer.queue(rounds[0], 'remind')}")
    until(10 * unit)
    stack.restart("sink")
    mark = window("during SMTP sink stopped", mark)
    until(11 * unit)
    window("after SMTP sink stopped", mark)
    return windows, notes


def _terminate_connections(stack: Stack) -> int:
    engine = report.engine_for(stack.database_url)
    with engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(ended)


def _drained(stack: Stack, seconds: float) -> str:
    """Wait until no message is queued or in flight (held back by the sink's outage)."""
    engine = report.engine_for(stack.database_url)
    deadline = time.monotonic() + seconds
    began = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                waiting = connection.execute(
                    text(
                        "SELECT count(*) FROM outbox_messages"
                        " WHERE state IN ('queued', 'claimed', 'sending')"
                    )
                ).scalar_one()
            if not waiting or time.monotonic() > deadline:
                return f"{waiting} waiting after {time.monotonic() - began:.0f} s"
            time.sleep(1)
    finally:
        engine.dispose()


def _throttles(
    stack: Stack, log: Log, seeded: Seeded, spare: list[tuple[int, str]]
) -> tuple[list[str], list[str]]:
    """One client hammering bad links and logins is throttled; another, beside it, is not."""
    probe = Log()
    base, certificate = stack.base, str(stack.certificate)
    links = Client(base, certificate, "127.0.0.200", probe)
    bad = [links.request("bad link", "GET", f"/r/not-a-link-{n}") for n in range(22)]
    bad_statuses = [r.status_code if r is not None else None for r in bad]
    other = Client(base, certificate, "127.0.0.201", probe)
    its_bad = other.request("bad link", "GET", "/r/not-a-link-either")
    its_good = other.request("open", "GET", spare[0][1])
    logins = Client(base, certificate, "127.0.0.202", probe)
    tries = [_bad_login(logins) for _ in range(31)]
    problems = []
    if bad_statuses[:20] != [404] * 20 or bad_statuses[20:] != [429, 429]:
        problems.append(f"bad links from one address: {bad_statuses}")
    if its_bad is None or its_bad.status_code != 404 or its_good is None:
        problems.append("another address was throttled with the first")
    elif its_good.status_code != 303:
        problems.append(f"another address's good link: {its_good.status_code}")
    if tries[:30] != [200] * 30 or tries[30] != 429:
        problems.append(f"bad logins from one address: {tries}")
    researcher = Researcher(
        base, certificate, "127.0.0.203", probe, email=seeded.email, password=seeded.password,
        stop=threading.Event(),
    )  # fmt: skip
    signed_in = researcher.login()
    if not signed_in:
        problems.append("a researcher at another address could not sign in")
    respondents = [s for s in log.samples if s.kind == "open" and s.status == 429]
    if respondents:
        problems.append(f"respondents' links throttled during the soak: {len(respondents)}")
    lines = [
        f"throttles behind nginx: 127.0.0.200's bad links {bad_statuses.count(404)} x 404 then"
        f" {bad_statuses[20:]}; 127.0.0.201's bad link {getattr(its_bad, 'status_code', None)},"
        f" good link {getattr(its_good, 'status_code', None)}; 127.0.0.202's bad logins"
        f" {tries.count(200)} x 200 then {tries[30:]}; 127.0.0.203 signs in: {signed_in}",
    ]
    return lines, problems


def _bad_login(client: Client) -> int | str:
    """A sign-in with an unknown address (no account gets locked): its status."""
    form = client.page("login", "/login", tries=1)
    if form is None:
        return client.status
    response = client.request(
        "login", "POST", "/login", headers={"Referer": form.url},
        data={"csrf_token": token_of(form.text), "email": "nobody@example.org",
              "password": "wrong"},
    )  # fmt: skip
    return client.status if response is None else response.status_code
