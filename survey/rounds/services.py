"""Rounds: create from a pinned questionnaire version, open, close, invitations, links."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts.models import User
from survey.db import utcnow
from survey.errors import NotFoundError, ServiceError
from survey.questionnaires import services as questionnaires
from survey.rounds import links
from survey.rounds.models import Invitation, Round, RoundPair
from survey.studies.models import Pair, PairSide, Respondent, Study, StudySide

TRANSITIONS = {("draft", "open"), ("open", "closed"), ("closed", "open")}


def slugify(name: str) -> str:
    """A URL- and shell-friendly slug from a round name ('Wave 1 (2009)' → 'wave-1-2009')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80] or "round"


def create_round(
    session: Session,
    study: Study,
    name: str,
    questionnaire: str,
    *,
    pair_codes: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    timezone: str = "UTC",
    user: User | None = None,
    slug: str | None = None,
) -> Round:
    """Create a draft round pinned to one questionnaire version, with the chosen pairs."""
    version = questionnaires.get_version(session, questionnaire, study=study)
    slug = slug or slugify(name)
    if session.scalar(select(Round.id).where(Round.study_id == study.id, Round.slug == slug)):
        raise ServiceError("name", "round_exists", slug=slug)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError("closes_at", "closes_before_opens")
    pairs = _select_pairs(session, study, pair_codes, kinds)
    round_ = Round(
        study_id=study.id,
        slug=slug,
        name=name.strip() or slug,
        questionnaire_version_id=version.id,
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=timezone,
        created_by_id=user.id if user else None,
    )
    session.add(round_)
    session.flush()
    session.add_all(RoundPair(round_id=round_.id, pair_id=p.id) for p in pairs)
    audit.record(
        session,
        "round.create",
        study_id=study.id,
        object_type="round",
        object_id=str(round_.id),
        details={
            "slug": slug,
            "questionnaire": f"{version.key}@{version.version}",
            "pairs": len(pairs),
        },
    )
    return round_


def _select_pairs(
    session: Session, study: Study, codes: Sequence[str] | None, kinds: Sequence[str] | None
) -> list[Pair]:
    query = select(Pair).where(Pair.study_id == study.id).order_by(Pair.code)
    if kinds:
        query = query.where(Pair.kind.in_(list(kinds)))
    pairs = list(session.scalars(query))
    if codes:
        by_code = {p.code: p for p in pairs}
        unknown = [c for c in codes if c not in by_code]
        if unknown:
            raise ServiceError("pairs", "unknown_pairs", codes=", ".join(unknown))
        pairs = [by_code[c] for c in codes]
    if not pairs:
        raise ServiceError("pairs", "no_pairs")
    return pairs


def rounds_per_study(session: Session) -> dict[int, int]:
    """How many rounds each study has, by study id (for `survey study list`)."""
    counted = session.execute(select(Round.study_id, func.count()).group_by(Round.study_id))
    return {study_id: number for study_id, number in counted}


def get_round(session: Session, slug: str, *, study: Study | None = None) -> Round:
    """The round with this slug (in `study` when given); ambiguous or unknown slugs refused."""
    query = select(Round).where(Round.slug == slug)
    if study is not None:
        query = query.where(Round.study_id == study.id)
    rounds = list(session.scalars(query))
    if not rounds:
        raise NotFoundError("round", slug=slug)
    if len(rounds) > 1:
        raise ServiceError("round", "round_ambiguous", slug=slug)
    return rounds[0]


def set_state(session: Session, round_: Round, state: str, *, user: User | None = None) -> Round:
    """Move a round draft → open → closed (and closed → open); closing keeps every answer."""
    if (round_.state, state) not in TRANSITIONS:
        raise ServiceError("state", "bad_transition", old=round_.state, new=state)
    before = round_.state
    round_.state = state
    if state == "open" and round_.opens_at is None:
        round_.opens_at = utcnow()
    audit.record(
        session,
        f"round.{state}",
        study_id=round_.study_id,
        object_type="round",
        object_id=str(round_.id),
        details={"before": before, "after": state},
        actor_user_id=user.id if user else None,
    )
    return round_


def round_pairs(session: Session, round_: Round) -> list[Pair]:
    """The pairs of a round, by code."""
    return list(
        session.scalars(
            select(Pair)
            .join(RoundPair, RoundPair.pair_id == Pair.id)
            .where(RoundPair.round_id == round_.id)
            .order_by(Pair.code)
        )
    )


@dataclass(frozen=True)
class InvitationRow:
    """An invitation with what a list or a message needs about it."""

    invitation: Invitation
    pair: Pair
    side: StudySide
    pair_side: PairSide
    respondent: Respondent


def ensure_invitations(session: Session, round_: Round) -> int:
    """One invitation per pair side's primary respondent; returns how many were created."""
    existing = {
        (i.pair_id, i.side_id)
        for i in session.scalars(select(Invitation).where(Invitation.round_id == round_.id))
    }
    created = 0
    for pair_side, respondent in _primary_respondents(session, round_):
        if (pair_side.pair_id, pair_side.side_id) in existing:
            continue
        nonce = links.new_nonce()
        session.add(
            Invitation(
                round_id=round_.id,
                respondent_id=respondent.id,
                pair_id=pair_side.pair_id,
                side_id=pair_side.side_id,
                token_nonce=nonce,
                token_hash=links.token_hash(links.token_for(_link_key(), nonce)),
            )
        )
        created += 1
    session.flush()
    return created


