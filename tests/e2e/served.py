"""The app as it is deployed: gunicorn's sync workers as separate processes, on a scratch database.

Used by the crash and soak tests (QUALITY.md FAULT-01, FAULT-02; docs/faults.md): a
worker can be killed there without killing the tests, and gunicorn replaces it as it
would in production. The socket is bound here (a free port on loopback) and handed to
gunicorn as `fd://N`, so no port is guessed. `Served` also holds an app of its own on
the same database, in this process, to seed it and to read what was committed.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from survey.accounts.models import User
from survey.comparison.models import Discrepancy
from survey.db import db
from survey.rounds.models import Round
from survey.studies.models import Study
from tests.e2e.live import Live
from tests.fixtures.web import PASSWORD, SECRET
from tests.responding.test_flow import browser_fields

ROOT = Path(__file__).resolve().parents[2]
LINK_KEY = "test-link-key-that-is-long-enough-0123456789"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Served(Live):
    """A gunicorn master serving the app; `app` is an app of this process on its database."""

    process: subprocess.Popen | None = None
    log: Path | None = None

    def workers(self) -> set[int]:
        """The process ids of the master's workers now."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def wait_for_workers(
        self, count: int, replacing: set[int] = frozenset(), timeout: float = 60
    ) -> set[int]:
        """The workers, once there are `count` and the server answers; with `replacing`, once
        one of those has gone (a killed worker is reaped and a new one started)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            workers = self.workers()
            gone = not replacing or replacing - workers
            if len(workers) == count and gone and _healthy(self.url):
                return workers
            time.sleep(0.1)
        raise AssertionError(f"gunicorn has not {count} workers serving:\n{self.log_text()}")


class Researcher:
    """The study's owner, signed in over HTTP."""

    def __init__(self, served: Served) -> None:
        self.served, self.http = served, requests.Session()
        with served.app.app_context():
            try:
                study = db.session.scalar(select(Study))
                round_ = db.session.scalar(select(Round))
                email = db.session.scalar(select(User.email))
                self.base = f"{served.url}/studies/{study.slug}/rounds/{round_.slug}"
            finally:
                db.session.remove()
        page = self.http.get(served.url + "/login", timeout=30)
        signed_in = self.http.post(
            served.url + "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": _token(page.text)},
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302, signed_in.status_code
        assert "/login" not in signed_in.headers["Location"]

    def decision(self, pair: str, question: str) -> tuple[str, dict[str, str]]:
        """The decide form's address and the fields of a "confirmed" decision."""
        page = self.http.get(f"{self.base}/comparison/{pair}", timeout=30)
        assert page.status_code == 200, page.status_code
        with self.served.app.app_context():
            try:
                version = db.session.scalar(
                    select(Discrepancy.version).where(Discrepancy.question_key == question)
                )
            finally:
                db.session.remove()
        fields = {"csrf_token": _token(page.text), "status": "confirmed", "version": str(version)}
        return f"{self.base}/comparison/{pair}/{question}/decide", fields

    def export_form(self) -> tuple[str, Any]:
        page = self.http.get(f"{self.base}/export", timeout=30)
        assert page.status_code == 200, page.status_code
        fields = browser_fields(page.text)
        fields["fmt"] = "xlsx"
        return f"{self.base}/export", fields


def survey_environment(config: dict[str, str], **env: str) -> dict[str, str]:
    """The environment of a process of ours: `config` as SURVEY_ variables, this checkout's
    code first on the path (whatever the virtualenv's editable install points at)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_")}
    environment.update({f"SURVEY_{key}": value for key, value in config.items()})
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    return environment


def survey_command(*arguments: str) -> list[str]:
    """The `survey` command line, run by this interpreter."""
    return [sys.executable, "-c", "from survey.cli import main; main()", *arguments]


def _token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token"
    return match.group(1)


@contextlib.contextmanager
def gunicorn(  # noqa: PLR0913
    url: str,
    tmp_path: Path,
    *,
    workers: int = 2,
    restore_url: str | None = None,
    factory: str = "survey:create_app()",
    **env: str,
) -> Iterator[Served]:
    """Serve the app on `url` with gunicorn; `env`: more environment (SURVEY_FAULT_DIR=…);
    `factory`: the app's factory, as gunicorn names it."""
    pytest.importorskip("gunicorn", reason="the deployment's server (pip install gunicorn)")
    import survey

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "LINK_KEY": LINK_KEY, "BASE_URL": base}
    environment = survey_environment(config, **env)
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"fd://{listener.fileno()}", "--timeout", "120", "--graceful-timeout", "5",
        "--log-level", "info", "--error-logfile", str(log), factory,
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603
        command, env=environment, cwd=tmp_path, pass_fds=(listener.fileno(),)
    )
    listener.close()  # the master holds it now
    app = survey.create_app(config)
    served = Served(app, base, process=process, log=log)
    try:
        log.touch()
        served.wait_for_workers(workers)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        db.session.remove()
        db.dispose()
        if restore_url:
            db.configure(restore_url)


class _Deferred:
    """survey.db's begin mode, stuck at DEFERRED: writers no longer begin IMMEDIATE."""

    def get(self) -> str:
        return "DEFERRED"

    def set(self, _mode: str) -> None:
        return None

    def reset(self, _token: None) -> None:
        return None


def deferred_app():  # noqa: ANN201  (gunicorn's factory: "tests.e2e.served:deferred_app()")
    """The app with every SQLite transaction begun DEFERRED: FAULT-01's negative control."""
    import survey
    import survey.db as kernel

    kernel._begin_mode = _Deferred()  # noqa: SLF001
    return survey.create_app()


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=10).ok
    except requests.RequestException:
        return False
