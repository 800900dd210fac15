"""After an erasure commits: make the old values leave the database file too.

SQLite runs with `secure_delete=ON` (db.py), so a deleted or replaced row's bytes are
overwritten; the old pages may still sit in the write-ahead log, so the log is
checkpointed and truncated, and `VACUUM` rewrites the file without free pages.
PostgreSQL keeps old row versions until vacuumed: `VACUUM` on the tables an erasure
touches. Both need no transaction open; a failure is reported, never raised (the
erasure itself is done and committed).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine

TABLES = (
    "respondents", "answers", "explanations", "outbox_messages", "invitations", "comparisons",
    "discrepancies", "subject_keys", "api_idempotent_requests", "contact_attempts",
)  # fmt: skip
log = logging.getLogger(__name__)


def after_erasure(session: Any) -> bool:
    """Checkpoint and VACUUM (SQLite) or VACUUM the touched tables (PostgreSQL).

    Skipped (False) when the session is bound to a connection held open by its caller (the
    tests' outer transaction, which a VACUUM would wait for)."""
    try:
        engine = session.get_bind()
    except Exception:  # noqa: BLE001  (no app context any more: nothing to tidy here)
        return False
    if not isinstance(engine, Engine):
        return False
    raw = engine.raw_connection()  # the driver's own: no BEGIN of ours around VACUUM
    try:
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True
            statements = [f"VACUUM {table}" for table in TABLES]
        else:  # pysqlite with isolation_level None (db.py): each statement on its own
            statements = [
                "PRAGMA wal_checkpoint(TRUNCATE)",
                "VACUUM",
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ]
        cursor = raw.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        return True
    except Exception:  # noqa: BLE001  (the erasure is committed; this only tidies the file)
        log.exception("after an erasure, the database file could not be compacted")
        return False
    finally:
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = False
        raw.close()
