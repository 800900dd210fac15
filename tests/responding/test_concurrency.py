"""Parallel requests against a real server on SQLite and PostgreSQL (DATA-03/04/05, DATA-06).

The test client shares one connection and rolls back, so these tests serve the app
from a thread on a scratch database with real commits (tests/e2e/live.py) and send
real HTTP requests from a thread pool.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re

import pytest
import requests
from sqlalchemy import event, func, select

from survey import audit
from survey.audit import AuditEntry
from survey.db import db
from survey.responding.models import Answer
from survey.rounds.models import Invitation
from tests.e2e.live import BACKENDS, Live, scratch_database, seed_into, serve
from tests.responding.test_flow import browser_fields

PARALLEL = 20


@pytest.fixture(params=BACKENDS)
def live(request, app, tmp_path):
    """A served app on a scratch database of each backend, seeded with one pair."""
    with (
        scratch_database(request.param, tmp_path) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as served,
    ):
        seed_into(served)
        yield served


class Respondent:
    """A browser: a cookie jar, and forms filled in like a person would."""

    def __init__(self, live: Live, link) -> None:  # noqa: ANN001
        self.live, self.http = live, requests.Session()
        opened = self.http.get(live.url + live.path(link), allow_redirects=False, timeout=30)
        assert opened.status_code == 303, opened.status_code

    def fields(self, path: str):  # noqa: ANN201
        page = self.http.get(self.live.url + path, allow_redirects=False, timeout=30)
        assert page.status_code == 200, (path, page.status_code)
        return browser_fields(page.text)

    def press(self, path: str, nav: str = "next", **answers) -> requests.Response:  # noqa: ANN003
        fields = self.fields(path)
        for key, value in answers.items():
            fields.setlist(key, value if isinstance(value, list) else [value])
        fields["_nav"] = nav
        return self.http.post(self.live.url + path, data=fields, allow_redirects=False, timeout=30)

    def clone(self) -> requests.Session:
        other = requests.Session()
        other.cookies.update(self.http.cookies)
        return other


def complete(person: Respondent) -> None:
    person.press("/respond/welcome", nav="start")
    person.press("/respond/p/basics", established="1986", training="yes", sectors=["water"])
    done = person.press("/respond/p/exchanges", sent="2", received="3")
    assert done.headers["Location"].endswith("/respond/review")


def count(live: Live, model, *conditions) -> int:  # noqa: ANN001
    with live.app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        finally:
            db.session.remove()


def test_parallel_submits_submit_exactly_once(live):
    link = live.links[0]
    person = Respondent(live, link)
    complete(person)
    fields = person.fields("/respond/review")
    fields["_nav"] = "submit"

    def submit(_: int) -> tuple[int, str]:
        response = person.clone().post(
            live.url + "/respond/review", data=fields, allow_redirects=False, timeout=60
        )
        return response.status_code, response.headers.get("Location", "")

    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(submit, range(PARALLEL)))
    assert results == [(303, "/respond/thanks")] * PARALLEL
    assert count(live, AuditEntry, AuditEntry.action == "invitation.submit") == 1
    assert count(live, Invitation, Invitation.state == "submitted") == 1
    thanks = person.http.get(live.url + "/respond/thanks", timeout=30)
    assert thanks.status_code == 200
    assert "Your answers have been submitted." in thanks.text
    replay = person.clone().post(live.url + "/respond/review", data=fields, timeout=30)
    assert replay.status_code == 200
    assert replay.url.endswith("/respond/thanks")
    assert count(live, AuditEntry, AuditEntry.action == "invitation.submit") == 1


def test_parallel_first_saves_make_one_answer_and_no_error(live):
    person = Respondent(live, live.links[0])
    person.press("/respond/welcome", nav="start")
    fields = person.fields("/respond/p/basics")
    token = fields["csrf_token"]

    def save(number: int) -> tuple[int, dict]:
        body = {
            "section": "basics",
            "fields": [["established", str(1980 + number)], ["_v.established", "0"]],
        }
        response = person.clone().post(
            live.url + "/respond/autosave",
            json=body,
            headers={"X-CSRFToken": token, "Origin": live.url},
            timeout=60,
        )
        return response.status_code, response.json()

    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(save, range(PARALLEL)))
    assert {status for status, _ in results} == {200}, results
    winners = [body for _, body in results if body["saved"]]
    assert len(winners) == 1  # the others were told about the newer answer
    assert sum(1 for _, body in results if body["conflicts"] == ["established"]) == PARALLEL - 1
    assert count(live, Answer, Answer.question_key == "established") == 1
    assert count(live, AuditEntry, AuditEntry.action == "answer.save") == 1


def test_two_tabs_submitting_give_one_submission(live):
    person = Respondent(live, live.links[1])
    complete(person)
    first_tab, second_tab = person.fields("/respond/review"), person.fields("/respond/review")
    for tab in (first_tab, second_tab):
        tab["_nav"] = "submit"
        response = person.http.post(live.url + "/respond/review", data=tab, allow_redirects=False)
        assert response.headers["Location"] == "/respond/thanks"
    assert count(live, AuditEntry, AuditEntry.action == "invitation.submit") == 1


def test_access_log_of_a_real_server_carries_no_token(live, caplog):
    link = live.links[0]
    token = live.path(link).removeprefix("/r/")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        requests.get(live.url + live.path(link), allow_redirects=False, timeout=30)
        requests.get(live.url + "/r/" + "Z" * 43, allow_redirects=False, timeout=30)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(re.search(r"/r/\[redacted\]", line) for line in lines), lines
    assert not any(token in line or "Z" * 43 in line for line in lines), lines


def test_a_page_and_its_save_each_run_in_one_transaction(live):
    """One transaction per request, begun and ended by transaction.py: a question page's
    GET and its save each begin one transaction, run every statement inside it and
    commit it once. The save's is a writer from its start (SQLite: BEGIN IMMEDIATE);
    nothing runs in autocommit, and no view begins or ends a transaction of its own."""
    postgresql = db.engine.dialect.name == "postgresql"
    seen: list[tuple[str, bool | None]] = []

    def statement(connection, _cursor, sql, _params, _context, _many) -> None:  # noqa: ANN001
        dbapi = connection.connection.dbapi_connection
        inside = not dbapi.autocommit if postgresql else dbapi.in_transaction
        seen.append((" ".join(sql.split()[:2]).upper(), bool(inside)))

    listeners = [
        (db.engine, "begin", lambda _connection: seen.append(("begin", None))),
        (db.engine, "commit", lambda _connection: seen.append(("commit", None))),
        (db.engine, "rollback", lambda _connection: seen.append(("rollback", None))),
        (db.engine, "before_cursor_execute", statement),
    ]
    person = Respondent(live, live.links[0])
    person.press("/respond/welcome", nav="start")
    seen.clear()
    for listener in listeners:
        event.listen(*listener)
    try:
        fields = person.fields("/respond/p/basics")
        page = list(seen)
        seen.clear()
        fields.setlist("established", ["1986"])
        fields["_nav"] = "stay"
        saved = person.http.post(
            live.url + "/respond/p/basics", data=fields, allow_redirects=False, timeout=30
        )
        save = list(seen)
    finally:
        for listener in listeners:
            event.remove(*listener)
    assert saved.status_code == 303
    for request in (page, save):
        work = [(kind, inside) for kind, inside in request if not kind.startswith("BEGIN ")]
        assert [kind for kind, inside in work if inside is None] == ["begin", "commit"], request
        assert work[0] == ("begin", None), request
        assert work[-1] == ("commit", None), request
        assert all(inside for _, inside in work[1:-1]), request  # nothing in autocommit
    page_kinds = {kind.split()[0] for kind, _ in page}
    assert "SELECT" in page_kinds, page
    assert not page_kinds & {"INSERT", "UPDATE", "WITH"}, page
    save_kinds = {kind.split()[0] for kind, _ in save}
    assert save_kinds >= {"INSERT", "UPDATE" if not postgresql else "WITH"}, save
    if not postgresql:  # SQLite: a reader's transaction for the page, a writer's for the save
        assert [kind for kind, _ in page if kind.startswith("BEGIN ")] == ["BEGIN DEFERRED"]
        assert [kind for kind, _ in save if kind.startswith("BEGIN ")] == ["BEGIN IMMEDIATE"]
    assert count(live, Answer, Answer.question_key == "established") == 1


def test_pages_and_saves_work_right_after_the_database_dropped_every_connection(live):
    """FAULT-03: PostgreSQL ends every connection (as a restart does) between two
    requests; the next page and the next save both work: the pool hands out no
    connection the server ended (survey.db's checkout check, tests/test_db.py)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server whose connections could end")
    person = Respondent(live, live.links[0])
    person.press("/respond/welcome", nav="start")
    person.press("/respond/p/basics", nav="stay", established="1980")
    import psycopg

    address = db.engine.url  # from outside the pool, whose connections all end
    with psycopg.connect(
        host=address.host, port=address.port, user=address.username,
        password=address.password, dbname=address.database, autocommit=True,
    ) as outside:  # fmt: skip
        ended = outside.execute(
            # With a timeout, each call returns once its backend is gone, as after a restart
            # (without, the signal may still be on its way when the next request starts).
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert ended >= 1  # the server's pooled connections
    fields = person.fields("/respond/p/basics")
    assert fields["established"] == "1980"
    saved = person.press("/respond/p/basics", nav="stay", established="1990")
    assert saved.status_code == 303
    assert person.fields("/respond/p/basics")["established"] == "1990"


def test_the_audit_chain_holds_under_parallel_saves(live):
    """Two respondents saving at once append to one hash chain without forking it."""
    people = [Respondent(live, link) for link in live.links[:2]]
    for person in people:
        person.press("/respond/welcome", nav="start")

    def keep_saving(person: Respondent) -> list[int]:
        statuses = []
        for number in range(10):
            response = person.press("/respond/p/basics", nav="stay", established=str(1990 + number))
            statuses.append(response.status_code)
        return statuses

    with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
        results = list(pool.map(keep_saving, people))
    assert results == [[303] * 10] * 2
    assert count(live, AuditEntry, AuditEntry.action == "answer.save") == 20
    with live.app.app_context():
        try:
            assert audit.verify_chain(db.session) is None
        finally:
            db.session.remove()


def test_a_save_that_fails_at_its_last_write_keeps_nothing_but_the_input(live, monkeypatch):
    """DATA-07: the audit row, written last, fails: no answer, no state, no audit row is
    kept; the page comes back with what was typed, and saving it again works."""
    person = Respondent(live, live.links[0])
    person.press("/respond/welcome", nav="start")
    person.press("/respond/p/basics", nav="stay", established="1980")  # a stored answer
    before = _invitation(live, live.links[0].invitation_id)
    saves = count(live, AuditEntry, AuditEntry.action == "answer.save")

    chain = audit.chain
    monkeypatch.setattr(audit, "chain", lambda *args: chain(*args) | {"hash": None})
    fields = person.fields("/respond/p/basics")
    fields.setlist("established", ["1986"])  # a changed answer: an UPDATE
    fields.setlist("training", ["yes"])  # a new one: an INSERT
    fields["_nav"] = "next"
    failed = person.http.post(
        live.url + "/respond/p/basics",
        data=fields,
        headers={"Origin": live.url},
        allow_redirects=False,
        timeout=30,
    )
    assert failed.status_code == 500
    assert "Answers you saved before are kept." in failed.text
    assert count(live, AuditEntry, AuditEntry.action == "answer.save") == saves
    assert _stored(live) == {"established": 1980}
    assert _invitation(live, live.links[0].invitation_id) == before

    monkeypatch.setattr(audit, "chain", chain)
    again = person.http.get(live.url + "/respond/p/basics", timeout=30)
    assert "this page was not saved, but we kept what you typed" in again.text
    fields = browser_fields(again.text)
    assert fields.getlist("established") == ["1986"]
    assert fields.getlist("training") == ["yes"]
    fields["_nav"] = "stay"
    saved = person.http.post(
        live.url + "/respond/p/basics", data=fields, allow_redirects=False, timeout=30
    )
    assert saved.status_code == 303
    assert _stored(live) == {"established": 1986, "training": "yes"}
    assert count(live, AuditEntry, AuditEntry.action == "answer.save") == saves + 1
    with live.app.app_context():
        try:
            assert audit.verify_chain(db.session) is None
        finally:
            db.session.remove()


def _invitation(live: Live, invitation_id: int) -> tuple:
    with live.app.app_context():
        try:
            row = db.session.execute(
                select(Invitation.state, Invitation.version, Invitation.current_section).where(
                    Invitation.id == invitation_id
                )
            ).one()
            return tuple(row)
        finally:
            db.session.remove()


def _stored(live: Live) -> dict:
    with live.app.app_context():
        try:
            rows = db.session.execute(select(Answer.question_key, Answer.value)).all()
            return {key: value for key, value in rows if value is not None}
        finally:
            db.session.remove()
