"""AUTH-01: how passwords are stored and which are refused: length only (8 to 256), no
composition rules, none of the 100,000 most breached; an old hash is upgraded at sign-in."""

from __future__ import annotations

import gzip

import pytest
from argon2 import PasswordHasher

from survey.accounts import services as accounts
from survey.accounts.models import User
from survey.errors import ServiceError
from tests.fixtures.web import login


def test_the_breached_list_is_the_top_100000():
    with gzip.open(accounts.BREACHED_PASSWORDS, "rt", encoding="utf-8") as listed:
        lines = listed.read().splitlines()
    assert len(lines) == len(set(lines)) > 95_000
    assert lines[:3] == ["123456", "password", "12345678"]
    assert all(line == line.lower() for line in lines)


@pytest.mark.parametrize(
    "password",
    ["password", "Password1", "qwertyuiop", "iloveyou1", "24072004", "FOOTBALL1"],
)
def test_breached_passwords_are_refused(session, password):
    assert password.lower() in accounts.breached_passwords()  # from the top of the list to its end
    with pytest.raises(ServiceError) as refused:
        accounts.create_user(session, "a@example.org", password)
    assert refused.value.code == "too_common"


def test_length_is_the_only_rule(session):
    with pytest.raises(ServiceError) as short:
        accounts.create_user(session, "short@example.org", "seven77")
    assert short.value.code == "too_short"
    long_one = "correct horse battery staple " * 3  # 87 characters, lower-case and spaces only
    user = accounts.create_user(session, "long@example.org", long_one)
    signed_in = accounts.authenticate(
        session, "long@example.org", long_one, max_attempts=5, lockout_minutes=15
    )
    assert signed_in is user
    with pytest.raises(ServiceError) as too_long:
        accounts.create_user(session, "huge@example.org", "x" * 257)
    assert too_long.value.code == "too_long"


def test_only_an_argon2id_hash_is_stored(session):
    user = accounts.create_user(session, "h@example.org", "a long pass phrase here")
    assert user.password_hash.startswith("$argon2id$")
    assert "a long pass phrase here" not in user.password_hash


def test_a_legacy_hash_is_upgraded_at_sign_in(client, session, make_user):
    user = make_user("old@example.org", password="an old but fine pass phrase")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    user.password_hash = weak.hash("an old but fine pass phrase")
    session.commit()
    old = user.password_hash
    assert login(client, "old@example.org", "an old but fine pass phrase").status_code == 302
    session.expire_all()
    upgraded = session.get(User, user.id).password_hash
    assert upgraded != old
    assert not PasswordHasher().check_needs_rehash(upgraded)
