"""Everything held about one respondent, as one document (the right of access).

`gather` collects the person's identity, invitations with their answers and each
answer's history (read from the audit rows of saves, opened with the person's key),
explanations, mails, contact attempts, paradata (visits and the time on each page), and the
audit rows about them or their mails. Features that hold
more about a person (paradata) add a section by appending a function to `SECTIONS`
(from the app factory, as lower layers cannot import this one): it takes the session and
the respondent and returns (section name, list of JSON-ready records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey import audit, i18n, sealing
from survey.audit import AuditEntry
from survey.db import utcnow
from survey.fieldwork.labels import MODE_NAMES, OUTCOME_NAMES
from survey.fieldwork.models import ContactAttempt
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding.models import Answer, Explanation
from survey.rounds.models import Invitation, OutboxMessage, Round
from survey.rounds.paradata import ParadataPage, ParadataVisit
from survey.studies.models import Pair, PairSide, Respondent, StudySide
from survey.templating import (
    ACTION_NAMES,
    MAIL_STATE_NAMES,
    STATE_NAMES,
    text_in,
)

Section = Callable[[Session, Respondent], tuple[str, list[dict[str, Any]]]]
SECTIONS: list[Section] = []
PAGE_NAMES = {  # pages of the paradata that are no section
    "welcome": _l("Welcome page"),
    "review": _l("Check your answers"),
    "thanks": _l("Thank you"),
}
DEVICE_NAMES = {  # the device classes of survey/rounds/paradata.py, in words
    "desktop": _l("computer"),
    "mobile": _l("mobile phone"),
    "tablet": _l("tablet"),
    "bot": _l("automated client"),
    "unknown": _l("device of unknown kind"),
}
HISTORY = ("answer.save", "answer.explain")


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def identity(respondent: Respondent) -> dict[str, Any]:
    return {
        "id": respondent.id,
        "name": respondent.name,
        "email": respondent.email,
        "phone": respondent.phone,
        "organization": respondent.organization,
        "position": respondent.position,
        "years_involved": respondent.years_involved,
        "language": respondent.language,
        "timezone": respondent.timezone,
        "is_primary": respondent.is_primary,
        "created_at": _when(respondent.created_at),
    }


def audit_rows(session: Session, respondent: Respondent, invitation_ids: list[int]) -> list[Any]:
    """The audit rows about the person: on their behalf, about them, their invitations or the
    mails to them (queued, queued again, outcome unknown, cancelled)."""
    about = [
        AuditEntry.on_behalf_of == f"respondent:{respondent.id}",
        (AuditEntry.object_type == "respondent") & (AuditEntry.object_id == str(respondent.id)),
    ]
    if invitation_ids:
        about.append(
            (AuditEntry.object_type == "invitation")
            & AuditEntry.object_id.in_([str(i) for i in invitation_ids])
        )
        about.append(AuditEntry.actor_invitation_id.in_(invitation_ids))
        mails = select(OutboxMessage.id).where(OutboxMessage.invitation_id.in_(invitation_ids))
        about.append(
            (AuditEntry.object_type == "outbox_message")
            & AuditEntry.object_id.in_([str(i) for i in session.scalars(mails)])
        )
    return list(session.scalars(select(AuditEntry).where(or_(*about)).order_by(AuditEntry.id)))


def gather(session: Session, respondent: Respondent) -> dict[str, Any]:
    """The whole document (JSON-ready): see the module's doc."""
    place = session.get(PairSide, respondent.pair_side_id)
    pair = session.get(Pair, place.pair_id) if place else None
    side = session.get(StudySide, place.side_id) if place else None
    invitations = list(
        session.scalars(
            select(Invitation)
            .where(Invitation.respondent_id == respondent.id)
            .order_by(Invitation.id)
        )
    )
    ids = [i.id for i in invitations]
    rows = audit_rows(session, respondent, ids)
    opened = sealing.open_all(session, rows)
    language = i18n.tag(i18n.normalize(respondent.language or "") or "en")
    document: dict[str, Any] = {
        "generated_at": _when(utcnow()),
        "respondent": identity(respondent),
        "pair": {"code": pair.code, "kind": pair.kind} if pair else None,
        "side": {"code": side.code, "label": side.label} if side else None,
        "place": {
            "place_en": place.place_en,
            "place_zh": place.place_zh,
            "region": place.region,
            "organization": place.organization,
        }
        if place
        else None,
        "invitations": [_invitation(session, i, rows, opened, language) for i in invitations],
        "audit": [_audit(row, opened[row.id]) for row in rows],
    }
    for section in SECTIONS:
        name, records = section(session, respondent)
        document[name] = records
    return document


