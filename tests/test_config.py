"""Configuration: the embedded default and the production refusals (CFG-01)."""

from __future__ import annotations

import stat

import pytest

from survey import create_app
from survey.config import ConfigError

# Apps built here rebind the shared session; the fixture gives it back.
pytestmark = pytest.mark.usefixtures("rebinds_database")


SAFE = {
    "ENV": "production",
    "SECRET_KEY": "q8Vd0sXr4mJt2LwYe9HcKb7NpZa5Gf1Ui3Oo6Rk",  # typed once, as random as a key is
    "LINK_KEY": "Zt5Lm2Qw8Rb4Xn7Cy1Vd9Ks3Hp6Gj0Fa2Ue5Wi",
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
        ({"BASE_URL": "https://"}, "SURVEY_BASE_URL"),
        ({"SECRET_KEY": "a" * 48}, "SURVEY_SECRET_KEY looks typed"),
        ({"SECRET_KEY": "changeme-changeme-changeme-0123456789abcdefgh"}, "SURVEY_SECRET_KEY"),
        ({"LINK_KEY": "my-very-secret-link-key-for-the-survey-2026"}, "SURVEY_LINK_KEY looks"),
        ({"TESTING": True}, "testing mode"),
        ({"TESTING": "true"}, "testing mode"),
        ({"SESSION_COOKIE_SAMESITE": None}, "SURVEY_SESSION_COOKIE_SAMESITE"),
        ({"SESSION_COOKIE_SAMESITE": "None"}, "SURVEY_SESSION_COOKIE_SAMESITE"),
        ({"SMTP_HOST": "smtp.example.org"}, "SURVEY_SMTP_STARTTLS must be true"),
        ({"DATABASE_URL": "sqlite:////tmp/survey.sqlite"}, "temporary folder (/tmp/survey.sqlite)"),
        ({"DATABASE_URL": "sqlite:////var/tmp/x/../s.db"}, "temporary folder"),
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
    monkeypatch.setenv("SURVEY_SECRET_KEY", SAFE["SECRET_KEY"])
    monkeypatch.setenv("SURVEY_LINK_KEY", SAFE["LINK_KEY"])
    monkeypatch.setenv("SURVEY_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SURVEY_BASE_URL", "https://survey.example.org")
    monkeypatch.setenv("SURVEY_DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["BASE_URL"] == "https://survey.example.org"


def test_safe_production_settings_start():
    app = create_app(dict(SAFE))
    assert app.config["ENV"] == "production"
    # mail over STARTTLS, or to a server on this machine, and a database in a real folder
    for override in (
        {"SMTP_HOST": "smtp.example.org", "SMTP_STARTTLS": "true"},
        {"SMTP_HOST": "127.0.0.1"},
        {"SMTP_HOST": "localhost"},
        {"SESSION_COOKIE_SAMESITE": "Strict"},
        {"DATABASE_URL": "sqlite:////srv/survey/survey.sqlite"},
    ):
        assert create_app({**SAFE, **override}).config["ENV"] == "production"


def test_production_answers_only_its_own_host():
    """AUTH-07: a Host header other than the base URL's is refused, so no link uses it."""
    app = create_app({**SAFE, "CHECK_SCHEMA": False})  # its database is not migrated
    client = app.test_client()
    page = "/static/researcher.css"
    with client.get(page, headers={"Host": "survey.example.org"}) as own:
        assert own.status_code == 200
    for host in ("evil.example", "survey.example.org.evil.example"):
        for path in (page, "/login"):
            with client.get(path, headers={"Host": host}) as other:
                assert other.status_code == 400, (host, path)
                assert "The request could not be understood." in other.get_data(as_text=True)


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
