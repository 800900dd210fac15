"""Erasing a respondent of the demo, on the test run's backend (SQLite, or PostgreSQL with
SURVEY_TEST_DATABASE_URL): afterwards their name and e-mail are nowhere in the database
(a byte search of the SQLite file and its -wal, or of `pg_dump`'s output), the audit chain
is intact (AUDIT-02), exports and comparisons work and show the pseudonym."""

from __future__ import annotations

import csv
import io
import json
import secrets
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from survey import create_app
from survey.db import db
from tests.fixtures.database import TEST_DATABASE_URL, build_schema
from tests.fixtures.web import SECRET

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_url(tmp_path, app):
    """A fresh database of the run's backend holding `survey demo --no-serve`."""
    if not TEST_DATABASE_URL:
        url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
        yield url
        db.configure(app.config["DATABASE_URL"])
        return
    base = make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_erase_{secrets.token_hex(3)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        build_schema(url)
        yield url
    finally:
        db.configure(app.config["DATABASE_URL"])
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stored_bytes(url: str) -> bytes:
    """Everything the database holds: the SQLite file and its log, or a plain pg_dump."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        found = path.read_bytes()
        for suffix in ("-wal", "-journal"):
            log = path.with_name(path.name + suffix)
            if log.exists():
                found += log.read_bytes()
        return found
    return subprocess.run(
        ["pg_dump", "--no-owner", "--format=plain", url],
        check=True,
        capture_output=True,
    ).stdout


def test_audit02_erasing_a_demo_respondent_leaves_no_trace_and_the_chain_intact(demo_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": demo_url, "SECRET_KEY": SECRET})
    app.instance_path = str(tmp_path)
    run = app.test_cli_runner().invoke
    made = run(args=["demo", "--no-serve"])
    assert made.exit_code == 0, made.output
    with app.app_context():
        from survey.studies.models import Respondent

        person = db.session.scalars(select(Respondent).order_by(Respondent.id)).first()
        rid, name, email = person.id, person.name, person.email
        db.session.remove()
    before = stored_bytes(demo_url)
    assert name.encode() in before
    assert email.encode() in before

    held = tmp_path / "held.json"
    taken = run(args=["respondent", "export", email, "-o", str(held)])
    assert taken.exit_code == 0, taken.output
    document = json.loads(held.read_text(encoding="utf-8"))
    assert document["respondent"]["email"] == email
    assert any(a["history"] for i in document["invitations"] for a in i["answers"])
    page = (tmp_path / "held.html").read_text(encoding="utf-8")
    assert name in page

    no_reason = run(args=["respondent", "erase", str(rid), "--reason", " "])
    assert no_reason.exit_code == 1
    erased = run(args=["respondent", "erase", email, "--reason", "asked on 1 December"])
    assert erased.exit_code == 0, erased.output
    pseudonym = erased.output.split("now ")[1].split(".")[0]
    assert pseudonym.startswith("erased-")

    after = stored_bytes(demo_url)
    assert name.encode() not in after
    assert email.encode() not in after
    assert name.encode("unicode_escape") not in after  # nor as JSON escapes
    verified = run(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.output

    wide = tmp_path / "wide.csv"
    exported = run(args=["export", "interviews-2009-2010", "--format", "csv", "--identifiers",
                         "--reason", "check the pseudonym", "-o", str(wide)])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(wide.read_text(encoding="utf-8"))))
    assert pseudonym in {value for row in rows for value in row.values()}
    compared = run(args=["compare", "interviews-2009-2010"])
    assert compared.exit_code == 0, compared.output
    listed = run(args=["discrepancies", "interviews-2009-2010", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    again = run(args=["respondent", "export", str(rid), "-o", str(tmp_path / "again.json")])
    assert again.exit_code == 0, again.output
    later = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert later["respondent"]["name"] == pseudonym
    saves = [row for row in later["audit"] if row["action"] == "answer.save"]
    assert saves
    assert all(row["details"]["changes"] == "[erased]" for row in saves)
