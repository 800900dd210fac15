"""The deployment's processes on loopback: nginx, two gunicorn nodes, Redis, mail workers, sink.

Each is a subprocess in a session of its own (so that a node is killed with all its
workers, as a machine failing would), with its output in a log file under the run's
folder. `Stack.stop()` ends everything it started. Ports come from one range
(SURVEY_DEPLOY_PORTS, "8100-8199" by default), fixed offsets within it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NGINX = "/usr/sbin/nginx"
# The `survey` command of this checkout (the console script of whichever install is active
# might import another one).
SURVEY = [sys.executable, "-c", "from survey.cli import main; main()"]
_FIRST = int(os.environ.get("SURVEY_DEPLOY_PORTS", "8100-8199").partition("-")[0])


@dataclass(frozen=True)
class Ports:
    https: int = _FIRST + 43
    app_a: int = _FIRST + 1
    app_b: int = _FIRST + 2
    redis: int = _FIRST + 79
    smtp: int = _FIRST + 25

    @property
    def nodes(self) -> tuple[int, int]:
        return (self.app_a, self.app_b)


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1 (openssl); the client trusts it."""
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem"


def app_environment(database_url: str, ports: Ports, redis_db: int = 0) -> dict[str, str]:
    """The environment every app process and mail worker gets: production mode, as deployed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SURVEY_") or key == "SURVEY_DEPLOY_PORTS"
    }
    env.update(
        PYTHONPATH=str(ROOT),  # this checkout's code, whatever the venv's editable install says
        SURVEY_ENV="production",
        SURVEY_DATABASE_URL=database_url,
        SURVEY_SECRET_KEY=secrets.token_urlsafe(48),
        SURVEY_LINK_KEY=secrets.token_urlsafe(48),
        SURVEY_BASE_URL=f"https://localhost:{ports.https}",
        SURVEY_SESSION_COOKIE_SECURE="true",
        SURVEY_TRUSTED_PROXIES="1",
        SURVEY_REDIS_URL=f"redis://127.0.0.1:{ports.redis}/{redis_db}",
        SURVEY_SMTP_HOST="127.0.0.1",
        SURVEY_SMTP_PORT=str(ports.smtp),
        SURVEY_SMTP_TIMEOUT="2",
        SURVEY_MAIL_FROM="Survey Team <survey@example.org>",
        # Short back-off and lease, so that mail held back by an outage is out before the
        # soak ends: a retry after 2, 4, 8 … s; a claim stranded by a database failure
        # is queued again after 40 s (the lease is at least 20 x SMTP_TIMEOUT).
        SURVEY_MAIL_RETRY_SECONDS="2",
        SURVEY_MAIL_SENDING_TIMEOUT_SECONDS="40",
    )
    return env


@dataclass
class Process:
    """One started process: its command, environment and log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603
                self.command, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process and everything in its session (a node's workers)."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, and SIGKILL if it has not ended after `timeout` seconds."""
        if not self.running:
            return
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_for_port(port: int, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.running:
            raise RuntimeError(f"{process.name} ended: see {process.log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} is not listening on {port}: see {process.log}")


@dataclass
class Stack:
    """Everything the deployment runs, started in `folder`."""

    folder: Path
    database_url: str
    ports: Ports = field(default_factory=Ports)
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    certificate: Path | None = None
    nginx: Path | None = None  # nginx's prefix: its configuration, certificate, logs

    def __post_init__(self) -> None:
        self.env = self.env or app_environment(self.database_url, self.ports)

    @property
    def base(self) -> str:
        return f"https://localhost:{self.ports.https}"

    @property
    def sink_log(self) -> Path:
        return self.folder / "received.tsv"

    def _process(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Process:
        process = Process(name, command, env or self.env, self.folder / f"{name}.log")
        self.processes[name] = process
        return process.start()

    def start_redis(self) -> None:
        process = self._process(
            "redis",
            ["redis-server", "--port", str(self.ports.redis), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
        )  # fmt: skip
        wait_for_port(self.ports.redis, process)

    def start_sink(self) -> None:
        process = self._process(
            "sink",
            [sys.executable, str(HERE / "sink.py"), str(self.ports.smtp), str(self.sink_log)],
        )
        wait_for_port(self.ports.smtp, process)

    def gunicorn_command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
            "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning",
            "survey:create_app()",
        ]  # fmt: skip

    def start_node(self, name: str) -> None:
        port = self.ports.app_a if name == "app_a" else self.ports.app_b
        process = self._process(name, self.gunicorn_command(port))
        wait_for_port(port, process)

    def start_mail_worker(self, name: str) -> None:
        self._process(name, [*SURVEY, "mail", "send", "--watch",
                             "--interval", "1"])  # fmt: skip

    def start_nginx(self) -> None:
        # nginx's workers run as nobody when it is started as root, and must reach their
        # temporary folders: a folder of its own that anyone may enter, not the test's.
        prefix = self.nginx = Path(tempfile.mkdtemp(prefix="survey-deploy-nginx-"))
        prefix.chmod(0o755)
        self.certificate = make_certificate(prefix)
        config = Template((HERE / "nginx.conf").read_text()).safe_substitute(
            prefix=prefix, https=self.ports.https, app_a=self.ports.app_a, app_b=self.ports.app_b
        )
        (prefix / "nginx.conf").write_text(config)
        process = self._process(
            "nginx", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], dict(os.environ)
        )
        wait_for_port(self.ports.https, process)

    def start(self) -> None:
        """Start whatever is not running yet; return once nginx answers through TLS."""
        steps = {
            "redis": self.start_redis,
            "sink": self.start_sink,
            "app_a": lambda: self.start_node("app_a"),
            "app_b": lambda: self.start_node("app_b"),
            "mail_1": lambda: self.start_mail_worker("mail_1"),
            "mail_2": lambda: self.start_mail_worker("mail_2"),
            "nginx": self.start_nginx,
        }
        for name, step in steps.items():
            if name not in self.processes:
                step()
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.base + "/healthz", verify=self.certificate, timeout=10).ok:
                    return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        if self.nginx is not None:  # its logs join the others
            for log in ("access.log", "error.log", "nginx.conf"):
                with contextlib.suppress(FileNotFoundError):
                    shutil.copy(self.nginx / log, self.folder / f"nginx-{log}")
            shutil.rmtree(self.nginx, ignore_errors=True)
            self.nginx = None

    def restart(self, name: str) -> None:
        """Start a stopped or killed process again with the same command."""
        process = self.processes[name]
        process.start()
        port = {"redis": self.ports.redis, "sink": self.ports.smtp, "app_a": self.ports.app_a,
                "app_b": self.ports.app_b}.get(name)  # fmt: skip
        if port:
            wait_for_port(port, process)

    def survey(self, *args: str) -> str:
        """Run a `survey` command as an operator would on the server; its output."""
        done = subprocess.run(  # noqa: S603
            [*SURVEY, *args], env=self.env, cwd=ROOT,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"survey {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout
