"""The fault points of survey/faults.py (docs/faults.md): inert unless armed; armed, a SIGKILL.

Each case runs in a process of its own, since an armed point kills the process and the
environment is read once, at import.
"""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.e2e.served import survey_environment

SCRIPT = """
from types import SimpleNamespace
from survey import faults
faults.at_commit("before_commit", SimpleNamespace(method="GET", endpoint="responding.page"))
print("read passed", flush=True)
faults.point("responding.page.before_commit")
print("post passed", flush=True)
"""


def run(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        env=survey_environment({}, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unarmed_point_does_nothing():
    done = run()
    assert (done.returncode, done.stdout) == (0, "read passed\npost passed\n")
    other = run(SURVEY_FAULT_POINT="mail.before_smtp")
    assert (other.returncode, other.stdout) == (0, "read passed\npost passed\n")


def test_a_named_point_kills_every_process_that_reaches_it_and_reads_pass():
    for _ in range(2):
        done = run(SURVEY_FAULT_POINT="responding.page.before_commit")
        assert (done.returncode, done.stdout) == (-signal.SIGKILL, "read passed\n")


def test_a_point_armed_by_a_file_kills_once(tmp_path):
    (tmp_path / "responding.page.before_commit").touch()
    first = run(SURVEY_FAULT_DIR=str(tmp_path))
    assert (first.returncode, first.stdout) == (-signal.SIGKILL, "read passed\n")
    assert list(tmp_path.iterdir()) == []  # the file is used up
    second = run(SURVEY_FAULT_DIR=str(tmp_path))
    assert (second.returncode, second.stdout) == (0, "read passed\npost passed\n")
