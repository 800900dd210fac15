"""Queue invitations and reminders for a round; the mail worker sends them (never inline).

Each message is rendered in the respondent's language from the round's own texts
(if the researcher wrote them) or the defaults, with the respondent's own link on
the configured base URL. One bad recipient never stops the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.core.questionnaire import FALLBACKS, text_in
from survey.db import utcnow
from survey.errors import ServiceError
from survey.rounds import mail, services, texts
from survey.rounds.models import Invitation, OutboxMessage, Round, RoundPair
from survey.studies.models import Pair, PairSide, Study, StudySide

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
    """Queue one invitation per web respondent of an open round (idempotent, in bulk)."""
    _must_be_open(round_)
    services.ensure_invitations(session, round_)
    report, drafts = QueueReport(), []
    invited = _with_messages(session, round_, "invitation")
    places = round_places(session, round_)
    for row in services.invitation_rows(session, round_):
        if row.invitation.state in NOT_REMINDED or row.invitation.mode != "web":
            report.not_eligible += 1
        elif not row.respondent.email:
            report.no_email += 1
        elif row.invitation.id in invited:
            report.already += 1
        else:
            _draft(session, round_, row, "invitation", 1, report, drafts, places)
    report.queued = mail.queue_many(
        session, drafts, study_id=round_.study_id, action="round.invite"
    )
    return report


def remind_round(session: Session, round_: Round, *, user: User | None = None) -> QueueReport:
    """Queue a reminder, with the same link, for each invited respondent who has not finished."""
    _must_be_open(round_)
    report, drafts = QueueReport(), []
    invited = _with_messages(session, round_, "invitation")
    sent_reminders = _reminder_counts(session, round_)
    waiting = _with_messages(session, round_, "reminder", states=("queued", "claimed", "sending"))
    places = round_places(session, round_)
    for row in services.invitation_rows(session, round_):
        invitation = row.invitation
        if invitation.state in NOT_REMINDED or invitation.id not in invited:
            report.not_eligible += 1
        elif not row.respondent.email:
            report.no_email += 1
        elif invitation.id in waiting:
            report.waiting += 1  # merged with the reminder still queued (MAIL-03)
        else:
            seq = sent_reminders.get(invitation.id, 0) + 1
            _draft(session, round_, row, "reminder", seq, report, drafts, places)
    report.queued = mail.queue_many(
        session, drafts, study_id=round_.study_id, action="round.remind"
    )
    return report


def _must_be_open(round_: Round) -> None:
    if round_.state != "open":
        raise ServiceError(None, "round_not_open")


def _round_messages(round_: Round, kind: str):  # noqa: ANN202
    return (
        select(OutboxMessage.invitation_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(Invitation.round_id == round_.id, OutboxMessage.kind == kind)
    )


def _with_messages(
    session: Session, round_: Round, kind: str, states: tuple[str, ...] | None = None
) -> set[int]:
    query = _round_messages(round_, kind)
    if states:
        query = query.where(OutboxMessage.state.in_(states))
    return set(session.scalars(query))


def _reminder_counts(session: Session, round_: Round) -> dict[int, int]:
    query = (
        select(OutboxMessage.invitation_id, func.max(OutboxMessage.seq))
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(Invitation.round_id == round_.id, OutboxMessage.kind == "reminder")
        .group_by(OutboxMessage.invitation_id)
    )
    return {invitation_id: seq for invitation_id, seq in session.execute(query)}


def _draft(
    session: Session,
    round_: Round,
    row: services.InvitationRow,
    kind: str,
    seq: int,
    report: QueueReport,
    drafts: list[mail.Draft],
    places: dict[int, list[PairSide]],
) -> None:
    draft = draft_for(session, round_, row, kind, seq, places, errors=report.errors)
    if draft is not None:
        drafts.append(draft)


def draft_for(
    session: Session,
    round_: Round,
    row: services.InvitationRow,
    kind: str,
    seq: int,
    places: dict[int, list[PairSide]],
    *,
    now: dt.datetime | None = None,
    errors: list[str] | None = None,
) -> mail.Draft | None:
    """One message for one respondent, checked; None (and a line in `errors`) when refused."""
    language = texts.text_language(row.respondent.language or row.side.default_language)
    subject, body = render(session, round_, row, kind, language, places, now=now)
    draft = mail.Draft(row.invitation.id, kind, seq, row.respondent.email, language, subject, body)
    try:
        mail.check_draft(draft)
    except ServiceError as error:
        if errors is not None:
            errors.append(f"{row.pair.code}/{row.side.code}: {error.message}")
        return None
    return draft


def render(
    session: Session,
    round_: Round,
    row: services.InvitationRow,
    kind: str,
    language: str,
    places: dict[int, list[PairSide]] | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[str, str]:
    """The subject and body of one message, in `language`, with this respondent's link, the
    closing date in the respondent's zone and the time left until it (at `now`)."""
    own = getattr(round_, f"{kind}_texts", {}) or {}
    custom = own.get(language)
    started = started_answering(row.invitation)
    subject, body = (
        (custom["subject"], custom["body"])
        if custom
        else texts.default_texts(
            kind, language, closing_date=round_.closes_at is not None, started=started
        )
    )
    context = _context(session, round_, row, language, places)
    context["continue_note"] = texts.continue_note(language, started)
    moment = now or utcnow()
    context["time_left"] = (
        texts.time_left(round_.closes_at, moment, language) if round_.closes_at else ""
    )
    return texts.render_text(subject, context), texts.render_text(body, context)


