"""Migrations, the schema check at startup, and the append-only audit log."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from survey import audit, create_app
from survey.db import db
from survey.schema import alembic_config, head_revision
from tests.fixtures.database import TEST_DATABASE_URL
from tests.fixtures.web import SECRET


@pytest.fixture
def scratch_app(tmp_path, app):
    """An app on its own empty SQLite file; the session app's binding is restored after."""
    url = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    scratch = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    scratch.instance_path = str(tmp_path)
    yield scratch
    db.configure(app.config["DATABASE_URL"])


def test_empty_database_is_refused_with_the_fix(scratch_app):
    response = scratch_app.test_client().get("/login")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)


def test_upgrade_then_serve_then_downgrade(scratch_app):
    runner = scratch_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Database at {head_revision()}." in result.output
    assert scratch_app.test_client().get("/login").status_code == 200
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert "database: empty" in runner.invoke(args=["db", "current"]).output


def test_database_behind_head_names_the_command(scratch_app):
    runner = scratch_app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 1
    assert "survey db upgrade" in result.output


def test_upgrade_backs_up_an_existing_sqlite_file(scratch_app, tmp_path):
    runner = scratch_app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    runner.invoke(args=["db", "downgrade", "base"])
    command.stamp(alembic_config(scratch_app.config["DATABASE_URL"]), "base")
    with db.engine.begin() as connection:  # a database at an older revision than head
        connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num TEXT)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    result = runner.invoke(args=["db", "upgrade"])
    assert "Backed up the database to" in result.output
    assert list((tmp_path / "backups").glob("scratch-*.sqlite"))


def test_migrated_test_database_matches_the_models(database_url):
    command.check(alembic_config(database_url))  # raises when models and migrations differ


def test_audit_rows_cannot_be_changed_or_deleted(session):
    entry = audit.record(session, "test.event", details={"x": 1})
    for statement in (
        "UPDATE audit_entries SET action = 'forged' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
    ):
        nested = session.begin_nested()
        with pytest.raises(DatabaseError) as error:
            session.execute(text(statement), {"id": entry.id})
        nested.rollback()
        assert "append-only" in str(error.value)


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="tampering needs dropping the SQLite trigger")
def test_hash_chain_finds_a_tampered_row(session):
    audit.record(session, "test.one", details={"n": 1})
    second = audit.record(session, "test.two", details={"n": 2})
    audit.record(session, "test.three", details={"n": 3})
    assert audit.verify_chain(session) is None
    session.execute(text("DROP TRIGGER audit_entries_no_update"))
    session.execute(
        text("UPDATE audit_entries SET details = '{\"n\": 20}' WHERE id = :id"), {"id": second.id}
    )
    session.expire_all()
    assert audit.verify_chain(session) == second.id


def test_secrets_never_reach_the_audit_details(session):
    entry = audit.record(
        session,
        "test.secret",
        details={"password": "hunter22", "nested": {"token": "abc"}, "ok": 1},
    )
    assert entry.details == {"nested": {}, "ok": 1}


def test_migrations_have_a_single_head():
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; merge them"
