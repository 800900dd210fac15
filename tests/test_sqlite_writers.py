"""SQLite's writers take turns on a lock file beside the database (survey.db._WriterQueue).

Each test opens a real SQLite file. A writer's connection is set never to wait in
SQLite's own busy handler (`busy_timeout=0`), so a writer that reached `BEGIN IMMEDIATE`
while another held the database would fail with "database is locked" at once: the
tests pass only when writers wait for their turn before that.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from survey.db import make_engine, writing

INSERT = text("INSERT INTO log (who) VALUES (:who)")


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def impatient(connection) -> None:
    """Never wait in SQLite's busy handler on this connection."""
    connection.connection.driver_connection.execute("PRAGMA busy_timeout=0")


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def lock_path(engine) -> str:
    return engine.url.database + "-writer.lock"


def test_a_writer_waits_for_its_turn_and_goes_on_once_the_one_before_commits(engine):
    events: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with engine.connect() as connection, writing():
            impatient(connection)
            connection.execute(INSERT, {"who": "first"})
            events.append("first holds")
            holding.set()
            release.wait(10)
            events.append("first commits")
            connection.commit()

    def second() -> None:
        holding.wait(10)
        with engine.connect() as connection, writing():
            impatient(connection)
            connection.execute(INSERT, {"who": "second"})  # begins: waits for its turn
            events.append("second wrote")
            connection.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    assert not lock_is_free(lock_path(engine))  # the first writer holds its turn
    release.set()
    for thread in threads:
        thread.join(20)
    assert events == ["first holds", "first commits", "second wrote"]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT who FROM log ORDER BY id")).scalars().all()
    assert rows == ["first", "second"]
    assert lock_is_free(lock_path(engine))  # both back in the pool: nobody holds it


def test_a_rolled_back_writer_lets_the_next_one_go(engine):
    with engine.connect() as connection, writing():
        connection.execute(INSERT, {"who": "undone"})
        assert not lock_is_free(lock_path(engine))
        connection.rollback()
    assert lock_is_free(lock_path(engine))
    with engine.connect() as connection, writing():
        impatient(connection)
        connection.execute(INSERT, {"who": "next"})
        connection.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT who FROM log")).scalars().all() == ["next"]


def test_readers_do_not_take_a_turn(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM log")).scalar()
        assert lock_is_free(lock_path(engine))


def test_a_writer_killed_while_holding_its_turn_lets_the_next_one_go(engine):
    """The kernel lets go of a dead process's lock: nothing stays stuck (FAULT-02)."""
    holder = textwrap.dedent(
        f"""
        import os, signal, sys
        from sqlalchemy import text
        from survey.db import make_engine, writing
        engine = make_engine({str(engine.url)!r})
        connection = engine.connect()
        with writing():
            connection.execute(text("INSERT INTO log (who) VALUES ('killed')"))
        print("holding", flush=True)
        sys.stdin.readline()
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout.readline().strip() == "holding"
            assert not lock_is_free(lock_path(engine))
        finally:
            process.kill()
            process.wait(10)
    with engine.connect() as connection, writing():
        impatient(connection)
        connection.execute(INSERT, {"who": "after"})
        connection.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT who FROM log")).scalars().all() == ["after"]


def test_a_thread_writing_on_a_second_connection_does_not_wait_for_itself(engine):
    """Holding its turn on one connection, a thread that begins writing on another goes
    straight to SQLite's lock, which refuses it (it would otherwise wait for itself)."""
    with engine.connect() as first, writing():
        first.execute(INSERT, {"who": "first"})
        with engine.connect() as second:
            impatient(second)
            with pytest.raises(OperationalError, match="locked"):
                second.execute(INSERT, {"who": "second"})
        first.commit()


@pytest.mark.usefixtures("rebinds_database")
def test_an_export_reads_apart_letting_writers_go_and_writes_its_audit_row_after(tmp_path):
    """`transaction.reading_apart`: what a writing request did is committed, the long read
    holds no writer's lock (another writer goes on at once), and what comes after writes
    in a writer's transaction again."""
    from survey import create_app, transaction
    from survey.db import db
    from tests.fixtures.database import build_schema
    from tests.fixtures.web import SECRET

    url = f"sqlite:///{tmp_path / 'export.db'}"
    build_schema(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    other = make_engine(url)
    path = url.removeprefix("sqlite:///") + "-writer.lock"
    count = text("SELECT count(*) FROM audit_entries")
    try:
        with app.test_request_context("/export", method="POST"):
            transaction._begin()
            db.session.execute(count)  # the request began as a writer…
            assert not lock_is_free(path)
            with transaction.reading_apart() as session:
                assert lock_is_free(path)  # …and let go for the long read
                with other.connect() as connection, writing():
                    impatient(connection)
                    connection.execute(text("CREATE TABLE written_meanwhile (id INTEGER)"))
                    connection.commit()
                session.execute(count)
                assert lock_is_free(path)
            db.session.execute(count)
            assert not lock_is_free(path)  # what comes after writes again
            transaction._teardown(None)
        assert lock_is_free(path)
    finally:
        other.dispose()
