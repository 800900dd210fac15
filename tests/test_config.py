"""Configuration: the embedded default and the production refusals (CFG-01)."""

from __future__ import annotations

import stat

import pytest

from survey import create_app
from survey.config import ConfigError
from survey.db import db


@pytest.fixture(autouse=True)
def _restore_database(app):
    """Apps built here rebind the shared session; give it back to the test database."""
    yield
    db.configure(app.config["DATABASE_URL"])


SAFE = {
    "ENV": "production",
    "SECRET_KEY": "x" * 40,
    "LINK_KEY": "k" * 40,
    "SESSION_COOKIE_SECURE": True,
    "BASE_URL": "https://survey.example.org",
    "DATABASE_URL": "sqlite://",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SECRET_KEY": None}, "SURVEY_SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SURVEY_SECRET_KEY"),
        ({"DEBUG": True}, "debug mode"),
        ({"LINK_KEY": "short"}, "SURVEY_LINK_KEY"),
        ({"SESSION_COOKIE_SECURE": False}, "SURVEY_SESSION_COOKIE_SECURE"),
        ({"BASE_URL": None}, "SURVEY_BASE_URL"),
        ({"BASE_URL": "http://survey.example.org"}, "SURVEY_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(override, named):
    with pytest.raises(ConfigError) as error:
        create_app({**SAFE, **override})
    assert named in str(error.value)
    assert str(error.value).startswith("Refusing to start in production mode")


def test_production_lists_every_problem_at_once():
    with pytest.raises(ConfigError) as error:
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://"})
    message = str(error.value)
    assert "SURVEY_SECRET_KEY" in message
    assert "SURVEY_BASE_URL" in message
    assert "SURVEY_SESSION_COOKIE_SECURE" in message


def test_production_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "y" * 40)
    monkeypatch.setenv("SURVEY_LINK_KEY", "z" * 40)
    monkeypatch.setenv("SURVEY_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SURVEY_BASE_URL", "https://survey.example.org")
    monkeypatch.setenv("SURVEY_DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["BASE_URL"] == "https://survey.example.org"


def test_safe_production_settings_start():
    app = create_app(dict(SAFE))
    assert app.config["ENV"] == "production"


def test_embedded_default_keeps_database_and_secret_in_instance_folder(tmp_path, monkeypatch):
    for name in ("SURVEY_DATABASE_URL", "SURVEY_SECRET_KEY", "SURVEY_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app()
    second = create_app()
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'survey.sqlite'}"
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == key_file.read_text() == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
