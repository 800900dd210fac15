"""FAULT-07: `survey db backup` and `survey db restore` on a database of their own, on SQLite
(online backup API) and PostgreSQL (pg_dump / pg_restore); a restored database is at head
with an intact audit chain, and what was written after the backup is gone."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from survey import create_app
from survey.accounts import services as accounts
from survey.db import db
from survey.studies import services as studies
from survey.studies.models import Study
from tests.fixtures.database import TEST_DATABASE_URL, build_schema, worker_database, worker_url
from tests.fixtures.web import SECRET

# Apps built here rebind the shared session; the fixture gives it back.
pytestmark = pytest.mark.usefixtures("rebinds_database")


@pytest.fixture
def own_url(tmp_path: Path) -> Iterator[str]:
    """A migrated database for this test alone, on the backend under test."""
    if TEST_DATABASE_URL:
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
        named = os.environ["SURVEY_TEST_DATABASE_URL"]
        with worker_database(worker_url(named, f"backup_{os.getpid()}")) as url:
            build_schema(url)
            yield url
        return
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    build_schema(url)
    yield url


@pytest.fixture
def own_app(own_url: str, tmp_path: Path):  # noqa: ANN201
    app = create_app({"TESTING": True, "DATABASE_URL": own_url, "SECRET_KEY": SECRET})
    app.instance_path = str(tmp_path / "instance")
    yield app
    db.session.remove()
    db.dispose()


def add_study(app, slug: str) -> None:  # noqa: ANN001
    with app.app_context():
        owner = accounts.create_user(db.session, f"{slug}@example.org", "a long pass phrase 1")
        studies.create_study(db.session, slug, [("us", "en"), ("cn", "zh-Hans")], owner=owner)
        db.session.commit()


def slugs(app) -> set[str]:  # noqa: ANN001
    with app.app_context():
        found = set(db.session.scalars(select(Study.slug)))
        db.session.rollback()
        return found


def test_a_restore_brings_back_the_database_as_it_was_at_the_backup(own_app, tmp_path):
    runner = own_app.test_cli_runner()
    add_study(own_app, "before")
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["db", "backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Backed up the database to {target}." in result.output
    assert target.stat().st_size > 0
    add_study(own_app, "after")
    assert slugs(own_app) == {"before", "after"}

    # asked first; no answer, no change
    refused = runner.invoke(args=["db", "restore", str(target)], input="n\n")
    assert refused.exit_code == 1
    assert slugs(own_app) == {"before", "after"}

    result = runner.invoke(args=["db", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Restored {target}." in result.output
    assert "The audit chain of" in result.output
    assert "entries is intact." in result.output
    assert slugs(own_app) == {"before"}
    checked = runner.invoke(args=["db", "check"])
    assert checked.exit_code == 0, checked.output
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0
    assert "intact" in verified.output
    # the service goes on writing to the restored database
    add_study(own_app, "later")
    assert slugs(own_app) == {"before", "later"}
    if own_app.config["DATABASE_URL"].startswith("sqlite"):
        kept = list((tmp_path / "instance" / "backups").glob("live-before-restore-*.sqlite"))
        assert len(kept) == 1  # the replaced file is kept


def test_backup_and_restore_refuse_bad_targets_and_files_with_one_line(own_app, tmp_path):
    runner = own_app.test_cli_runner()
    existing = tmp_path / "exists.dump"
    existing.write_text("x", encoding="utf-8")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    cases = [
        (["db", "backup", "-o", str(existing)], "exists already"),
        (["db", "backup", "-o", str(tmp_path / "missing" / "b.dump")], "does not exist"),
        (["db", "restore", str(tmp_path / "nothing.dump"), "--yes"], "does not exist"),
        (["db", "restore", str(garbage), "--yes"], "not"),
    ]
    add_study(own_app, "kept")
    for args, says in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert says in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert existing.read_text(encoding="utf-8") == "x"  # never overwritten
    assert slugs(own_app) == {"kept"}  # a refused restore changes nothing


def test_audit_verify_names_the_first_changed_entry(own_app):
    """AUDIT-02 through the command, on both backends: a row changed behind the service's back."""
    from sqlalchemy import text

    add_study(own_app, "watched")
    with own_app.app_context():
        first = db.session.scalar(text("SELECT min(id) FROM audit_entries"))
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            for trigger in connection.execute(
                text(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'trigger' AND tbl_name = 'audit_entries'"
                )
            ).scalars():
                connection.execute(text(f'DROP TRIGGER "{trigger}"'))
        connection.execute(
            text("UPDATE audit_entries SET action = 'tampered' WHERE id = :id"), {"id": first}
        )
        db.session.commit()
    result = own_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"The audit chain is broken at entry {first}" in result.output
