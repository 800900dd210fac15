"""FAULT-01: concurrent writes on SQLite and PostgreSQL, served as deployed (docs/faults.md).

Respondents autosave a comment every few seconds, researchers export the round over
and over, a reminder job queues reminders and `survey mail send --watch` delivers
them to an SMTP server on loopback, all at once against gunicorn (4 sync workers) on a
scratch database. Afterwards:

- no answer was a 5xx and no request failed; the server's log says nothing of a
  database that was locked or unavailable, or of an unhandled error;
- every save a respondent's browser was told about (its log of acknowledged saves) is
  in the database, in order: the audit trail holds exactly those values, one entry per
  acknowledged save, and the stored answer is the last of them; the audit chain holds;
- every queued message went out exactly once;
- p50/p95/p99 latencies are printed per kind of request (not asserted: see
  benchmarks/ for timings).

The normal suite runs a short shape (10 respondents saving every second, 2 researchers,
20 s: about the full shape's write rate). SURVEY_SOAK_SECONDS=300 runs QUALITY.md's
shape instead: 50 respondents every 5 s, 5 researchers, for that many seconds
(`pytest -m soak -s`). The negative control runs the same contention on SQLite with
the app's transactions begun DEFERRED rather than IMMEDIATE, and sees "database is
locked": the configured begin mode is what prevents it.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from survey import audit, sealing
from survey.audit import AuditEntry
from survey.db import db, writing
from survey.responding.models import Answer
from survey.rounds import invite
from survey.rounds.mail import send_pending
from survey.rounds.models import OutboxMessage, Round
from tests.e2e.live import scratch_database, seed_into
from tests.e2e.served import (
    LINK_KEY,
    Researcher,
    Served,
    gunicorn,
    survey_command,
    survey_environment,
)
from tests.fixtures.smtp import Sink
from tests.fixtures.web import SECRET
from tests.responding.test_concurrency import Respondent

pytestmark = [pytest.mark.slow, pytest.mark.soak]


@dataclasses.dataclass(frozen=True)
class Shape:
    respondents: int
    researchers: int
    interval: float  # seconds between one respondent's saves, and one researcher's exports
    seconds: float


FULL_SECONDS = float(os.environ.get("SURVEY_SOAK_SECONDS") or 0)
SHAPE = (
    Shape(respondents=50, researchers=5, interval=5.0, seconds=FULL_SECONDS)
    if FULL_SECONDS
    else Shape(respondents=10, researchers=2, interval=1.0, seconds=20)
)
WORKERS = 4


class Tally:
    """Every request's kind, status and seconds; what failed without an answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.failures: list[str] = []

    def timed(self, kind: str, send) -> requests.Response | None:  # noqa: ANN001
        started = time.perf_counter()
        try:
            response = send()
        except requests.RequestException as error:
            with self.lock:
                self.failures.append(f"{kind}: {error!r}")
            return None
        with self.lock:
            self.times[kind].append(time.perf_counter() - started)
            self.statuses[kind, response.status_code] += 1
        return response

    def report(self, title: str) -> str:
        lines = [title]
        for kind, times in sorted(self.times.items()):
            ordered = sorted(times)

            def at(share: float, ordered: list[float] = ordered) -> float:
                return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

            lines.append(
                f"  {kind:9} n={len(ordered):5}  p50 {at(0.5):6.0f} ms  p95 {at(0.95):6.0f} ms"
                f"  p99 {at(0.99):6.0f} ms  max {ordered[-1] * 1000:6.0f} ms"
            )
        lines.append(f"  statuses {dict(self.statuses)}; failures {len(self.failures)}")
        return "\n".join(lines)


