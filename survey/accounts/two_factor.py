"""Two-factor sign-in: TOTP codes (RFC 6238, `pyotp`), recovery codes, remembered devices.

A code is checked like a password: a wrong one counts towards the account's lockout
(`User.failed_logins`), a locked account accepts none, and the view throttles the
client address as for passwords (AUTH-02). A TOTP code is good once: the step it was
accepted for is kept, and a code of that step or an earlier one is refused (no replay).
Recovery codes and remembered devices' tokens are random (`secrets`) and stored as
SHA-256 only. Enrolling, turning off and using a recovery code are audited and the user
is told by e-mail (`NOTIFIERS`, filled by the app factory with the mail outbox's sender,
a higher layer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Callable

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts import services
from survey.accounts.models import (
    RecoveryCode,
    RememberedDevice,
    TwoFactor,
    TwoFactorRequirement,
    User,
)
from survey.db import utcnow
from survey.errors import ServiceError

ISSUER = "survey"
RECOVERY_CODES = 10
REMEMBER_DAYS = 30
DEVICE_COOKIE = "survey_device"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand

# Who else requires two-factor sign-in of a user (the studies layer: a study's owner for
# its members); each takes (session, user id) and answers True when it does.
REQUIREMENTS: list[Callable[[Session, int], bool]] = []
# Told of `enabled`, `disabled`, `recovery_used` (session, user, event, details).
NOTIFIERS: list[Callable[[Session, User, str, dict], None]] = []


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def enrolment(session: Session, user: User) -> TwoFactor | None:
    return session.get(TwoFactor, user.id)


def is_enabled(session: Session, user: User) -> bool:
    found = enrolment(session, user)
    return found is not None and found.enabled_at is not None


def required_for_all(session: Session) -> bool:
    statement = select(func.count()).where(TwoFactorRequirement.study_id.is_(None))
    return bool(session.scalar(statement))


def is_required(session: Session, user: User) -> bool:
    """An administrator requires it of every account, or an owner of a study's members."""
    return required_for_all(session) or any(check(session, user.id) for check in REQUIREMENTS)


def set_required_for_all(session: Session, required: bool, actor: User | None = None) -> bool:
    """Require (or stop requiring) two-factor sign-in of every account; True when it changed."""
    if required == required_for_all(session):
        return False
    if required:
        session.add(TwoFactorRequirement(study_id=None, required_by_id=actor and actor.id))
    else:
        session.execute(delete(TwoFactorRequirement).where(TwoFactorRequirement.study_id.is_(None)))
    audit.record(
        session,
        "user.two_factor_required" if required else "user.two_factor_not_required",
        actor_user_id=actor and actor.id,
        details={"scope": "all"},
    )
    return True


# -- enrolment ------------------------------------------------------------------------------


def begin(session: Session, user: User) -> TwoFactor:
    """A new pending secret (replacing an unconfirmed one); refused when already enabled."""
    found = enrolment(session, user)
    if found is not None and found.enabled_at is not None:
        raise ServiceError("code", "two_factor_already_on")
    if found is None:
        found = TwoFactor(user_id=user.id, secret=pyotp.random_base32())
        session.add(found)
    else:
        found.secret, found.last_step = pyotp.random_base32(), None
    session.flush()
    return found


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The authenticator app's QR code, drawn here (segno): the secret never leaves."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue()


def confirm(session: Session, user: User, code: str) -> list[str]:
    """Enable the pending secret if `code` matches it; returns ten new recovery codes."""
    found = enrolment(session, user)
    if found is None:
        raise ServiceError("code", "two_factor_not_started")
    if found.enabled_at is not None:
        raise ServiceError("code", "two_factor_already_on")
    step = _matching_step(found.secret, code)
    if step is None:
        raise ServiceError("code", "wrong_code")
    found.enabled_at, found.last_step = utcnow(), step
    codes = _new_recovery_codes(session, user)
    audit.record(
        session,
        "user.two_factor_enabled",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
    )
    _notify(session, user, "enabled", {})
    return codes


def disable(session: Session, user: User, code: str, **limits: int) -> None:
    """Turn it off with a current code; refused while it is required of the user."""
    if is_required(session, user):
        raise ServiceError("code", "two_factor_required")
    if check_code(session, user, code, **limits) is None:
        raise ServiceError("code", "wrong_code")
    remove(session, user, "user.two_factor_disabled")


def remove(session: Session, user: User, action: str, actor: User | None = None) -> None:
    """Forget the secret, the recovery codes and the remembered devices (audited, e-mailed)."""
    session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    forget_all_devices(session, user, audited=False)
    audit.record(
        session,
        action,
        actor_user_id=(actor or user).id,
        object_type="user",
        object_id=str(user.id),
    )
    _notify(session, user, "disabled", {})


