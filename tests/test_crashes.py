"""FAULT-02: a worker killed (SIGKILL) at the named points of a save, a submit, a decision
and an export, on SQLite and PostgreSQL (survey/faults.py; docs/faults.md).

The app runs under gunicorn with two sync workers, as deployed (tests/e2e/served.py).
A test arms one point at a time (a file in SURVEY_FAULT_DIR): the worker that reaches
it dies there without a word, the client's connection drops, and gunicorn starts a
worker in its place. Then:

- killed before the commit: nothing of the request is in the database, and the
  client's retry (the same form, the same answers) succeeds;
- killed after the commit: it is all there, and the retry changes nothing: no
  second row, no second audit entry, no conflict reported;
- meanwhile the other worker keeps serving another respondent, every request a 200.

The mail worker's points are tested in tests/rounds/test_mail_crashes.py.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select

from survey import audit
from survey.audit import AuditEntry
from survey.comparison.models import Discrepancy
from survey.db import db
from survey.responding.models import Answer
from survey.rounds.models import Invitation
from tests.e2e.live import BACKENDS, scratch_database, seed_into
from tests.e2e.served import Researcher, Served, gunicorn
from tests.responding.test_concurrency import Respondent

pytestmark = pytest.mark.slow


@pytest.fixture(params=BACKENDS)
def served(request, app, tmp_path):
    """gunicorn (2 workers) on a scratch database of each backend, two pairs seeded."""
    armed = tmp_path / "faults"
    armed.mkdir()
    with (
        scratch_database(request.param, tmp_path) as url,
        gunicorn(
            url, tmp_path, restore_url=app.config["DATABASE_URL"], SURVEY_FAULT_DIR=str(armed)
        ) as served,
    ):
        seed_into(served, pairs=2)
        served.armed = armed
        yield served


class Bystander(threading.Thread):
    """Another respondent loading a page over and over while a worker dies."""

    def __init__(self, served: Served, link) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.person = Respondent(served, link)
        self.person.press("/respond/welcome", nav="start")
        self.url = served.url + "/respond/p/basics"
        self.statuses: list[int] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.is_set():
                response = self.person.http.get(self.url, allow_redirects=False, timeout=60)
                self.statuses.append(response.status_code)
        except requests.RequestException as error:  # the test says so, rather than a count
            self.error = error

    def served_since(self, count: int, seconds: float = 30) -> bool:
        """Whether a page came back after the first `count` (waiting while one is on its way:
        the other worker may be busy with the retry, or a loaded machine slow)."""
        deadline = time.monotonic() + seconds
        while len(self.statuses) <= count and self.error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.statuses) > count


def crash(served: Served, point: str, send: Callable[[], Any], bystander: Bystander) -> None:
    """Arm `point`, send the request that reaches it: the worker dies, another takes its place."""
    before = served.wait_for_workers(2)
    kills, served_before = served.log_text().count("was sent SIGKILL"), len(bystander.statuses)
    (served.armed / point).touch()
    with pytest.raises(requests.ConnectionError):
        send()
    assert not (served.armed / point).exists(), f"{point} was not reached"
    after = served.wait_for_workers(2, replacing=before)
    assert len(before - after) == 1  # one worker died, and gunicorn started another
    assert served.log_text().count("was sent SIGKILL") == kills + 1
    assert bystander.served_since(served_before), "the other respondent was not served"
    assert bystander.error is None, bystander.error
    assert set(bystander.statuses) == {200}, bystander.statuses


def snapshot(served: Served) -> dict[str, Any]:
    """Everything a request of these tests could write, as committed."""
    with served.app.app_context():
        try:
            session = db.session
            return {
                "answers": sorted(
                    session.execute(
                        select(Answer.invitation_id, Answer.question_key, Answer.value)
                    ).all(),
                    key=repr,
                ),
                "invitations": sorted(
                    session.execute(select(Invitation.id, Invitation.state, Invitation.version))
                ),
                "discrepancies": sorted(
                    session.execute(
                        select(Discrepancy.id, Discrepancy.status, Discrepancy.version)
                    ).all()
                ),
                "audit": collections.Counter(session.scalars(select(AuditEntry.action))),
            }
        finally:
            db.session.remove()


def _autosave(served: Served, person: Respondent, body: dict) -> Callable[[], requests.Response]:
    token = person.fields("/respond/p/basics")["csrf_token"]
    return lambda: person.http.post(
        served.url + "/respond/autosave",
        json=body,
        headers={"X-CSRFToken": token, "Origin": served.url},
        timeout=60,
    )


def _post(http: requests.Session, url: str, fields: Any) -> Callable[[], requests.Response]:
    return lambda: http.post(url, data=fields, allow_redirects=False, timeout=60)


def _form(person: Respondent, path: str, nav: str, **answers: Any) -> Any:
    fields = person.fields(path)
    for key, value in answers.items():
        fields.setlist(key, value if isinstance(value, list) else [value])
    fields["_nav"] = nav
    return fields


def _other_side_submits(served: Served) -> None:
    """The pair's second side answers and submits: `established` will disagree."""
    person = Respondent(served, served.links[1])
    person.press("/respond/welcome", nav="start")
    person.press("/respond/p/basics", established="1990", training="no")
    person.press("/respond/p/exchanges", sent="3", received="2")
    submitted = person.press("/respond/review", nav="submit")
    assert submitted.headers["Location"].endswith("/respond/thanks")


