"""Named fault points for the crash tests (QUALITY.md FAULT-02); nothing happens unless armed.

`point("mail.before_smtp")` kills this process with SIGKILL, as `kill -9` or the
out-of-memory killer would, where the environment arms that point, and returns at
once otherwise. The environment is read once, at import: unarmed, a point costs a
function call and a comparison with None. Two ways to arm points:

- SURVEY_FAULT_POINT=NAME: the point NAME fires in every process that reaches it;
- SURVEY_FAULT_DIR=DIR: a point NAME fires when the file DIR/NAME exists, in the one
  process that removes that file. A test arms a point once by creating the file, while
  the server runs; the worker gunicorn starts in the killed one's place, serving the
  client's retry, passes the point.

The points (docs/faults.md):

- at the request boundary (`survey/transaction.py`), for every post, around the one
  commit of its transaction: `<endpoint>.before_commit` and `<endpoint>.after_commit`,
  e.g. `responding.autosave.before_commit`, `responding.page.after_commit` (a page's
  save), `responding.review.before_commit` (the submission), `comparison.decide.after_commit`,
  `exports.export.before_commit`;
- in the mail worker (`survey/rounds/mail/worker.py`): `mail.before_smtp` (a message
  claimed, nothing transmitted) and `mail.after_smtp` (the server has answered, the
  outcome is not recorded yet).

Never set these variables in production.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

_POINT = os.environ.get("SURVEY_FAULT_POINT") or None
_DIR = Path(os.environ["SURVEY_FAULT_DIR"]) if os.environ.get("SURVEY_FAULT_DIR") else None
_ARMED = _POINT is not None or _DIR is not None
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def point(name: str) -> None:
    """Die here, at once and without cleaning up, if the environment arms point `name`."""
    if not _ARMED:
        return
    if name != _POINT:
        if _DIR is None:
            return
        try:
            (_DIR / name).unlink()
        except FileNotFoundError:
            return  # not armed, or fired already in another process
    os.kill(os.getpid(), signal.SIGKILL)


def at_commit(stage: str, request: Any) -> None:
    """The request boundary's point `<endpoint>.<stage>`, for requests that post."""
    if _ARMED and request.method not in _READS:
        point(f"{request.endpoint}.{stage}")
