"""Everything held about one respondent, as one document (the right of access).

`gather` collects the person's identity, invitations with their answers and each
answer's history (read from the audit rows of saves, opened with the person's key),
explanations, mails, contact attempts, and the audit rows about them. Features that hold
more about a person (paradata) add a section by appending a function to `SECTIONS`
(from the app factory, as lower layers cannot import this one): it takes the session and
the respondent and returns (section name, list of JSON-ready records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey import audit, sealing
from survey.audit import AuditEntry
from survey.db import utcnow
from survey.fieldwork.models import ContactAttempt
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding.models import Answer, Explanation
from survey.rounds.models import Invitation, OutboxMessage, Round
from survey.studies.models import Pair, PairSide, Respondent, StudySide

Section = Callable[[Session, Respondent], tuple[str, list[dict[str, Any]]]]
SECTIONS: list[Section] = []
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
        "is_primary": respondent.is_primary,
        "created_at": _when(respondent.created_at),
    }


def audit_rows(session: Session, respondent: Respondent, invitation_ids: list[int]) -> list[Any]:
    """The audit rows about the person: on their behalf, about them or their invitations."""
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
        "invitations": [_invitation(session, i, rows, opened) for i in invitations],
        "audit": [_audit(row, opened[row.id]) for row in rows],
    }
    for section in SECTIONS:
        name, records = section(session, respondent)
        document[name] = records
    return document


def _invitation(
    session: Session, invitation: Invitation, rows: list[Any], opened: dict[int, Any]
) -> dict[str, Any]:
    round_ = session.get(Round, invitation.round_id)
    version = session.get(QuestionnaireVersion, round_.questionnaire_version_id) if round_ else None
    q = model_of(version) if version else None
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
                {"at": _when(row.at), "action": row.action, "old": old, "new": new}
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
    with force_locale(locale):
        html = render_template(
            "privacy/held.html", doc=document, lang=i18n.tag(locale), extra=extra, text_in=text_in
        )
    json_path.write_text(text + "\n", encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path


def record(session: Session, respondent: Respondent, study: Any, user: Any) -> None:
    """The audit row of an access export (who took everything held about whom)."""
    audit.record_for(
        respondent, "respondent.access_export", user, study_id=study.id, session=session
    )
