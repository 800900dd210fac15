"""AUTH-2FA: two-factor sign-in with TOTP (RFC 6238), recovery codes, remembered browsers.

Codes are computed here from the secret the page shows, as an authenticator app would.
Wrong codes count towards the lockout as wrong passwords do; the per-address throttle
covers codes too; a remembered browser stops being remembered after 30 days (time
machine) or when forgotten; enrolment, turning off and recovery codes are audited and
e-mailed through the outbox to a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pyotp
import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey.accounts import two_factor
from survey.accounts.models import RecoveryCode, RememberedDevice, TwoFactor, User
from survey.audit import AuditEntry, verify_chain
from survey.db import utcnow
from survey.rounds.mail import send_pending
from survey.studies import two_factor as study_two_factor
from survey.studies.models import Membership
from tests.fixtures.smtp import Sink
from tests.fixtures.web import csrf_token, login, text_of

WRONG_CODE = "The code is wrong or already used, or the account is locked."


def actions(session) -> list[str]:  # noqa: ANN001
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def enrol(client, path: str = "/account/two-factor/enrol") -> tuple[str, list[str]]:  # noqa: ANN001
    """Set up through the pages: read the key, compute a code, keep the recovery codes."""
    page = text_of(client.get(path))
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(path, data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert response.status_code == 200, text_of(response)
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", text_of(response))
    return secret, codes


def code_step(client, code: str, *, remember: bool = False):  # noqa: ANN001, ANN201
    token = csrf_token(client, "/login/code")
    data = {"code": code, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login/code", data=data)


def next_code(secret: str, at: dt.datetime) -> str:
    """The code of the 30-second step after `at` (a code is good once per step)."""
    return pyotp.TOTP(secret).at(at + dt.timedelta(seconds=30))


@pytest.fixture
def enrolled(app, client, make_user, session):  # noqa: ANN001, ANN201
    user = make_user("tf@example.org")
    login(client, "tf@example.org")
    secret, codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return user, secret, codes


def test_enrolment_needs_a_right_confirmation_code(client, make_user, session):
    user = make_user("en@example.org")
    login(client, "en@example.org")
    page = text_of(client.get("/account/two-factor/enrol"))
    assert 'src="/account/two-factor/qr.svg"' in page
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data
    assert b"otpauth" not in qr.data  # drawn here: no key in clear
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    wrong = client.post("/account/two-factor/enrol", data={"code": "000000", "csrf_token": token})
    assert WRONG_CODE in text_of(wrong)
    session.expire_all()
    assert not two_factor.is_enabled(session, session.get(User, user.id))
    secret = session.get(TwoFactor, user.id).secret
    right = client.post(
        "/account/two-factor/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
    )
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", text_of(right))
    assert len(set(codes)) == 10
    stored = set(session.scalars(select(RecoveryCode.code_hash)))
    assert stored == {hashlib.sha256(c.encode()).hexdigest() for c in codes}  # hashed only
    assert "user.two_factor_enabled" in actions(session)
    assert "Recovery codes left" in text_of(client.get("/account/two-factor/"))


def test_sign_in_asks_for_the_code_and_accepts_it_once(client, enrolled, session):
    user, secret, _codes = enrolled
    response = login(client, "tf@example.org")
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in before the code
    now = utcnow()
    code = next_code(secret, now)
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        assert code_step(client, code).headers["Location"] == "/"
        assert client.get("/").status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(client, "tf@example.org")
        assert WRONG_CODE in text_of(code_step(client, code))  # the same code again: refused
    login_row = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.login").order_by(AuditEntry.id)
    ).all()[-1]
    assert login_row.details == {"second_factor": "totp"}
    assert verify_chain(session) is None


def test_code_page_without_a_password_goes_back_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_recovery_code_works_once_and_is_audited(client, enrolled, session):
    _user, _secret, codes = enrolled
    login(client, "tf@example.org")
    assert code_step(client, codes[0].upper().replace("-", " ")).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tf@example.org")
    assert WRONG_CODE in text_of(code_step(client, codes[0]))
    assert actions(session).count("user.recovery_code_used") == 1
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.recovery_code_used"))
    assert row.one().details == {"left": 9}


def test_wrong_codes_lock_the_account_and_the_lock_holds_for_right_codes(
    app, client, enrolled, session
):
    user, secret, codes = enrolled
    login(client, "tf@example.org")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert WRONG_CODE in text_of(code_step(client, "123456"))
    session.expire_all()
    assert session.get(User, user.id).locked_until is not None
    assert WRONG_CODE in text_of(code_step(client, pyotp.TOTP(secret).now()))  # locked
    assert WRONG_CODE in text_of(code_step(client, codes[1]))
    assert actions(session).count("user.code_failed") == app.config["LOGIN_MAX_ATTEMPTS"] + 2
    later = utcnow() + dt.timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        assert login(client, "tf@example.org").headers["Location"] == "/login/code"
        assert code_step(client, next_code(secret, later)).status_code == 302


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(app, client, enrolled, session):
    user, _secret, _codes = enrolled
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        login(client, "tf@example.org")
        code_step(client, "654321")
    session.expire_all()
    assert session.get(User, user.id).locked_until is not None


def test_codes_share_the_address_throttle_with_passwords(app, client, enrolled, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", 3)
    _user, secret, _codes = enrolled
    login(client, "tf@example.org")  # one
    assert WRONG_CODE in text_of(code_step(client, "111111"))  # two
    assert WRONG_CODE in text_of(code_step(client, "222222"))  # three
    blocked = code_step(client, pyotp.TOTP(secret).now())
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_a_remembered_browser_skips_the_code_for_30_days(client, enrolled, session):
    user, secret, _codes = enrolled
    now = utcnow()
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        login(client, "tf@example.org")
        assert code_step(client, next_code(secret, now), remember=True).status_code == 302
        assert client.get_cookie("survey_device", path="/login") is not None
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = client.get_cookie("survey_device", path="/login").value
    assert (
        session.scalar(select(RememberedDevice.token_hash))
        == hashlib.sha256(token.encode()).hexdigest()
    )
    with time_machine.travel(now + dt.timedelta(days=29), tick=False):
        assert login(client, "tf@example.org").headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with time_machine.travel(now + dt.timedelta(days=30, minutes=5), tick=False):
        client.set_cookie("survey_device", token, path="/login")  # still sent: refused by us
        assert login(client, "tf@example.org").headers["Location"] == "/login/code"


def test_a_forgotten_browser_asks_again(client, enrolled, session):
    _user, secret, _codes = enrolled
    now = utcnow()
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        login(client, "tf@example.org")
        code_step(client, next_code(secret, now), remember=True)
        page = text_of(client.get("/account/two-factor/"))
        assert 'id="devices"' in page
        device_id = session.scalar(select(RememberedDevice.id))
        token = csrf_token(client, "/account/two-factor/")
        forget = client.post(
            f"/account/two-factor/devices/{device_id}/forget", data={"csrf_token": token}
        )
        assert forget.status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        assert login(client, "tf@example.org").headers["Location"] == "/login/code"
    assert "user.device_forgotten" in actions(session)


def test_required_for_all_accounts_means_enrolling_at_the_next_sign_in(
    client, make_user, session, runner
):
    make_user("req@example.org")
    result = runner.invoke(args=["user", "require-2fa", "on"])
    assert result.exit_code == 0, result.output
    assert login(client, "req@example.org").headers["Location"] == "/login/enrol"
    assert client.get("/").status_code == 302  # not signed in until it is set up
    secret, codes = enrol(client, "/login/enrol")
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    page = text_of(client.get("/account/two-factor/"))
    assert "Turn off two-factor sign-in" not in page  # required: it cannot be turned off
    token = csrf_token(client, "/account/two-factor/")
    client.post(
        "/account/two-factor/off",
        data={"off-code": next_code(secret, utcnow()), "csrf_token": token},
    )
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "req@example.org"))
    assert two_factor.is_enabled(session, user)


def test_a_study_owner_requires_it_of_the_members(client, make_user, make_study, session):
    owner = make_user("own@example.org")
    study = make_study(owner=owner)
    member = make_user("mem@example.org")
    outsider = make_user("out@example.org")
    session.add(Membership(study_id=study.id, user_id=member.id, role="viewer"))
    session.commit()
    login(client, "own@example.org")
    token = csrf_token(client, f"/studies/{study.slug}/members/")
    response = client.post(
        f"/studies/{study.slug}/members/two-factor", data={"required": "1", "csrf_token": token}
    )
    assert response.status_code == 302
    assert "study.two_factor_required" in actions(session)
    assert two_factor.is_required(session, member)
    assert not two_factor.is_required(session, outsider)
    member_client = client.application.test_client()
    assert login(member_client, "mem@example.org").headers["Location"] == "/login/enrol"
    other = client.application.test_client()
    assert login(other, "out@example.org").headers["Location"] == "/"


def test_a_researcher_may_not_require_it_of_a_study(client, make_user, make_study, session):
    owner = make_user("own2@example.org")
    study = make_study(owner=owner)
    researcher = make_user("res2@example.org")
    session.add(Membership(study_id=study.id, user_id=researcher.id, role="researcher"))
    session.commit()
    login(client, "res2@example.org")
    token = csrf_token(client, f"/studies/{study.slug}/members/")
    response = client.post(
        f"/studies/{study.slug}/members/two-factor", data={"required": "1", "csrf_token": token}
    )
    assert response.status_code == 403
    assert not study_two_factor.is_required(session, study)


def test_turning_off_needs_a_code_and_is_audited(client, enrolled, session):
    user, secret, _codes = enrolled
    now = utcnow()
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        login(client, "tf@example.org")
        code_step(client, next_code(secret, now))
        token = csrf_token(client, "/account/two-factor/")
        client.post("/account/two-factor/off", data={"off-code": "000000", "csrf_token": token})
        session.expire_all()
        assert two_factor.is_enabled(session, session.get(User, user.id))
    with time_machine.travel(now + dt.timedelta(seconds=60), tick=False):
        token = csrf_token(client, "/account/two-factor/")
        client.post(
            "/account/two-factor/off",
            data={
                "off-code": next_code(secret, now + dt.timedelta(seconds=30)),
                "csrf_token": token,
            },
        )
    session.expire_all()
    assert not two_factor.is_enabled(session, session.get(User, user.id))
    assert session.scalar(select(RecoveryCode.id)) is None
    assert "user.two_factor_disabled" in actions(session)
    assert login(client.application.test_client(), "tf@example.org").headers["Location"] == "/"


@pytest.fixture
def factory(connection) -> sessionmaker[Session]:  # noqa: ANN001
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def test_enrolling_using_a_recovery_code_and_turning_off_are_e_mailed(
    client, make_user, session, factory, smtp_sink: Sink
):
    user = make_user("mail@example.org")
    user.language = "zh_Hans"
    session.commit()
    login(client, "mail@example.org")
    secret, codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "mail@example.org")
    code_step(client, codes[3])
    two_factor.remove(session, session.get(User, user.id), "user.two_factor_reset")
    session.commit()
    for _ in range(3):
        if send_pending(factory, smtp_sink.config()).claimed == 0:
            break
    subjects = [r.message["Subject"] for r in smtp_sink.received]
    assert [r.recipient for r in smtp_sink.received] == ["mail@example.org"] * 3
    assert len(subjects) == 3
    assert all(subjects)
    bodies = "\n".join(r.message.get_content() for r in smtp_sink.received)
    assert "mail@example.org" in bodies
    assert secret not in bodies  # no secret in the mail
    assert codes[3] not in bodies
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in subjects)  # in the user's language
