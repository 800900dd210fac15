"""The outbox: messages checked and queued in the caller's transaction, counted, requeued."""

from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import re
import secrets
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey import audit
from survey.db import utcnow
from survey.errors import ServiceError
from survey.rounds.models import OUTBOX_STATES, Invitation, OutboxMessage, Round

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_ERROR_LENGTH = 500


def queue_message(
    session: Session,
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    invitation_id: int | None = None,
    seq: int = 1,
    study_id: int | None = None,
) -> OutboxMessage:
    """Queue one message; a second call for the same (invitation, kind, seq) returns the first."""
    _check_header("recipient", recipient, 254)
    _check_header("subject", subject, 300)
    if "@" not in recipient:
        raise ServiceError("recipient", "invalid_email")
    if invitation_id is not None and (existing := _existing(session, invitation_id, kind, seq)):
        return existing
    row = OutboxMessage(
        invitation_id=invitation_id,
        kind=kind,
        seq=seq,
        recipient=recipient.strip(),
        language=language,
        subject=subject,
        body_text=body,
        message_id=new_message_id(_mail_from()),
        state="queued",
        attempts=0,
    )
    try:
        with session.begin_nested():  # a concurrent queue of the same message wins the race
            session.add(row)
    except IntegrityError:
        if invitation_id is None or not (existing := _existing(session, invitation_id, kind, seq)):
            raise
        return existing
    study_id = study_id or study_of(session, row)
    details = about(row, language=language)
    audit.record_for(row, "mail.queue", details=details, study_id=study_id, session=session)
    return row


@dataclasses.dataclass(frozen=True)
class Draft:
    """One message to queue in bulk (see queue_many)."""

    invitation_id: int
    kind: str
    seq: int
    recipient: str
    language: str
    subject: str
    body: str


def check_draft(draft: Draft) -> None:
    """The header checks of queue_message, for a draft (ServiceError when refused)."""
    _check_header("recipient", draft.recipient, 254)
    _check_header("subject", draft.subject, 300)
    if "@" not in draft.recipient:
        raise ServiceError("recipient", "invalid_email")


def queue_many(
    session: Session,
    drafts: list[Draft],
    *,
    study_id: int | None = None,
    action: str = "mail.queue",
    audit_empty: bool = True,
) -> int:
    """Queue checked drafts in bulk; a draft already queued (same invitation, kind, seq) is
    skipped by the unique constraint, so a repeat or a concurrent run sends nothing twice.
    One audit row lists the invitations queued (none when nothing was, unless audit_empty)."""
    if not drafts:
        return 0
    mail_from = _mail_from()
    rows = [
        {
            "invitation_id": d.invitation_id,
            "kind": d.kind,
            "seq": d.seq,
            "recipient": d.recipient.strip(),
            "language": d.language,
            "subject": d.subject,
            "body_text": d.body,
            "message_id": new_message_id(mail_from),
            "state": "queued",
            "attempts": 0,
            "created_at": utcnow(),
        }
        for d in drafts
    ]
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = OutboxMessage.__table__
    statement = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["invitation_id", "kind", "seq"])
        .returning(table.c.id)  # rowcount of a batch is -1 on psycopg; count what came back
    )
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        ids += session.execute(statement, rows[start : start + 1000]).scalars().all()
    queued = len(ids)
    if not queued and not audit_empty:
        return 0
    if not audit_empty:  # only those this call queued (another worker may have queued the rest)
        drafts = _queued_drafts(session, ids)
    audit.record(
        session,
        action,
        study_id=study_id,
        object_type="outbox",
        details={
            "kind": drafts[0].kind,
            "queued": queued,
            "invitations": [d.invitation_id for d in drafts],
        },
    )
    return queued


def _queued_drafts(session: Session, ids: list[int]) -> list[Draft]:
    rows = session.execute(
        select(OutboxMessage.invitation_id, OutboxMessage.kind).where(OutboxMessage.id.in_(ids))
    )
    return [Draft(invitation_id, kind, 0, "", "", "", "") for invitation_id, kind in rows]


