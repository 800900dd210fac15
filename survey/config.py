"""Configuration: defaults, then SURVEY_* environment variables, then the caller's overrides.

With nothing set the service runs on its embedded default: an SQLite file and a
generated secret key kept in the instance folder. In production mode
(`SURVEY_ENV=production`) `check_production` refuses unsafe settings.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy.engine import make_url

MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_SYMBOLS = 16  # a random key of 32+ characters has far more distinct ones
# Words that mark a key someone typed or copied from an example, never a random one.
KNOWN_DEFAULT_WORDS = (
    "changeme",
    "change-me",
    "secret",
    "password",
    "insecure",
    "default",
    "example",
)
TEMPORARY_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108  (refused, not used)


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "BASE_URL": None,  # canonical external URL for links in mail (AUTH-07)
    "LINK_KEY": None,  # HMAC key deriving respondent link tokens; never stored in the database
    "SMTP_HOST": None,  # None: mail is written to the instance outbox folder
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 10,
    "MAIL_FROM": "survey@localhost",
    "MAIL_REPLY_TO": None,
    "MAIL_MAX_ATTEMPTS": 12,  # temporary failures before a message is marked failed
    "MAIL_RETRY_SECONDS": 60,  # first back-off; doubles up to 6 hours
    "MAIL_SENDING_TIMEOUT_SECONDS": 600,  # a claim older than this is `unknown`
    "REDIS_URL": None,  # throttle counters shared by every process; None: in this process
    "TRUSTED_PROXIES": 0,  # reverse proxies in front: their X-Forwarded-For/-Proto are believed
    "LOGIN_MAX_ATTEMPTS": 5,  # failures per account before a lockout
    "LOGIN_LOCKOUT_MINUTES": 15,
    "LOGIN_IP_LIMIT": 30,  # attempts per IP per window
    "LOGIN_IP_WINDOW_SECONDS": 900,
    "SESSION_IDLE_MINUTES": 60,
    "TOKEN_IP_LIMIT": 20,  # unknown respondent links per client address per window (TOK-02)
    "TOKEN_IP_WINDOW_SECONDS": 900,
    "API_RATE_LIMIT": 600,  # API requests per token per window (the web's limiter)
    "API_RATE_WINDOW_SECONDS": 60,
    "AUTOSAVE_LIMIT": 120,  # autosaves per respondent session per minute
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # FILE-03
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "MAX_FORM_PARTS": 2000,
    "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead of a clock (CSRF-02)
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "CHECK_SCHEMA": True,  # refuse to serve a database that is not at the migration head
}


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill `app.config` from defaults, the SURVEY_ environment and `overrides`."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SURVEY")
    if overrides:
        app.config.update(overrides)
    app.config["ENV"] = str(app.config["ENV"]).lower()
    if app.config["ENV"] == "production":
        check_production(app.config)
        # Only the service's own host name may reach it (AUTH-07): Flask answers any other
        # Host header with 400, so that no page or link is built on an attacker's host.
        if not app.config.get("TRUSTED_HOSTS"):
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]
    _embedded_defaults(app)


def _embedded_defaults(app: Flask) -> None:
    """Fill in what the embedded default needs: a database file and a persistent secret key."""
    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'survey.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if not app.config.get("LINK_KEY"):
        app.config["LINK_KEY"] = _instance_secret(instance / "link_key")
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = "http://127.0.0.1:5000"  # the demo's address
    app.config.setdefault("OUTBOX_DIR", str(instance / "outbox"))


def _instance_secret(path: Path) -> str:
    """Read the instance secret key, creating it (owner-only) on first run."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def check_production(config: dict[str, Any]) -> None:
    """Refuse unsafe production settings (QUALITY.md CFG-01) with one message naming each."""
    problems = [
        *_key_problems("SURVEY_SECRET_KEY", config.get("SECRET_KEY"), ""),
        *_key_problems("SURVEY_LINK_KEY", config.get("LINK_KEY"), " (it derives respondent links)"),
    ]
    if config.get("DEBUG"):
        problems.append("debug mode must be off (unset SURVEY_DEBUG)")
    if _flag(config.get("TESTING")):
        problems.append("testing mode must be off (unset SURVEY_TESTING)")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SURVEY_SESSION_COOKIE_SECURE must be true (cookies over HTTPS only)")
    if str(config.get("SESSION_COOKIE_SAMESITE") or "").lower() not in ("lax", "strict"):
        problems.append("SURVEY_SESSION_COOKIE_SAMESITE must be Lax or Strict")
    base_url = urlsplit(str(config.get("BASE_URL") or ""))
    if base_url.scheme != "https" or not base_url.hostname:
        problems.append("SURVEY_BASE_URL must be set to the service's https:// address")
    problems += _database_problems(config.get("DATABASE_URL"))
    smtp_host = config.get("SMTP_HOST")
    if smtp_host and not _flag(config.get("SMTP_STARTTLS")) and not _loopback(str(smtp_host)):
        problems.append(
            f"SURVEY_SMTP_STARTTLS must be true to send mail to {smtp_host} "
            "(only a server on this machine may be reached without TLS)"
        )
    if problems:
        raise ConfigError("Refusing to start in production mode: " + "; ".join(problems) + ".")


def _key_problems(name: str, value: Any, why: str) -> list[str]:
    key = str(value or "")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return [
            f"{name} must be set to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters{why}"
        ]
    if len(set(key)) < MIN_SECRET_KEY_SYMBOLS or any(w in key.lower() for w in KNOWN_DEFAULT_WORDS):
        return [
            f"{name} looks typed or copied from an example, not random{why}: generate one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        ]
    return []


def _database_problems(url: Any) -> list[str]:
    if not url:
        return ["SURVEY_DATABASE_URL must be set (PostgreSQL recommended)"]
    try:
        parsed = make_url(str(url))
    except ValueError:
        return ["SURVEY_DATABASE_URL is not a database URL"]
    path = os.path.abspath(parsed.database) if parsed.database else ""
    if parsed.get_backend_name() == "sqlite" and path.startswith(TEMPORARY_FOLDERS):
        return [f"SURVEY_DATABASE_URL must not keep the database in a temporary folder ({path})"]
    return []


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")
