"""Queue invitations and reminders for a round; the mail worker sends them (never inline).

Each message is rendered in the respondent's language from the round's own texts
(if the researcher wrote them) or the defaults, with the respondent's own link on
the configured base URL. One bad recipient never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.core.questionnaire import FALLBACKS, text_in
from survey.errors import ServiceError
from survey.rounds import mail, services, texts
from survey.rounds.models import OutboxMessage, Round
from survey.studies.models import PairSide, Study

NOT_REMINDED = frozenset({"submitted", "declined", "bounced"})


@dataclass
class QueueReport:
    """How many messages were queued, and why the others were not."""

    queued: int = 0
    already: int = 0
    no_email: int = 0
    not_eligible: int = 0
    waiting: int = 0  # a reminder for them is still in the queue (merged, MAIL-03)
    errors: list[str] = field(default_factory=list)


def invite_round(session: Session, round_: Round, *, user: User | None = None) -> QueueReport:
    """Queue one invitation per web respondent of an open round (idempotent)."""
    _must_be_open(round_)
    services.ensure_invitations(session, round_)
    report = QueueReport()
    for row in services.invitation_rows(session, round_):
        if row.invitation.state in NOT_REMINDED or row.invitation.mode != "web":
            report.not_eligible += 1
        elif not row.respondent.email:
            report.no_email += 1
        elif _count(session, row.invitation.id, "invitation"):
            report.already += 1
        else:
            _queue(session, round_, row, "invitation", 1, report)
    return report


def remind_round(session: Session, round_: Round, *, user: User | None = None) -> QueueReport:
    """Queue a reminder, with the same link, for each invited respondent who has not finished."""
    _must_be_open(round_)
    report = QueueReport()
    for row in services.invitation_rows(session, round_):
        invitation = row.invitation
        if invitation.state in NOT_REMINDED or not _count(session, invitation.id, "invitation"):
            report.not_eligible += 1
        elif not row.respondent.email:
            report.no_email += 1
        elif _pending_reminder(session, invitation.id):
            report.waiting += 1
        else:
            _queue(
                session,
                round_,
                row,
                "reminder",
                _count(session, invitation.id, "reminder") + 1,
                report,
            )
    return report


def _must_be_open(round_: Round) -> None:
    if round_.state != "open":
        raise ServiceError(None, "round_not_open")


def _count(session: Session, invitation_id: int, kind: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                OutboxMessage.invitation_id == invitation_id, OutboxMessage.kind == kind
            )
        )
        or 0
    )


def _pending_reminder(session: Session, invitation_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count()).where(
                OutboxMessage.invitation_id == invitation_id,
                OutboxMessage.kind == "reminder",
                OutboxMessage.state.in_(["queued", "sending"]),
            )
        )
    )


def _queue(
    session: Session,
    round_: Round,
    row: services.InvitationRow,
    kind: str,
    seq: int,
    report: QueueReport,
) -> None:
    language = texts.text_language(row.respondent.language or row.side.default_language)
    subject, body = render(session, round_, row, kind, language)
    try:
        mail.queue_message(
            session,
            kind=kind,
            recipient=row.respondent.email,
            language=language,
            subject=subject,
            body=body,
            invitation_id=row.invitation.id,
            seq=seq,
            study_id=round_.study_id,
        )
    except ServiceError as error:
        report.errors.append(f"{row.pair.code}/{row.side.code}: {error.message}")
        return
    report.queued += 1


def render(
    session: Session, round_: Round, row: services.InvitationRow, kind: str, language: str
) -> tuple[str, str]:
    """The subject and body of one message, in `language`, with this respondent's link."""
    own = getattr(round_, f"{kind}_texts", {}) or {}
    custom = own.get(language)
    subject, body = (
        (custom["subject"], custom["body"])
        if custom
        else texts.default_texts(kind, language, closing_date=round_.closes_at is not None)
    )
    context = _context(session, round_, row, language)
    return texts.render_text(subject, context), texts.render_text(body, context)


def _context(
    session: Session, round_: Round, row: services.InvitationRow, language: str
) -> dict[str, str]:
    study = session.get(Study, round_.study_id)
    partner = session.scalar(
        select(PairSide).where(PairSide.pair_id == row.pair.id, PairSide.side_id != row.side.id)
    )
    closing = (
        texts.format_closing_date(round_.closes_at, language, round_.timezone)
        if (round_.closes_at)
        else ""
    )
    return {
        "respondent_name": row.respondent.name,
        "pair": row.pair.code,
        "study_title": text_in(study.title, language, FALLBACKS.get(language, ("en",)))[0]
        if study
        else "",
        "own_place": _place(row.pair_side, language),
        "partner_place": _place(partner, language),
        "link": services.link_of(row.invitation),
        "closing_date": closing,
    }


def _place(side: PairSide | None, language: str) -> str:
    if side is None:
        return ""
    chinese = language.startswith("zh")
    return (side.place_zh if chinese else side.place_en) or side.place_en or side.place_zh