def shower(q: Any, language: str) -> Callable[[str, Any], str | None]:
    """`show(key, value)`: an answer as the person reads it in `language`, as the pair page
    shows answers (`comparison.pages.shower`: option labels, not codes; the special answers
    in words); the value as text for a question the version no longer has."""
    from flask_babel import force_locale

    from survey.comparison.pages import shower as answer_shower

    show_answer = answer_shower(q) if q is not None else None

    def show(key: str, value: Any) -> str | None:
        if value is None or value == sealing.ERASED:
            return value
        if show_answer is None or key not in q.answerable_keys:
            return str(value)
        with force_locale(i18n.normalize(language) or "en"):
            try:
                return show_answer(key, value, language)
            except (TypeError, ValueError, KeyError, AttributeError):
                return str(value)  # a value older than the questionnaire's current type

    return show


def _invitation(
    session: Session,
    invitation: Invitation,
    rows: list[Any],
    opened: dict[int, Any],
    language: str,
) -> dict[str, Any]:
    round_ = session.get(Round, invitation.round_id)
    version = session.get(QuestionnaireVersion, round_.questionnaire_version_id) if round_ else None
    q = model_of(version) if version else None
    show = shower(q, language)
    history: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        details = opened[row.id]
        if row.object_id != str(invitation.id) or row.action not in (
            "answer.save",
            "answer.explain",
        ):
            continue
        changes = details.get("changes") if isinstance(details, dict) else None
        for key in details.get("questions", []) if isinstance(details, dict) else []:
            old, new = changes[key] if isinstance(changes, dict) else [sealing.ERASED] * 2
            history.setdefault(key, []).append(
                {
                    "at": _when(row.at),
                    "action": row.action,
                    "old": old,
                    "new": new,
                    "old_shown": show(key, old),
                    "new_shown": show(key, new),
                }
            )
    answers = session.scalars(
        select(Answer).where(Answer.invitation_id == invitation.id).order_by(Answer.id)
    )
    explanations = session.scalars(
        select(Explanation).where(Explanation.invitation_id == invitation.id)
    )
    mails = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.invitation_id == invitation.id)
        .order_by(OutboxMessage.id)
    )
    attempts = session.scalars(
        select(ContactAttempt)
        .where(ContactAttempt.invitation_id == invitation.id)
        .order_by(ContactAttempt.at, ContactAttempt.id)
    )
    return {
        "id": invitation.id,
        "round": round_.slug if round_ else None,
        "round_name": round_.name if round_ else None,
        "questionnaire": f"{version.key}@{version.version}" if version else None,
        "state": invitation.state,
        "mode": invitation.mode,
        **{
            name: _when(getattr(invitation, name))
            for name in (
                "created_at",
                "sent_at",
                "opened_at",
                "started_at",
                "submitted_at",
                "declined_at",
                "bounced_at",
            )
        },  # fmt: skip
        "answers": [
            {
                "question": a.question_key,
                "text": dict(q.question(a.question_key).text)
                if q and a.question_key in q.answerable_keys
                else {},
                "value": a.value,
                "shown": show(a.question_key, a.value),  # as read, in their language
                "source": a.source,
                "updated_at": _when(a.updated_at),
                "history": history.get(a.question_key, []),
            }
            for a in answers
        ],
        "explanations": [
            {"question": e.question_key, "text": e.text, "updated_at": _when(e.updated_at)}
            for e in explanations
        ],
        "mails": [
            {
                "kind": m.kind,
                "state": m.state,
                "recipient": m.recipient,
                "subject": m.subject,
                "body": m.body_text,
                "created_at": _when(m.created_at),
                "sent_at": _when(m.sent_at),
            }
            for m in mails
        ],
        "contact_attempts": [
            {
                "at": _when(c.at),
                "mode": c.mode,
                "outcome": c.outcome,
                "note": c.note,
                "callback_at": _when(c.callback_at),
            }
            for c in attempts
        ],
        "paradata": paradata(session, invitation.id, q, language),
    }


