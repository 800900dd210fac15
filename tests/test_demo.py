"""`survey demo`: the newcomer's first command sets everything up on the embedded default."""

from __future__ import annotations

import json

from survey import create_app
from survey.db import db
from tests.fixtures.web import SECRET, login, text_of


def test_demo_sets_up_database_account_and_sample_study(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    try:
        result = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
        assert "e-mail:   demo@example.org" in result.output
        assert "Study:    sister-cities\n" in result.output
        assert "Round:    interviews-2009-2010 " in result.output
        listed = demo.test_cli_runner().invoke(args=["round", "list", "--format", "json"])
        assert [r["slug"] for r in json.loads(listed.output)] == ["interviews-2009-2010"]
        link = result.output.split("Respondent links")[1].split(": http://127.0.0.1:5000")[1]
        respondent = demo.test_client().get(link.split()[0])
        assert respondent.status_code == 303  # the link works: exchanged for a session
        password = result.output.split("password: ")[1].split()[0]
        client = demo.test_client()
        assert login(client, "demo@example.org", password).status_code == 302
        assert "sister-cities" in text_of(client.get("/"))
        assert "sister-cities" in text_of(client.get("/questionnaires/"))
        again = demo.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert again.exit_code == 0, again.output
        new_password = again.output.split("password: ")[1].split()[0]
        assert new_password != password  # a fresh password each start, the old one revoked
        assert login(demo.test_client(), "demo@example.org", password).status_code == 200
    finally:
        db.configure(app.config["DATABASE_URL"])


def test_demo_serves_on_the_given_port(tmp_path, app, monkeypatch):
    """app.run() is a no-op inside the flask CLI; the demo must really serve."""
    served = {}
    monkeypatch.setattr(
        "werkzeug.serving.run_simple",
        lambda host, port, application, **kw: served.update(host=host, port=port),
    )
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    demo = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    demo.instance_path = str(tmp_path)
    try:
        result = demo.test_cli_runner().invoke(args=["demo", "--port", "5099"])
        assert result.exit_code == 0, result.output
        assert served == {"host": "127.0.0.1", "port": 5099}
        assert "http://127.0.0.1:5099/r/" in result.output
    finally:
        db.configure(app.config["DATABASE_URL"])
