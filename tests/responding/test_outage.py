"""FAULT-03: while the database cannot be reached, a respondent's save gets a 503 page in
their language saying it was not saved, and what they typed comes back when they return;
the first save after the outage works. Run against a real server on PostgreSQL, whose
connections are refused for the length of the outage (SQLite has no server to lose)."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess  # noqa: S404  (mount and umount of a tmpfs)
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey.db import db
from survey.responding.models import Answer
from tests.e2e.live import seed_into, serve
from tests.fixtures.database import build_schema
from tests.responding.test_concurrency import Respondent, count, live  # noqa: F401  (fixture)
from tests.responding.test_flow import browser_fields


@contextlib.contextmanager
def outage() -> Iterator[None]:
    """No new connection to the database, and every open one ended, until the block ends."""
    import psycopg

    address = db.engine.url
    with psycopg.connect(
        host=address.host, port=address.port, user=address.username,
        password=address.password, dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        name = address.database
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_a_save_during_an_outage_is_a_503_and_keeps_what_was_typed(live):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server whose connections could be refused")
    person = Respondent(live, live.links[0])
    person.press("/respond/welcome", nav="start")
    fields = person.fields("/respond/p/basics")
    fields.setlist("established", ["1990"])
    fields["_nav"] = "stay"
    url = live.url + "/respond/p/basics"
    with outage():  # a browser's post names the page it comes from
        refused = person.http.post(
            url, data=fields, headers={"Origin": live.url}, allow_redirects=False, timeout=60
        )
        assert refused.status_code == 503
        assert "Not saved: the service is unavailable for a moment" in refused.text
        assert "Traceback" not in refused.text
    assert count(live, Answer, Answer.question_key == "established") == 0
    back = person.http.get(url, allow_redirects=False, timeout=30)
    assert back.status_code == 200
    kept = browser_fields(back.text)
    assert kept["established"] == "1990"  # what was typed, from before the outage
    kept["_nav"] = "stay"
    saved = person.http.post(url, data=kept, allow_redirects=False, timeout=30)
    assert saved.status_code == 303
    assert count(live, Answer, Answer.question_key == "established") == 1


def test_researcher_pages_answer_an_unreachable_database_with_503(fresh_app):
    from sqlalchemy.exc import OperationalError

    from survey.accounts.authz import public

    @fresh_app.route("/test-outage")
    @public
    def broken():  # noqa: ANN202
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    response = fresh_app.test_client().get("/test-outage")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of `megabytes` mounted at `folder` (root only), unmounted afterwards."""
    folder.mkdir()
    mounted = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)  # noqa: S603, S607


def fill(folder: Path) -> Path:
    """Write until the filesystem is full: ENOSPC. Return the filler, to free the space."""
    filler = folder / "filler"
    # Unbuffered: a write cut short by the full disk leaves nothing behind for close() to
    # flush (and fail on again, outside pytest.raises), whatever space was left before.
    with filler.open("wb", buffering=0) as handle, pytest.raises(OSError) as full:
        _write_forever(handle)
    assert full.value.errno == errno.ENOSPC
    return filler


def _write_forever(handle) -> None:  # noqa: ANN001
    while True:
        handle.write(b"\0" * 65536)
        handle.flush()
        os.fsync(handle.fileno())


def test_a_full_disk_is_a_503_keeps_the_input_and_the_database_intact(app, tmp_path):
    """FAULT-04 on SQLite: the disk fills up under a respondent's save; the save is a 503 that
    keeps what was typed, the database stays intact, and once space is freed the same
    server saves again, without a restart."""
    with small_disk(tmp_path / "disk", 24) as disk:
        url = f"sqlite:///{disk / 'live.sqlite'}"
        build_schema(url)
        with serve(url, restore_url=app.config["DATABASE_URL"]) as served:
            seed_into(served)
            person = Respondent(served, served.links[0])
            person.press("/respond/welcome", nav="start")
            page = served.url + "/respond/p/basics"
            fields = person.fields("/respond/p/basics")
            fields.setlist("established", ["1990"])
            fields["_nav"] = "stay"
            filler = fill(disk)
            refused = person.http.post(
                page, data=fields, headers={"Origin": served.url}, allow_redirects=False
            )
            assert refused.status_code == 503
            assert "Not saved: the service is unavailable for a moment" in refused.text
            with contextlib.closing(
                sqlite3.connect(f"file:{disk / 'live.sqlite'}?mode=ro", uri=True)
            ) as check:
                assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            filler.unlink()  # space again: the same process saves, no restart
            back = person.http.get(page, allow_redirects=False, timeout=30)
            kept = browser_fields(back.text)
            assert kept["established"] == "1990"
            kept["_nav"] = "stay"
            saved = person.http.post(page, data=kept, allow_redirects=False, timeout=30)
            assert saved.status_code == 303
            assert count(served, Answer, Answer.question_key == "established") == 1