def new_recovery_codes(session: Session, user: User, code: str, **limits: int) -> list[str]:
    """Replace the recovery codes, after a current code."""
    if check_code(session, user, code, **limits) is None:
        raise ServiceError("code", "wrong_code")
    codes = _new_recovery_codes(session, user)
    audit.record(
        session,
        "user.recovery_codes_replaced",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
    )
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=sha256(c)) for c in codes)
    session.flush()
    return codes


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_codes_left(session: Session, user: User) -> int:
    statement = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return session.scalar(statement) or 0


# -- checking a code -------------------------------------------------------------------------


def _matching_step(secret: str, code: str) -> int | None:
    """The 30-second step whose code this is, allowing one step of clock drift either way."""
    digits = "".join(code.split())
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        moment = now + dt.timedelta(seconds=30 * drift)
        if hmac.compare_digest(totp.at(moment), digits):
            return totp.timecode(moment)
    return None


def check_code(
    session: Session, user: User, code: str, *, max_attempts: int, lockout_minutes: int
) -> str | None:
    """ "totp" or "recovery" when the code is good and the account not locked; None otherwise.

    A wrong code counts towards the lockout as a wrong password does (AUTH-02).
    """
    found = enrolment(session, user)
    locked = user.locked_until is not None and user.locked_until > utcnow()
    method = None
    if found is not None and found.enabled_at is not None and not locked:
        method = _accept(session, user, found, code)
    if method is None:
        services.count_failure(
            session, user, max_attempts, lockout_minutes, locked, action="user.code_failed"
        )
    return method


def _accept(session: Session, user: User, found: TwoFactor, code: str) -> str | None:
    step = _matching_step(found.secret, code)
    if step is not None:
        if found.last_step is not None and step <= found.last_step:
            return None  # a code already used (or an older one): no replay
        found.last_step = step
        return "totp"
    normal = "".join(code.lower().split()).replace("-", "")
    if len(normal) != 10:
        return None
    used = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == sha256(f"{normal[:5]}-{normal[5:]}"),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if not used:
        return None
    left = recovery_codes_left(session, user)
    audit.record(
        session,
        "user.recovery_code_used",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"left": left},
    )
    _notify(session, user, "recovery_used", {"left": left})
    return "recovery"


# -- remembered devices ----------------------------------------------------------------------


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(agent: str) -> str:
    """A browser and system a person recognises ("Firefox on Windows") from a User-Agent."""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or agent[:60] or "?"


def remember_device(session: Session, user: User, device: str) -> str:
    """A new device token for the cookie (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        RememberedDevice(
            user_id=user.id,
            token_hash=sha256(token),
            device=device[:200],
            created_at=now,
            expires_at=now + dt.timedelta(days=REMEMBER_DAYS),
        )
    )
    audit.record(
        session,
        "user.device_remembered",
        actor_user_id=user.id,
        object_type="user",
        object_id=str(user.id),
        details={"device": device[:200]},
    )
    return token


def remembered(session: Session, user: User, token: str | None) -> bool:
    """True when `token` is this user's device, neither expired nor forgotten."""
    if not token or len(token) > 100:
        return False
    now = utcnow()
    device = session.scalar(
        select(RememberedDevice).where(
            RememberedDevice.token_hash == sha256(token),
            RememberedDevice.user_id == user.id,
            RememberedDevice.revoked_at.is_(None),
            RememberedDevice.expires_at > now,
        )
    )
    if device is None:
        return False
    device.last_used_at = now
    return True


def devices(session: Session, user: User) -> list[RememberedDevice]:
    """The user's remembered devices still valid, newest first."""
    return list(
        session.scalars(
            select(RememberedDevice)
            .where(
                RememberedDevice.user_id == user.id,
                RememberedDevice.revoked_at.is_(None),
                RememberedDevice.expires_at > utcnow(),
            )
            .order_by(RememberedDevice.created_at.desc(), RememberedDevice.id.desc())
        )
    )


def forget_device(session: Session, user: User, device_id: int) -> None:
    device = session.get(RememberedDevice, device_id)
    if device is None or device.user_id != user.id or device.revoked_at is not None:
        raise ServiceError("device", "not_found")
    device.revoked_at = utcnow()
    audit.record_for(device, "user.device_forgotten", user, session=session)


def forget_all_devices(session: Session, user: User, *, audited: bool = True) -> int:
    count = session.execute(
        update(RememberedDevice)
        .where(RememberedDevice.user_id == user.id, RememberedDevice.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if audited:
        audit.record(
            session,
            "user.devices_forgotten",
            actor_user_id=user.id,
            object_type="user",
            object_id=str(user.id),
            details={"count": count},
        )
    return count


def _notify(session: Session, user: User, event: str, details: dict) -> None:
    for notifier in NOTIFIERS:
        notifier(session, user, event, details)
