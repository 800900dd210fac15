"""Database kernel: the declarative Base, column types, engines and the request session.

SQLite profile (QUALITY.md FAULT-01): WAL, foreign keys on, a busy timeout, and
`BEGIN IMMEDIATE` for transactions that will write, so two writers queue on the
lock instead of failing with "database is locked" halfway through; writers take
turns on a lock file first, so that the next one goes on as soon as the one before
it is done rather than when SQLite's busy handler wakes up (`_WriterQueue`). PostgreSQL
runs through psycopg 3; a connection the server ended (a restart, `pg_terminate_backend`)
is swapped for a new one when it leaves the pool, so a restarted server costs nothing
(FAULT-03), without the round trip per request of `pool_pre_ping`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import fcntl
import os
import select
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Whether transactions begun in this context will write (SQLite: BEGIN IMMEDIATE).
_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("begin_mode", default="DEFERRED")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use survey.db.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


_clock: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "survey_clock", default=None
)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC (or the moment `clock_at` set)."""
    return _clock.get() or dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Stamp everything inside with `moment` (the demo's fieldwork, dated in its round)."""
    token = _clock.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _clock.reset(token)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Mark transactions begun inside as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _begin_mode.set("IMMEDIATE")
    try:
        yield
    finally:
        _begin_mode.reset(token)


def set_writing(on: bool) -> contextvars.Token[str]:
    """Set the begin mode for the rest of this context (a request); returns a reset token."""
    return _begin_mode.set("IMMEDIATE" if on else "DEFERRED")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the backend profile applied."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _sqlite_profile(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, **kwargs)
    _postgresql_profile(engine)
    return engine


def _postgresql_profile(engine: Engine) -> None:
    """Hand out no connection that the server has ended since it went back to the pool.

    An idle connection has nothing to read: when its socket is readable, the server sent
    its goodbye (pg_terminate_backend, a shutdown) or closed it. Raising SQLAlchemy's
    `DisconnectionError` in the pool's checkout event makes the pool discard it and
    connect anew (SQLAlchemy's documented custom pessimistic check). This costs a poll
    of the socket where `pool_pre_ping` costs a round trip to the server per request.
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
            raise DisconnectionError("the server ended this pooled connection")


def _readable(fd: int) -> bool:
    """Whether anything (data, end of file, an error) waits on socket `fd` right now."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _sqlite_profile(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout; take transaction control from pysqlite."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=10000",
            "synchronous=NORMAL",
            "journal_size_limit=67108864",
            "secure_delete=ON",  # deleted and replaced content is overwritten (erasure)
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    database = engine.url.database
    on_disk = database not in (None, "", ":memory:")
    queue = _WriterQueue(f"{database}-writer.lock") if on_disk else None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = _begin_mode.get()
        if mode == "IMMEDIATE" and queue is not None:
            queue.enter(connection.info)
        # SQLAlchemy's documented recipe for pysqlite's transactions.
        connection.exec_driver_sql(f"BEGIN {mode}")

    if queue is not None:  # the pool's events come after COMMIT or ROLLBACK
        event.listen(engine, "checkin", lambda _dbapi, record: queue.leave(record.info))
        event.listen(engine, "close", lambda _dbapi, record: queue.leave(record.info))


class _WriterQueue:
    """Writers of one SQLite file take turns on a lock file beside it, each going on at once.

    SQLite's busy handler sleeps 1, 2, 5, 10 … 100 ms between its tries, so a writer
    that finds the database locked waits far longer than the 1-2 ms a save holds it:
    with two app processes saving, most of their time went on sleeping (issue 14).
    Here a writer first takes an exclusive `flock` on `path`, polling it every 0.1-0.5 ms,
    then SQLite's lock, which is free by then. Each pooled connection opens the file
    itself (flock belongs to an open file, so two connections of one process exclude
    each other too) and lets go when it returns to the pool, after its COMMIT or
    ROLLBACK. The kernel lets go of a killed process's lock. A thread that holds the
    lock on one connection and begins writing on another does not wait for itself,
    and past `timeout` a writer goes on to SQLite's own lock and busy timeout: a writer
    that does not take turns here (the sqlite3 shell) is still waited for as before.
    """

    def __init__(self, path: str, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        self.holders: dict[int, int] = {}  # thread → how many of its connections hold it

    def enter(self, info: dict[str, Any]) -> None:
        """Wait for the turn of the connection whose `info` this is (it keeps the lock)."""
        thread = threading.get_ident()
        if info.get("writer_lock") is not None or self.holders.get(thread):
            return  # held by this connection already, or by this thread on another one
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return  # no lock file (a read-only folder, a full disk): SQLite's lock alone
        deadline, pause = time.monotonic() + self.timeout, 0.0001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    return
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
        info["writer_lock"] = (fd, thread)
        self.holders[thread] = self.holders.get(thread, 0) + 1

    def leave(self, info: dict[str, Any]) -> None:
        """Let the next writer go: the connection is back in the pool, or closed."""
        held = info.pop("writer_lock", None)
        if held is not None:
            fd, thread = held
            os.close(fd)  # closing the file lets go of its lock
            left = self.holders.pop(thread, 1) - 1
            if left:
                self.holders[thread] = left


class Database:
    """The engine and the scoped session of one app; `session` is used everywhere."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.url: str | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def configure(self, url: str) -> None:
        """Create the engine for `url` and bind the session factory to it (once per URL)."""
        if self.engine is not None and self.url == url:
            return
        self.dispose()
        self.url = url
        self.engine = make_engine(url)
        self.session.remove()
        self.session.configure(bind=self.engine)

    def dispose(self) -> None:
        """Close the pool's connections (the engine stays usable)."""
        if self.engine is not None:
            self.engine.dispose()


db = Database()
