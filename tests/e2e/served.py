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
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from survey.db import db
from tests.e2e.live import Live
from tests.fixtures.web import SECRET

ROOT = Path(__file__).resolve().parents[2]
LINK_KEY = "test-link-key-that-is-long-enough-0123456789"


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


@contextlib.contextmanager
def gunicorn(
    url: str, tmp_path: Path, *, workers: int = 2, restore_url: str | None = None, **env: str
) -> Iterator[Served]:
    """Serve the app on `url` with gunicorn; `env`: more environment (SURVEY_FAULT_POINT=…)."""
    pytest.importorskip("gunicorn", reason="the deployment's server (pip install gunicorn)")
    import survey

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "LINK_KEY": LINK_KEY, "BASE_URL": base}
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_")}
    environment.update({f"SURVEY_{key}": value for key, value in config.items()})
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )  # this checkout's code, whatever the virtualenv's editable install points at
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"fd://{listener.fileno()}", "--timeout", "120", "--graceful-timeout", "5",
        "--log-level", "info", "--error-logfile", str(log), "survey:create_app()",
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


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=10).ok
    except requests.RequestException:
        return False