class Saver(threading.Thread):
    """A respondent typing a comment: autosaved every `interval`; keeps what was acknowledged."""

    def __init__(self, served: Served, link, name: str, tally: Tally, stop: float) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.served, self.name, self.tally, self.stop = served, name, tally, stop
        self.invitation_id = link.invitation_id
        self.person = Respondent(served, link)
        self.person.press("/respond/welcome", nav="start")
        self.token = self.person.fields("/respond/p/basics")["csrf_token"]
        self.acknowledged: list[str] = []
        self.unexpected: list[object] = []

    def run(self) -> None:
        version, number = 0, 0
        due = time.monotonic() + random.uniform(0, SHAPE.interval)  # noqa: S311
        while due < self.stop:
            time.sleep(max(0.0, due - time.monotonic()))
            due += SHAPE.interval
            number += 1
            value = f"{self.name}: note {number}"
            body = {
                "section": "exchanges",
                "fields": [["comment", value], ["_v.comment", str(version)]],
            }
            response = self.tally.timed("autosave", lambda body=body: self._post(body))
            if response is None or response.status_code != 200:
                continue
            answer = response.json()
            if answer.get("saved") != ["comment"] or answer.get("conflicts"):
                self.unexpected.append(answer)
                continue
            self.acknowledged.append(value)
            version = answer["versions"]["comment"]

    def _post(self, body: dict) -> requests.Response:
        return self.person.http.post(
            self.served.url + "/respond/autosave",
            json=body,
            headers={"X-CSRFToken": self.token, "Origin": self.served.url},
            timeout=120,
        )


class Exporter(threading.Thread):
    """A researcher exporting the round (XLSX) again and again."""

    def __init__(self, served: Served, tally: Tally, stop: float) -> None:
        super().__init__(daemon=True)
        self.researcher, self.tally, self.stop = Researcher(served), tally, stop
        self.url, self.fields = self.researcher.export_form()
        self.files: list[bytes] = []

    def run(self) -> None:
        while time.monotonic() < self.stop:
            response = self.tally.timed(
                "export",
                lambda: self.researcher.http.post(self.url, data=self.fields, timeout=120),
            )
            if response is not None and response.status_code == 200:
                self.files.append(response.content[:2])
            time.sleep(SHAPE.interval)


class Reminders(threading.Thread):
    """The reminder job: queue reminders for the round's unfinished respondents, repeatedly."""

    def __init__(self, served: Served, stop: float) -> None:
        super().__init__(daemon=True)
        self.served, self.stop, self.runs, self.errors = served, stop, 0, []

    def run(self) -> None:
        while time.monotonic() < self.stop:
            try:
                with self.served.app.app_context(), writing():
                    invite.remind_round(db.session, db.session.scalar(select(Round)))
                    db.session.commit()
                    self.runs += 1
            except Exception as error:  # noqa: BLE001  (reported by the test)
                self.errors.append(repr(error))
            finally:
                db.session.remove()
            time.sleep(SHAPE.interval * 2)