def _primary_respondents(session: Session, round_: Round) -> Iterable[tuple[PairSide, Respondent]]:
    rows = session.execute(
        select(PairSide, Respondent)
        .join(RoundPair, RoundPair.pair_id == PairSide.pair_id)
        .join(Respondent, Respondent.pair_side_id == PairSide.id)
        .where(RoundPair.round_id == round_.id, Respondent.is_primary.is_(True))
        .order_by(PairSide.pair_id, PairSide.side_id, Respondent.id)
    )
    seen: set[int] = set()
    for pair_side, respondent in rows:
        if pair_side.id not in seen:  # one primary per side, the earliest if several
            seen.add(pair_side.id)
            yield pair_side, respondent


def _link_key() -> str:
    from flask import current_app

    return current_app.config["LINK_KEY"]


def link_of(invitation: Invitation) -> str:
    """The respondent's link for this invitation, on the configured base URL."""
    from flask import current_app

    token = links.token_for(_link_key(), invitation.token_nonce)
    return links.link_url(current_app.config["BASE_URL"], token)


def find_by_token(session: Session, token: str) -> Invitation | None:
    """The invitation a link token belongs to, or None (shape checked before any query)."""
    if not links.plausible(token):
        return None
    return session.scalar(
        select(Invitation).where(Invitation.token_hash == links.token_hash(token))
    )


def reissue_link(session: Session, invitation: Invitation, *, user: User | None = None) -> str:
    """Give the invitation a new link; the old one stops working at once (audited)."""
    invitation.token_nonce = links.new_nonce()
    invitation.token_hash = links.token_hash(links.token_for(_link_key(), invitation.token_nonce))
    round_ = session.get(Round, invitation.round_id)
    audit.record(
        session,
        "invitation.reissue",
        study_id=round_.study_id if round_ else None,
        object_type="invitation",
        object_id=str(invitation.id),
        actor_user_id=user.id if user else None,
    )
    return link_of(invitation)


def invitation_rows(
    session: Session, round_: Round, *, pair_ids: Iterable[int] | None = None
) -> list[InvitationRow]:
    """Every invitation of a round with its pair, side, place and respondent."""
    query = (
        select(Invitation, Pair, StudySide, PairSide, Respondent)
        .join(Pair, Pair.id == Invitation.pair_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .join(
            PairSide,
            (PairSide.pair_id == Invitation.pair_id) & (PairSide.side_id == Invitation.side_id),
        )
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.round_id == round_.id)
        .order_by(Pair.code, StudySide.position)
    )
    if pair_ids is not None:
        query = query.where(Invitation.pair_id.in_(list(pair_ids)))
    return [InvitationRow(*row) for row in session.execute(query)]


def links_of_round(
    session: Session, round_: Round, *, user: User | None = None
) -> list[dict[str, Any]]:
    """The respondent links, for researchers who send them themselves (audited)."""
    ensure_invitations(session, round_)
    rows = [
        {
            "pair": r.pair.code,
            "side": r.side.code,
            "respondent": r.respondent.name,
            "email": r.respondent.email,
            "language": r.respondent.language or r.side.default_language,
            "state": r.invitation.state,
            "link": link_of(r.invitation),
        }
        for r in invitation_rows(session, round_)
    ]
    audit.record(
        session,
        "round.links_exported",
        study_id=round_.study_id,
        object_type="round",
        object_id=str(round_.id),
        details={"count": len(rows)},
        actor_user_id=user.id if user else None,
    )
    return rows


def side_codes(study: Study) -> tuple[str, str]:
    """The study's two side codes in order (A, B)."""
    first, second = sorted(study.sides, key=lambda s: s.position)
    return first.code, second.code


def by_pair(rows: Iterable[InvitationRow]) -> Mapping[int, list[InvitationRow]]:
    """Group invitation rows by pair id."""
    grouped: dict[int, list[InvitationRow]] = {}
    for row in rows:
        grouped.setdefault(row.pair.id, []).append(row)
    return grouped


def save_texts(
    session: Session,
    round_: Round,
    posted: dict[str, dict[str, dict[str, str]]],
    *,
    user: User | None = None,
) -> dict[str, list[str]]:
    """Store the round's own texts (only those that differ from the defaults); return the
    problems per field (`kind-lang-subject|body`) and store nothing when there are any."""
    from survey.rounds import texts

    problems: dict[str, list[str]] = {}
    chosen: dict[str, dict[str, dict[str, str]]] = {"invitation": {}, "reminder": {}}
    for kind, languages in posted.items():
        for lang, text in languages.items():
            subject, body = text["subject"].strip(), text["body"].replace("\r\n", "\n")
            found = {
                "subject": texts.check_template(subject)
                + (
                    [texts.translate("Line breaks are not allowed here.")]
                    if "\n" in subject
                    else []
                ),
                "body": texts.check_template(body, required=["link"]),
            }
            problems.update({f"{kind}-{lang}-{part}": p for part, p in found.items() if p})
            default = texts.default_texts(kind, lang, closing_date=round_.closes_at is not None)
            if (subject, body.strip()) != (default[0], default[1].strip()):
                chosen[kind][lang] = {"subject": subject, "body": body}
    if problems:
        return problems
    round_.invitation_texts, round_.reminder_texts = chosen["invitation"], chosen["reminder"]
    audit.record(
        session,
        "round.texts",
        study_id=round_.study_id,
        object_type="round",
        object_id=str(round_.id),
        actor_user_id=user.id if user else None,
        details={"custom": {k: sorted(v) for k, v in chosen.items()}},
    )
    return {}
