"""E-mails that tell a researcher of a change to how their account signs in.

Two-factor sign-in turned on or off, a recovery code used (the text names no secret),
and a password reset link. `accounts.two_factor` and `accounts.resets` call `notify`
through `NOTIFIERS`, which the app factory fills: the accounts layer is below the
outbox. Queued in the caller's transaction, in the user's language, sent by the mail
worker like every other message.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.db import utcnow
from survey.i18n import TAGS
from survey.rounds.mail.outbox import queue_message

KIND = "account"


def notify(session: Session, user: User, event: str, details: dict) -> None:
    """Queue the message for `event` to the user.

    Events: `enabled`, `disabled`, `recovery_used` (two-factor sign-in), `password_reset`
    (the link, built on BASE_URL by `accounts.resets`).
    """
    locale = user.language if user.language in TAGS else "en"
    when = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    with force_locale(locale):
        subject, lines = _texts(event, details)
        not_you = _(
            "If this was not you, tell your administrator at once: someone may know your password."
        )
        account = _("Account: %(email)s. Time: %(when)s.", email=user.email, when=when)
        tail = [] if event == "password_reset" else [not_you]
        body = "\n\n".join([*lines, account, *tail])
    queue_message(
        session, kind=KIND, recipient=user.email, language=TAGS[locale], subject=subject, body=body
    )


def _texts(event: str, details: dict) -> tuple[str, list[str]]:
    if event == "enabled":
        return _("Two-factor sign-in is on"), [
            _("Two-factor sign-in was turned on for your survey account."),
        ]
    if event == "disabled":
        return _("Two-factor sign-in is off"), [
            _("Two-factor sign-in was turned off for your survey account."),
        ]
    if event == "password_reset":
        return _("Reset your survey password"), [
            _("Someone asked to reset the password of your survey account."),
            _(
                "To choose a new password, open this link within %(minutes)s minutes. "
                "It works once:",
                minutes=details["minutes"],
            )
            + "\n"
            + details["link"],
            _("If you did not ask, ignore this message: your password stays as it is."),
        ]
    if event == "recovery_used":
        return _("A recovery code was used"), [
            _("A recovery code was used to sign in to your survey account."),
            _("Recovery codes left: %(left)s.", left=details.get("left", 0)),
        ]
    raise ValueError(f"unknown account event {event!r}")
