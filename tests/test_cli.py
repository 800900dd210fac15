"""The `survey` command line: users and studies."""

from __future__ import annotations

from sqlalchemy import select

from survey.accounts.models import User
from survey.studies.models import Membership, Study
from tests.fixtures.web import login


def test_user_create_prompts_twice(runner, session, client):
    result = runner.invoke(
        args=["user", "create", "Admin@Example.org", "--role", "admin"],
        input="a long passphrase\na long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "admin@example.org"))
    assert user.role == "admin"
    assert "a long passphrase" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert login(client, "admin@example.org", "a long passphrase").status_code == 302


def test_user_create_reads_password_from_stdin(runner, session):
    result = runner.invoke(
        args=["user", "create", "s@example.org", "--password-stdin"], input="from standard input\n"
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User).where(User.email == "s@example.org")) is not None


def test_user_create_generates_and_prints_once(runner, client):
    result = runner.invoke(args=["user", "create", "g@example.org", "--generate-password"])
    password = result.output.split("Password (shown once): ")[1].strip()
    assert len(password) >= 16
    assert login(client, "g@example.org", password).status_code == 302


def test_user_create_refuses_weak_password_and_bad_email(runner, session):
    short = runner.invoke(
        args=["user", "create", "w@example.org", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1
    assert "at least 8 characters" in short.output
    common = runner.invoke(
        args=["user", "create", "w@example.org", "--password-stdin"], input="password123\n"
    )
    assert common.exit_code == 1
    assert "too common" in common.output
    bad = runner.invoke(
        args=["user", "create", "not-an-email", "--password-stdin"], input="a fine passphrase\n"
    )
    assert bad.exit_code == 1
    assert "valid e-mail" in bad.output
    assert session.scalar(select(User).where(User.email == "w@example.org")) is None


def test_user_create_refuses_duplicates(runner, make_user):
    make_user("dup@example.org")
    result = runner.invoke(args=["user", "create", "dup@example.org", "--generate-password"])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_study_create(runner, session, make_user):
    owner = make_user("owner@example.org")
    result = runner.invoke(
        args=[
            "study",
            "create",
            "sister-cities",
            "--side",
            "us:en",
            "--side",
            "cn:zh-Hans",
            "--title",
            "Sister cities",
            "--owner",
            "owner@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "us (en) and cn (zh-Hans)" in result.output
    study = session.scalar(select(Study).where(Study.slug == "sister-cities"))
    assert [(s.code, s.default_language, s.position) for s in study.sides] == [
        ("us", "en", 0),
        ("cn", "zh-Hans", 1),
    ]
    assert session.scalar(select(Membership.role).where(Membership.user_id == owner.id)) == "owner"


def test_study_create_refuses_bad_input(runner, session):
    cases = [
        (["x", "--side", "us:en", "--side", "cn:zh-Hans"], None),
        (["Bad Slug", "--side", "us:en", "--side", "cn:zh"], "lower-case letters"),
        (["ok", "--side", "us:en"], "exactly two sides"),
        (["ok", "--side", "us:en", "--side", "us:zh"], "exactly two sides"),
        (["ok", "--side", "us", "--side", "cn:zh"], "CODE:LANGUAGE"),
    ]
    for args, message in cases[1:]:
        result = runner.invoke(args=["study", "create", *args])
        assert result.exit_code == 1, args
        assert message in result.output
    assert session.scalar(select(Study).where(Study.slug == "ok")) is None


def test_study_add_member(runner, make_user, make_study, session):
    study = make_study()
    user = make_user("v@example.org")
    result = runner.invoke(
        args=["study", "add-member", study.slug, "v@example.org", "--role", "viewer"]
    )
    assert result.exit_code == 0, result.output
    role = session.scalar(select(Membership.role).where(Membership.user_id == user.id))
    assert role == "viewer"
    again = runner.invoke(
        args=["study", "add-member", study.slug, "v@example.org", "--role", "owner"]
    )
    assert again.exit_code == 1
    assert "already a member" in again.output
