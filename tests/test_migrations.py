"""SCHEMA-03 and SCHEMA-04: migrations on a populated database, and a migration that fails.

SCHEMA-03: the demo study (pairs, respondents, invitations, answers, comparisons, audit
rows, mail) is put in a database at head, taken back to every earlier revision and
upgraded again: every table present before and after holds the same rows, byte for byte,
and no foreign key dangles (SQLite runs with foreign_keys=ON, where a batch rebuild could
silently cascade deletes). SCHEMA-04: a migration step that fails leaves the database at
its old revision with its data, and the service goes on serving it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from survey import create_app
from survey.db import db, make_engine
from survey.schema import MIGRATIONS, alembic_config, head_revision
from tests.fixtures.database import TEST_DATABASE_URL, build_schema, worker_database, worker_url
from tests.fixtures.web import SECRET

# Apps built here rebind the shared session; the fixture gives it back.
pytestmark = pytest.mark.usefixtures("rebinds_database")


@pytest.fixture
def populated(tmp_path: Path) -> Iterator[str]:
    """The URL of a database of this test's own at head, holding the demo study."""

    def fill(url: str) -> str:
        build_schema(url)
        demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
        demo.instance_path = str(tmp_path / "instance")
        result = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
        db.session.remove()  # the command's session: no connection may hold a lock
        db.dispose()
        return url

    if TEST_DATABASE_URL:
        named = os.environ["SURVEY_TEST_DATABASE_URL"]
        with worker_database(worker_url(named, f"migrate_{os.getpid()}")) as url:
            yield fill(url)
        return
    yield fill(f"sqlite:///{tmp_path / 'populated.sqlite'}")


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def contents(url: str) -> dict[str, tuple[int, str]]:
    """Per table: its row count and a hash of its rows in primary-key order."""
    engine = make_engine(url)
    found = {}
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table in inspector.get_table_names():
                if table == "alembic_version":
                    continue
                columns = [c["name"] for c in inspector.get_columns(table)]
                keys = inspector.get_pk_constraint(table)["constrained_columns"] or columns
                order = ", ".join(f'"{k}"' for k in keys)
                listed = ", ".join(f'"{c}"' for c in sorted(columns))
                rows = connection.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY {order}'))
                digest = hashlib.sha256()
                count = 0
                for row in rows:
                    digest.update(repr(tuple(_plain(v) for v in row)).encode())
                    count += 1
                found[table] = (count, digest.hexdigest())
            if connection.dialect.name == "sqlite":
                dangling = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                assert dangling == [], dangling
    finally:
        engine.dispose()
    return found


def _plain(value: object) -> object:
    """The same value read from either backend's driver (JSON as text, times as ISO)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    if isinstance(value, dict | list):
        return repr(value)
    return value


def test_upgrading_a_populated_database_from_every_revision_keeps_every_row(populated):
    config = alembic_config(populated)
    at_head = contents(populated)
    assert at_head["answers"][0] > 1000  # the demo is really there
    assert at_head["audit_entries"][0] > 100
    older = revisions_oldest_first()[:-1]
    assert older, "at least one revision before head"
    for revision in reversed(older):
        command.downgrade(config, revision)
        before = contents(populated)
        command.upgrade(config, "head")
        after = contents(populated)
        for table in sorted(before.keys() & after.keys()):
            assert before[table] == after[table], (revision, table)
        assert after == at_head, revision  # nothing lost on the way down and up either


def test_a_failing_migration_leaves_the_database_at_its_revision_and_serving(populated, tmp_path):
    """A step that fails half-way (a column added, then an error) is rolled back whole."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    head = head_revision()
    (folder / "versions" / "9999_fails.py").write_text(
        f'''"""a migration that fails half-way"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("studies", sa.Column("half_done", sa.Integer(), nullable=True))
    op.execute("UPDATE studies SET half_done = 1")
    raise RuntimeError("injected failure")


def downgrade():
    pass
''',
        encoding="utf-8",
    )
    config = alembic_config(populated)
    config.set_main_option("script_location", str(folder))
    before = contents(populated)
    with pytest.raises(RuntimeError, match="injected failure"):
        command.upgrade(config, "head")
    engine = make_engine(populated)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        columns = {c["name"] for c in inspect(connection).get_columns("studies")}
    engine.dispose()
    assert "half_done" not in columns
    assert contents(populated) == before
    serving = create_app({"TESTING": True, "DATABASE_URL": populated, "SECRET_KEY": SECRET})
    assert serving.test_client().get("/login").status_code == 200
    db.session.remove()
    db.dispose()