@pytest.fixture
def deployed(request, app, tmp_path) -> Iterator[tuple[Served, str]]:
    backend, factory = request.param
    with (
        scratch_database(backend, tmp_path) as url,
        gunicorn(
            url,
            tmp_path,
            workers=WORKERS,
            restore_url=app.config["DATABASE_URL"],
            factory=factory,
        ) as served,
    ):
        seed_into(served, pairs=SHAPE.respondents // 2)
        yield served, url


def soak(served: Served, url: str, sink: Sink) -> tuple[Tally, list[Saver], dict]:
    """Run the shape against `served`; returns the tally, the respondents and the mail worker's
    output (the worker is stopped with SIGTERM at the end, as systemd stops it)."""
    with served.app.app_context(), writing():
        invite.invite_round(db.session, db.session.scalar(select(Round)))
        db.session.commit()
        db.session.remove()
    tally = Tally()
    # Everyone signs in and opens their link first, one after the other: the load starts
    # together below (the negative control would otherwise fail here already).
    stop = time.monotonic() + 3600  # set once everyone is ready
    savers = [
        Saver(served, link, f"respondent {n}", tally, stop) for n, link in enumerate(served.links)
    ]
    exporters = [Exporter(served, tally, stop) for _ in range(SHAPE.researchers)]
    reminders = Reminders(served, stop)
    config = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "LINK_KEY": LINK_KEY, **sink.config()}
    config = {key: str(value) for key, value in config.items()}
    worker = subprocess.Popen(  # noqa: S603
        survey_command("mail", "send", "--watch", "--interval", "1"),
        env=survey_environment(config, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The load starts once the worker has said it is watching: its SIGTERM handler is in
    # place from then on. (On a loaded machine, starting Python and the app can outlast
    # the short shape, and a SIGTERM before the handler ends the worker with -15.)
    ready = worker.stdout.readline()
    assert ready.startswith("Sending mail every"), (ready, worker.poll())
    try:
        stop = time.monotonic() + SHAPE.seconds
        threads = [*savers, *exporters, reminders]
        for thread in threads:
            thread.stop = stop
            thread.start()
        for thread in threads:
            thread.join(timeout=SHAPE.seconds + 300)
        assert not any(thread.is_alive() for thread in threads)
        assert reminders.errors == [], reminders.errors
        assert reminders.runs >= 1
    finally:
        worker.send_signal(signal.SIGTERM)  # finishes the message in hand, then stops
        out, err = worker.communicate(timeout=120)
    return tally, savers, {"returncode": worker.returncode, "stdout": ready + out, "stderr": err}


def acknowledged_saves_are_stored(served: Served, savers: list[Saver]) -> None:
    with served.app.app_context():
        try:
            session = db.session
            for saver in savers:
                entries = session.scalars(
                    select(AuditEntry)
                    .where(
                        AuditEntry.action == "answer.save",
                        AuditEntry.object_id == str(saver.invitation_id),
                    )
                    .order_by(AuditEntry.id)
                ).all()
                opened = sealing.open_all(session, entries)  # sealed values (issue 20)
                saved = [opened[entry.id]["changes"]["comment"][1] for entry in entries]
                assert saved == saver.acknowledged, saver.name
                stored = session.scalar(
                    select(Answer.value).where(
                        Answer.invitation_id == saver.invitation_id,
                        Answer.question_key == "comment",
                    )
                )
                assert stored == (saver.acknowledged[-1] if saver.acknowledged else None)
            assert audit.verify_chain(session) is None
        finally:
            db.session.remove()


@pytest.mark.parametrize(
    "deployed",
    [("sqlite", "survey:create_app()"), ("postgresql", "survey:create_app()")],
    ids=["sqlite", "postgresql"],
    indirect=True,
)
def test_concurrent_writes_all_succeed_and_every_acknowledged_save_is_stored(deployed, smtp_sink):
    served, url = deployed
    tally, savers, worker = soak(served, url, smtp_sink)
    print(  # noqa: T201  (the measurement: `pytest -s` shows it)
        tally.report(
            f"\nFAULT-01 on {served.app.config['DATABASE_URL'].split(':')[0]}: {SHAPE}, "
            f"{WORKERS} gunicorn workers"
        )
    )
    assert tally.failures == [], tally.failures[:5]
    assert {status for _kind, status in tally.statuses} == {200}, tally.statuses
    assert tally.times["autosave"]
    assert tally.times["export"]
    assert all(not saver.unexpected for saver in savers), [s.unexpected for s in savers]
    log = served.log_text()
    for trouble in ("database is locked", "database unavailable", "unhandled error", "Traceback"):
        assert trouble not in log, log[-3000:]
    assert worker["returncode"] == 0, worker
    assert "database" not in worker["stderr"], worker["stderr"]
    acknowledged_saves_are_stored(served, savers)

    engine = db.engine  # the served app's, bound to this database
    send_pending(engine, smtp_sink.config())  # what the stopped worker left queued
    with served.app.app_context():
        try:
            ids = db.session.scalars(select(OutboxMessage.message_id)).all()
            assert set(db.session.scalars(select(OutboxMessage.state))) == {"sent"}
        finally:
            db.session.remove()
    assert len(ids) > len(savers)  # the invitations and at least one reminder each
    assert smtp_sink.per_message_id() == dict.fromkeys(ids, 1)


@pytest.mark.parametrize(
    "deployed", [("sqlite", "tests.e2e.served:deferred_app()")], ids=["sqlite"], indirect=True
)
def test_the_same_contention_with_deferred_begin_locks_the_database(deployed, smtp_sink):
    """The negative control: the app's SQLite transactions begun DEFERRED, not IMMEDIATE. A
    save reads, then writes; another writer commits in between, and SQLite refuses the
    late upgrade to a writer at once ("database is locked"), whatever the busy timeout."""
    served, url = deployed
    tally, _savers, _worker = soak(served, url, smtp_sink)
    print(tally.report("\nFAULT-01 negative control (SQLite, DEFERRED)"))  # noqa: T201
    assert sum(n for (_kind, status), n in tally.statuses.items() if status == 503), tally.statuses
    assert "database is locked" in served.log_text()