def _context(
    session: Session,
    round_: Round,
    row: services.InvitationRow,
    language: str,
    places: dict[int, list[PairSide]] | None,
) -> dict[str, str]:
    study = session.get(Study, round_.study_id)
    if places is None:
        partner = session.scalar(
            select(PairSide).where(PairSide.pair_id == row.pair.id, PairSide.side_id != row.side.id)
        )
    else:
        partner = next((p for p in places.get(row.pair.id, []) if p.side_id != row.side.id), None)
    other = next((side for side in study.sides if side.id != row.side.id), None) if study else None
    zone = texts.zone_name(row.respondent.timezone, row.side.timezone, round_.timezone)
    closing = (
        texts.format_closing_date(round_.closes_at, language, zone) if round_.closes_at else ""
    )
    return {
        "respondent_name": row.respondent.name,
        "pair": row.pair.code,
        "study_title": text_in(study.title, language, FALLBACKS.get(language, ("en",)))[0]
        if study
        else "",
        "own_place": _place(row.pair_side, language),
        "partner_place": _place(partner, language),
        "own_side": _side(row.side, row.pair, language),
        "partner_side": _side(other, row.pair, language) if other else "",
        "link": services.link_of(row.invitation),
        "closing_date": closing,
    }


def started_answering(invitation: Invitation) -> bool:
    """Whether the respondent has saved answers and not finished (the "continue" line)."""
    return invitation.state == "in_progress" or (
        invitation.started_at is not None and invitation.state not in NOT_REMINDED
    )


def _side(side: StudySide, pair: Pair, language: str) -> str:
    """The side's label for this pair (its kind's own where the study gives one), in `language`."""
    return text_in(side.label_for(pair.kind), language, FALLBACKS.get(language, ("en",)))[0]


def _place(side: PairSide | None, language: str) -> str:
    if side is None:
        return ""
    chinese = language.startswith("zh")
    return (side.place_zh if chinese else side.place_en) or side.place_en or side.place_zh


def round_places(session: Session, round_: Round) -> dict[int, list[PairSide]]:
    """Every pair side of the round by pair id, loaded once for a whole mailing."""
    query = (
        select(PairSide)
        .join(RoundPair, RoundPair.pair_id == PairSide.pair_id)
        .where(RoundPair.round_id == round_.id)
    )
    places: dict[int, list[PairSide]] = {}
    for place in session.scalars(query):
        places.setdefault(place.pair_id, []).append(place)
    return places