def respondent_steps(served: Served, person: Respondent, stage: str) -> list:
    """A respondent's posts, each with the point it is killed at: (point, make the request)."""
    url = served.url
    return [
        (f"responding.autosave.{stage}", lambda: _autosave(served, person, _typed("1986"))),
        (
            f"responding.page.{stage}",
            lambda: _post(person.http, url + "/respond/p/basics", _page(person)),
        ),
        (
            f"responding.page.{stage}",
            lambda: _post(
                person.http,
                url + "/respond/p/exchanges",
                _form(person, "/respond/p/exchanges", "next", sent="2", received="3"),
            ),
        ),
        (
            f"responding.review.{stage}",
            lambda: _post(
                person.http, url + "/respond/review", _form(person, "/respond/review", "submit")
            ),
        ),
    ]


def test_a_worker_killed_before_the_commit_keeps_nothing_and_the_retry_succeeds(served):
    bystander = Bystander(served, served.links[2])
    person = Respondent(served, served.links[0])
    person.press("/respond/welcome", nav="start")
    _other_side_submits(served)
    bystander.start()
    try:
        for point, make in respondent_steps(served, person, "before_commit"):
            send, before = make(), snapshot(served)
            crash(served, point, send, bystander)
            assert snapshot(served) == before, point  # nothing of it was kept
            retried = send()
            assert retried.status_code in (200, 302, 303), (point, retried.status_code)
            assert snapshot(served) != before, point  # the retry did it
        assert _state(served, served.links[0].invitation_id) == "submitted"
        researcher = Researcher(served)
        for point, make in [
            ("comparison.decide.before_commit",
             lambda: _post(researcher.http, *researcher.decision("pair-1", "established"))),
            ("exports.export.before_commit",
             lambda: _post(researcher.http, *researcher.export_form())),
        ]:  # fmt: skip
            send, before = make(), snapshot(served)
            crash(served, point, send, bystander)
            assert snapshot(served) == before, point
            retried = send()
            assert retried.status_code in (200, 302, 303), (point, retried.status_code)
            assert snapshot(served) != before, point
        assert snapshot(served)["audit"]["round.export"] == 1
        assert snapshot(served)["discrepancies"][0][1] == "confirmed"
    finally:
        bystander.done.set()
        bystander.join()
    _chain_holds(served)


def test_a_worker_killed_after_the_commit_keeps_everything_and_the_retry_changes_nothing(
    served,
):
    bystander = Bystander(served, served.links[2])
    person = Respondent(served, served.links[0])
    person.press("/respond/welcome", nav="start")
    _other_side_submits(served)
    bystander.start()
    try:
        for point, make in respondent_steps(served, person, "after_commit"):
            send, before = make(), snapshot(served)
            crash(served, point, send, bystander)
            kept = snapshot(served)
            assert kept != before, point  # committed before the worker died
            retried = send()
            assert retried.status_code in (200, 302, 303), (point, retried.status_code)
            if point.startswith("responding.autosave"):
                assert retried.json()["conflicts"] == [], retried.json()
            assert snapshot(served) == kept, point  # no second row, no second audit entry
        assert _state(served, served.links[0].invitation_id) == "submitted"
        assert snapshot(served)["audit"]["invitation.submit"] == 2  # one per side
        researcher = Researcher(served)
        decide = _post(researcher.http, *researcher.decision("pair-1", "established"))
        before = snapshot(served)
        crash(served, "comparison.decide.after_commit", decide, bystander)
        kept = snapshot(served)
        assert kept["discrepancies"][0][1] == "confirmed"
        assert kept["audit"]["discrepancy.decide"] == before["audit"]["discrepancy.decide"] + 1
        retried = decide()
        assert retried.status_code == 302, retried.status_code  # not "decided meanwhile": 409
        assert snapshot(served) == kept
        export = _post(researcher.http, *researcher.export_form())
        crash(served, "exports.export.after_commit", export, bystander)
        assert snapshot(served)["audit"]["round.export"] == 1  # the export that was made
        retried = export()
        assert retried.status_code == 200, retried.status_code
        assert retried.content.startswith(b"PK")  # an XLSX (a zip)
        assert snapshot(served)["audit"]["round.export"] == 2  # and the one the retry made
    finally:
        bystander.done.set()
        bystander.join()
    _chain_holds(served)


def _typed(year: str) -> dict:
    return {"section": "basics", "fields": [["established", year], ["_v.established", "0"]]}


def _page(person: Respondent) -> Any:
    return _form(
        person, "/respond/p/basics", "next", established="1986", training="yes", sectors=["water"]
    )


def _state(served: Served, invitation_id: int) -> str:
    with served.app.app_context():
        try:
            return db.session.get(Invitation, invitation_id).state
        finally:
            db.session.remove()


def _chain_holds(served: Served) -> None:
    with served.app.app_context():
        try:
            assert audit.verify_chain(db.session) is None
        finally:
            db.session.remove()
