"""The closed page: what a valid link to a closed round shows instead of the form.

Only a link whose hash matches an invitation reaches it (`link.exchange`), or a
respondent session that such a link opened (`respondent.gate`); an unknown link keeps
the one generic message (TOK-02). The page says when the round closed, in the
respondent's language first and time zone, that saved answers are kept, and whom to
write to. docs/fieldwork.md ("After closing") argues why this keeps TOK-02 and TOK-05.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale, refresh
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import i18n
from survey.audit import AuditEntry
from survey.db import utcnow
from survey.rounds.models import Invitation, Round
from survey.rounds.texts import format_closing_date, zone_name
from survey.studies.models import Respondent, StudySide

TITLE = _l("These interviews have closed")
CLOSED_ON = _l("The questionnaire closed on %(date)s.")
CLOSED_UNDATED = _l("The questionnaire has closed.")
KEPT = _l("Any answers you saved or submitted before it closed are kept; nothing was deleted.")
CONTACT = _l("If you have any questions, please write to the research team at %(contact)s.")
CONTACT_REPLY = _l(
    "If you have any questions, please reply to your invitation e-mail and the research "
    "team will help you."
)


def is_closed(round_: Round, now: dt.datetime | None = None) -> bool:
    """Closed by hand, or open past its closing time (a draft round is not closed)."""
    now = now or utcnow()
    if round_.state == "closed":
        return True
    return round_.state == "open" and round_.closes_at is not None and round_.closes_at <= now


def closed_at(session: Session, round_: Round) -> dt.datetime | None:
    """When the round closed: its closing time once passed, else when it was closed by hand."""
    if round_.closes_at is not None and round_.closes_at <= utcnow():
        return round_.closes_at
    return session.scalar(
        select(AuditEntry.at)
        .where(
            AuditEntry.action == "round.closed",
            AuditEntry.object_type == "round",
            AuditEntry.object_id == str(round_.id),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def contact_address() -> str | None:
    """Whom respondents write to: the mails' Reply-To, else their From (unless it is the
    placeholder default on localhost, which no respondent can write to)."""
    config = current_app.config
    address = config.get("MAIL_REPLY_TO") or config.get("MAIL_FROM") or ""
    return address if address and not address.endswith("@localhost") else None


def closed_page(
    session: Session, invitation: Invitation, round_: Round, locale: str | None = None
) -> tuple[str, int]:
    """The closed page (410) in the respondent's language first, then the two others."""
    own, side_language, own_zone, side_zone = session.execute(
        select(
            Respondent.language, StudySide.default_language, Respondent.timezone, StudySide.timezone
        )
        .select_from(Invitation)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.id == invitation.id)
    ).one()
    first = locale or i18n.normalize(own) or i18n.normalize(side_language) or "en"
    zone = zone_name(own_zone, side_zone, round_.timezone)
    when = closed_at(session, round_)
    contact = contact_address()
    blocks = []
    for each in [first] + [other for other in i18n.LOCALES if other != first]:
        with force_locale(each):
            texts: list[Any] = [str(TITLE)]
            if when is None:
                texts.append(str(CLOSED_UNDATED))
            else:
                # a non-breaking hyphen keeps "UTC-04:00" on one line
                date = format_closing_date(when, i18n.tag(each), zone).replace("UTC-", "UTC\u2011")
                texts.append(str(CLOSED_ON) % {"date": date})
            texts.append(str(KEPT))
            texts.append(str(CONTACT) % {"contact": contact} if contact else str(CONTACT_REPLY))
            blocks.append((each, texts))
    g.locale_override = first
    refresh()
    return render_template("responding/message.html", blocks=blocks, status=410), 410
