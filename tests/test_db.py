"""The engines' backend profile: what a connection handed out by the pool can be trusted with."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from survey.db import make_engine

PID = text("SELECT pg_backend_pid()")


def test_a_connection_the_server_ended_is_replaced_when_it_leaves_the_pool(database_url):
    """FAULT-03 without a round trip per request: PostgreSQL ends a pooled connection (as a
    restart or pg_terminate_backend does); the next request gets a new connection that
    works, and a live pooled connection is still handed out again rather than replaced."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server whose connections could end")
    engine = make_engine(database_url, pool_size=1)
    outside = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            ended = connection.execute(PID).scalar()
        with outside.connect() as connection:  # waits up to 10 s until the backend is gone
            gone = text("SELECT pg_terminate_backend(:pid, 10000)")
            assert connection.execute(gone, {"pid": ended}).scalar()
        with engine.connect() as connection:
            replaced = connection.execute(PID).scalar()
        assert replaced != ended
        with engine.connect() as connection:
            assert connection.execute(PID).scalar() == replaced  # kept: nothing to replace
    finally:
        engine.dispose()
        outside.dispose()