def paradata(
    session: Session, invitation_id: int, q: Any = None, language: str = "en"
) -> dict[str, list[dict[str, Any]]]:
    """How the person went through the web form: visits and the time on each page (with the
    page's title in `language` where the questionnaire has the section)."""
    titles = {s.key: text_in(s.title, language) for s in q.sections} if q is not None else {}
    visits = session.scalars(
        select(ParadataVisit)
        .where(ParadataVisit.invitation_id == invitation_id)
        .order_by(ParadataVisit.started_at, ParadataVisit.id)
    )
    pages = session.scalars(
        select(ParadataPage)
        .where(ParadataPage.invitation_id == invitation_id)
        .order_by(ParadataPage.saved_at, ParadataPage.id)
    )
    return {
        "visits": [
            {"started_at": _when(v.started_at), "device": v.device, "language": v.language}
            for v in visits
        ],
        "pages": [
            {
                "page": p.section,
                "page_title": titles.get(p.section),
                "event": p.event,
                "shown_at": _when(p.shown_at),
                "saved_at": _when(p.saved_at),
                "seconds": p.seconds,
                "language": p.language,
                "switched_to": p.switched_to,
            }
            for p in pages
        ],
    }


def _audit(row: Any, details: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": _when(row.at),
        "action": row.action,
        "object": f"{row.object_type or ''}:{row.object_id or ''}",
        "on_behalf_of": row.on_behalf_of,
        "details": details,
        "reason": row.reason,
    }


STANDARD = ("generated_at", "respondent", "pair", "side", "place", "invitations", "audit")


def write(session: Session, respondent: Respondent, target: Any) -> tuple[Any, Any]:
    """Write the document as `target` (.json) and a readable page beside it (.html) in the
    person's language; returns both paths."""
    import json
    from pathlib import Path

    from flask import render_template
    from flask_babel import force_locale

    from survey import i18n
    from survey.templating import text_in

    document = gather(session, respondent)
    target = Path(target)
    json_path = target if target.suffix.lower() == ".json" else target.with_suffix(".json")
    html_path = json_path.with_suffix(".html")
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    locale = i18n.normalize(respondent.language or "") or "en"
    extra = [(name, value) for name, value in document.items() if name not in STANDARD]
    languages = {**i18n.LANGUAGE_NAMES, **{i18n.tag(k): v for k, v in i18n.LANGUAGE_NAMES.items()}}
    words = {
        "modes": MODE_NAMES,
        "outcomes": OUTCOME_NAMES,
        "devices": DEVICE_NAMES,
        "languages": languages,
        "pages": PAGE_NAMES,
        "states": STATE_NAMES,
        "mail_states": MAIL_STATE_NAMES,
        "actions": ACTION_NAMES,
    }
    with force_locale(locale):
        html = render_template(
            "privacy/held.html", doc=document, lang=i18n.tag(locale), extra=extra,
            text_in=text_in, words=words, stamp=stamp, facts=facts,
        )  # fmt: skip
    json_path.write_text(text + "\n", encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path


def stamp(value: str | None) -> str:
    """An ISO timestamp of the document as people read it: "2009-06-21 01:34" (UTC)."""
    import datetime as dt

    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def facts(details: Any) -> str:
    """An audit row's details as one line people can read: `name: value; …`."""

    def plain(value: Any) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k} {plain(v)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(plain(v) for v in value)
        return "—" if value is None else str(value)

    if not isinstance(details, dict):
        return plain(details)
    return "; ".join(f"{name}: {plain(value)}" for name, value in details.items())


def record(session: Session, respondent: Respondent, study: Any, user: Any) -> None:
    """The audit row of an access export (who took everything held about whom)."""
    audit.record_for(
        respondent, "respondent.access_export", user, study_id=study.id, session=session
    )