def _check_header(field: str, value: str, longest: int) -> None:
    """Refuse line breaks and control characters in header fields (INJ-03), and overlong ones."""
    if _CONTROL.search(value):
        raise ServiceError(field, "header_line_break")
    if len(value) > longest:
        raise ServiceError(field, "too_long", max=longest)


def _existing(session: Session, invitation_id: int, kind: str, seq: int) -> OutboxMessage | None:
    return session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation_id,
            OutboxMessage.kind == kind,
            OutboxMessage.seq == seq,
        )
    )


def _mail_from() -> str:
    return str(current_app.config["MAIL_FROM"]) if has_app_context() else "survey@localhost"


def new_message_id(mail_from: str) -> str:
    """A random Message-ID in the domain of the sender address."""
    domain = email.utils.parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


# -- reading and requeueing -----------------------------------------------------------------


def outbox_counts(
    session: Session, *, study_id: int | None = None, round_id: int | None = None
) -> dict[str, int]:
    """The number of messages in every state, optionally for one study or round."""
    query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if study_id is not None or round_id is not None:
        query = query.join(Invitation, Invitation.id == OutboxMessage.invitation_id)
    if round_id is not None:
        query = query.where(Invitation.round_id == round_id)
    if study_id is not None:
        query = query.join(Round, Round.id == Invitation.round_id).where(Round.study_id == study_id)
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({state: n for state, n in session.execute(query)})
    return counts


def messages_in(
    session: Session, states: Iterable[str], *, study_id: int | None = None, limit: int = 50
) -> list[OutboxMessage]:
    """The newest messages in the given states (for the status listing of unknown/failed mail)."""
    query = select(OutboxMessage).where(OutboxMessage.state.in_(list(states)))
    if study_id is not None:
        query = (
            query.join(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .join(Round, Round.id == Invitation.round_id)
            .where(Round.study_id == study_id)
        )
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def requeue_unknown(
    session: Session, message_ids: Iterable[str | int], *, include_failed: bool = False
) -> int:
    """Queue `unknown` (and with include_failed, `failed`) messages again; they keep their
    Message-ID. Takes row ids or Message-IDs (with or without angle brackets)."""
    message_ids = list(message_ids)
    ids = [int(m) for m in message_ids if isinstance(m, int) or str(m).isdigit()]
    mids = [f"<{str(m).strip().strip('<>')}>" for m in message_ids if not str(m).isdigit()]
    states = ["unknown", "failed"] if include_failed else ["unknown"]
    rows = session.scalars(
        select(OutboxMessage)
        .where(or_(OutboxMessage.id.in_(ids), OutboxMessage.message_id.in_(mids)))
        .where(OutboxMessage.state.in_(states))
        .with_for_update()
    ).all()
    for row in rows:
        details = {"from_state": row.state, "attempts": row.attempts}
        if row.state == "failed":
            row.attempts = 0  # a fresh retry budget; the audit row keeps the old count
        row.state, row.retry_at = "queued", None
        study_id = study_of(session, row)
        details = about(row, **details)
        audit.record_for(row, "mail.requeue", details=details, study_id=study_id, session=session)
    return len(rows)


def about(row: OutboxMessage, **details: Any) -> dict[str, Any]:
    """An audit row's details for a message; the address stays out of the append-only log."""
    return {
        "message_id": row.message_id,
        "kind": row.kind,
        "seq": row.seq,
        "invitation_id": row.invitation_id,
        **details,
    }


def study_of(session: Session, row: OutboxMessage) -> int | None:
    """The study of a message's invitation (None for a message outside any round)."""
    if row.invitation_id is None:
        return None
    return session.scalar(
        select(Round.study_id)
        .join(Invitation, Invitation.round_id == Round.id)
        .where(Invitation.id == row.invitation_id)
    )
