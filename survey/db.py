"""Database kernel: the declarative Base, column types, engines and the request session.

SQLite profile (QUALITY.md FAULT-01): WAL, foreign keys on, a busy timeout, and
`BEGIN IMMEDIATE` for transactions that will write, so two writers queue on the
lock instead of failing with "database is locked" halfway through. PostgreSQL
runs through psycopg 3 with `pool_pre_ping` so a restarted server costs nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.sql import ClauseElement
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
    return create_engine(url, **{"pool_pre_ping": True, **kwargs})


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
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver: through SQLAlchemy's execution machinery, a BEGIN cost every
        # request more than the database's own work on it. Errors are wrapped as
        # SQLAlchemy's would be (a locked database is an OperationalError either way).
        sql = f"BEGIN {_begin_mode.get()}"
        try:
            connection.connection.driver_connection.execute(sql)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, (), error, sqlite3.Error) from error


class Database:
    """The engine and the scoped session of one app; `session` is used everywhere."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.reader: Engine | None = None  # for `read_alone`; PostgreSQL's pool pings not
        self.url: str | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def configure(self, url: str) -> None:
        """Create the engine for `url` and bind the session factory to it (once per URL)."""
        if self.engine is not None and self.url == url:
            return
        self.dispose()
        self.url = url
        self.engine = make_engine(url)
        postgresql = self.engine.dialect.name == "postgresql"
        self.reader = make_engine(url, pool_pre_ping=False) if postgresql else self.engine
        self.session.remove()
        self.session.configure(bind=self.engine)

    def dispose(self) -> None:
        """Close the pools' connections (the engines stay usable)."""
        for engine in {self.engine, self.reader} - {None}:
            engine.dispose()


db = Database()


class DriverStatement(NamedTuple):
    """A statement compiled once for the driver, to be run on its connection directly.

    For statements whose rows are needed from inside a psycopg pipeline (SQLAlchemy
    reads a result as soon as it executes, which a pipeline defers), and for the
    hottest reads, where SQLAlchemy's work per execution (a result's metadata, its
    row objects) costs more than the database's. Parameters are converted as
    SQLAlchemy would (`params`), and so are the columns of the rows (`rows`).
    """

    sql: str
    processors: Mapping[str, Callable[[Any], Any]]
    fixed: Mapping[str, Any]  # the values the statement carries itself (literals)
    positions: tuple[str, ...] | None = None  # positional paramstyles: the names in order
    results: tuple[Callable[[Any], Any] | None, ...] = ()  # per column of a SELECT's rows
    error: type[Exception] = Exception  # the driver's base error, wrapped as SQLAlchemy does

    def params(self, values: Mapping[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """`values` as the driver takes them (JSON wrapped, timestamps in UTC, ...)."""
        processors = self.processors
        named = {
            name: processors[name](value) if name in processors else value
            for name, value in {**self.fixed, **values}.items()
        }
        if self.positions is None:
            return named
        return tuple(named[name] for name in self.positions)

    def execute(self, driver_connection: Any, values: Mapping[str, Any]) -> Any:
        """Run on a driver connection (`connection.connection.driver_connection`): its cursor.

        The statement runs in whatever transaction the connection is in, so a request
        that began one through SQLAlchemy reads within it; in a psycopg pipeline, its
        rows come once the pipeline is synced. The driver's errors come as SQLAlchemy's
        (`DBAPIError`), as from any other statement.
        """
        params = self.params(values)
        try:
            return driver_connection.execute(self.sql, params)
        except self.error as error:
            raise DBAPIError.instance(self.sql, params, error, self.error) from error

    def rows(self, driver_connection: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """`execute`, and its rows with their columns converted."""
        return self._converted(self.execute(driver_connection, values).fetchall())

    def _converted(self, fetched: list[Any]) -> list[tuple[Any, ...]]:
        if not any(self.results):
            return [tuple(row) for row in fetched]
        pairs = tuple(enumerate(self.results))
        return [
            tuple(row[n] if convert is None else convert(row[n]) for n, convert in pairs)
            for row in fetched
        ]


def driver_statement(
    statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None
) -> DriverStatement:
    """Compile `statement` for `dialect`'s driver, with its parameter and column conversions.

    `column_keys`: the columns an INSERT or UPDATE without values of its own sets.
    """
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    processors, fixed = {}, {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
        if not bind.required:
            fixed[name] = bind.effective_value
    positions = tuple(compiled.positiontup) if compiled.positional else None
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in compiled._result_columns  # noqa: SLF001  (SQLAlchemy has no public name)
    )
    error = dialect.loaded_dbapi.Error
    return DriverStatement(compiled.string, processors, fixed, positions, results, error)


def read_alone(engine: Engine, statement: DriverStatement, values: Mapping[str, Any]) -> list[Any]:
    """Run one reading statement on a pooled connection of its own, outside any transaction.

    For a request whose only database work is that one statement (a respondent's
    page): a statement alone is consistent in itself on both databases (SQLite runs
    it in autocommit, as PostgreSQL does here), and the request skips the session's
    transaction, its BEGIN and COMMIT.

    On PostgreSQL `engine` is `db.reader`, whose pool does not ping the connections it
    hands out: the statement itself finds out whether its connection still works, which
    saves every page the ping's round trip. Should the server have ended it (a restart),
    the pool is renewed and the statement, which only reads, runs once more on a new
    connection, so that a restart costs a page nothing (FAULT-03).
    """
    try:
        return _read_once(engine, statement, values)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        engine.dispose(close=False)  # the pool's other connections went with the server
        return _read_once(engine, statement, values)


def _read_once(engine: Engine, statement: DriverStatement, values: Mapping[str, Any]) -> list[Any]:
    raw = engine.raw_connection()
    driver = raw.driver_connection
    try:
        if engine.dialect.name != "postgresql":
            return statement.rows(driver, values)  # no BEGIN: autocommit (see _sqlite_profile)
        driver.autocommit = True
        try:
            return statement.rows(driver, values)
        finally:
            with contextlib.suppress(statement.error):  # a broken connection: the pool drops it
                driver.autocommit = False
    except DBAPIError as error:
        if engine.dialect.is_disconnect(error.orig, driver, None):
            error.connection_invalidated = True
            raw.invalidate(error.orig)
        raise
    finally:
        raw.close()  # back to the pool
