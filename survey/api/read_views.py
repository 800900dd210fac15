"""The API's reads: pairs, rounds with their progress, invitations and links, answers,
comparisons and discrepancies, agreement and tabulation, and the audit log."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import func, select

from survey import sealing
from survey.api import schemas
from survey.api.auth import api_view
from survey.api.blueprint import bp
from survey.api.identified import identified
from survey.api.paging import offset_of, page
from survey.api.problems import Problem
from survey.api.spec import answers, etagged, json_response, spec
from survey.audit import AuditEntry
from survey.comparison import services as comparing
from survey.comparison.cli_labels import Labels
from survey.db import db
from survey.exports.deidentify import identifying_keys
from survey.questionnaires.models import QuestionnaireVersion
from survey.responding import services as answering
from survey.rounds import entry
from survey.rounds import services as rounds
from survey.rounds.models import FollowupRound, Invitation, Round, RoundPair
from survey.studies.listing import audit_statement
from survey.studies.models import Pair, PairSide, StudySide
from survey.studies.pairs.editing import may_see_contacts
from survey.transaction import writes

ROUND = "/studies/<slug>/rounds/<round_slug>"


def listed(model: type, items: list, total: int, offset: int, limit: int, **more):  # noqa: ANN003, ANN201
    body, headers = page(items, total, offset, limit, **more)
    return json_response(model(**body).model_dump_json().encode(), headers=headers)


def study_body(study, role: str, scope: str) -> schemas.Study:  # noqa: ANN001
    sides = sorted(study.sides, key=lambda s: s.position)
    return schemas.Study(
        slug=study.slug,
        title=study.title,
        archived=study.is_archived,
        created_at=study.created_at,
        sides=[
            schemas.Side(
                code=s.code, position=s.position, label=s.label, default_language=s.default_language
            )
            for s in sides
        ],
        role=role,
        scope=scope,
    )


@bp.route("/studies")
@api_view("read")
@spec.validate(resp=answers(schemas.Studies), tags=["studies"])
def studies():  # noqa: ANN201
    """The studies this token reaches: its own study."""
    body = schemas.Studies(
        items=[study_body(g.study, g.role, g.api_token.scope)], total=1, next_cursor=None
    )
    return json_response(body.model_dump_json().encode(), headers={"X-Total-Count": "1"})


@bp.route("/studies/<slug>")
@api_view("read")
@spec.validate(resp=answers(schemas.Study), tags=["studies"])
def study(slug: str):  # noqa: ANN201
    """One study with its sides, and the token's role and scope in it."""
    return etagged(study_body(g.study, g.role, g.api_token.scope).model_dump_json().encode())


def pair_body(
    pair: Pair, sides: dict[int, StudySide], contacts: bool, named: bool = False
) -> schemas.Pair:
    """A pair; its respondents' names and positions only when `named`, contacts only when
    `named` and `contacts` (the role may see them)."""
    contacts = contacts and named
    return schemas.Pair(
        code=pair.code,
        kind=pair.kind,
        established=pair.established,
        attributes=pair.attributes or {},
        created_at=pair.created_at,
        sides=[
            schemas.PairSide(
                side=sides[s.side_id].code,
                place_en=s.place_en,
                place_zh=s.place_zh,
                region=s.region,
                organization=s.organization,
                respondents=[
                    schemas.Respondent(
                        id=r.id,
                        name=r.name if named else None,
                        email=r.email if contacts else None,
                        phone=r.phone if contacts else None,
                        organization=r.organization,
                        position=r.position if named else None,
                        years_involved=r.years_involved,
                        language=r.language,
                        timezone=r.timezone,
                        is_primary=r.is_primary,
                    )
                    for r in sorted(s.respondents, key=lambda r: r.id)
                ],
            )
            for s in sorted(pair.sides, key=lambda s: sides[s.side_id].position)
        ],
    )


def _sides() -> dict[int, StudySide]:
    return {s.id: s for s in g.study.sides}


@bp.route("/studies/<slug>/pairs")
@writes  # an identified read is audited
@api_view("read")
@spec.validate(resp=answers(schemas.Pairs), tags=["pairs"])
def pairs(slug: str, query: schemas.PairsQuery):  # noqa: ANN201
    """The study's pairs by code, with their places and respondents (contacts by role)."""
    from sqlalchemy.orm import selectinload

    offset = offset_of(query.cursor)
    where = [Pair.study_id == g.study.id] + ([Pair.kind == query.kind] if query.kind else [])
    total = db.session.scalar(select(func.count(Pair.id)).where(*where)) or 0
    found = db.session.scalars(
        select(Pair)
        .where(*where)
        .order_by(Pair.code)
        .offset(offset)
        .limit(query.limit)
        .options(selectinload(Pair.sides).selectinload(PairSide.respondents))
    )
    named = identified(query, "pairs")
    sides, contacts = _sides(), may_see_contacts(g.role)
    items = [pair_body(p, sides, contacts, named) for p in found]
    return listed(schemas.Pairs, items, total, offset, query.limit)


@bp.route("/studies/<slug>/pairs/<code>")
@writes  # an identified read is audited
@api_view("read")
@spec.validate(resp=answers(schemas.Pair), tags=["pairs"])
def pair(slug: str, code: str, query: schemas.IdentifiersQuery):  # noqa: ANN201
    """One pair."""
    from survey.studies.pairs.editing import get_pair

    found = get_pair(db.session, g.study, code)
    named = identified(query, f"pair {code}")
    body = pair_body(found, _sides(), may_see_contacts(g.role), named)
    return etagged(body.model_dump_json().encode())


def study_round(round_slug: str) -> Round:
    found = db.session.scalar(
        select(Round).where(Round.study_id == g.study.id, Round.slug == round_slug)
    )
    if found is None:
        raise Problem(404, "not_found")
    return found


def round_body(round_: Round) -> schemas.Round:
    version = db.session.get(QuestionnaireVersion, round_.questionnaire_version_id)
    count = db.session.scalar(
        select(func.count()).select_from(RoundPair).where(RoundPair.round_id == round_.id)
    )
    parent = db.session.get(FollowupRound, round_.id)
    parent_round = db.session.get(Round, parent.parent_id) if parent else None
    return schemas.Round(
        slug=round_.slug,
        name=round_.name,
        state=round_.state,
        questionnaire=f"{version.key}@{version.version}",
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        timezone=round_.timezone,
        created_at=round_.created_at,
        pairs=count or 0,
        followup_of=parent_round.slug if parent_round else None,
    )


@bp.route("/studies/<slug>/rounds")
@api_view("read")
@spec.validate(resp=answers(schemas.Rounds), tags=["rounds"])
def rounds_list(slug: str, query: schemas.PageQuery):  # noqa: ANN201
    """The study's rounds, oldest first."""
    offset = offset_of(query.cursor)
    where = Round.study_id == g.study.id
    total = db.session.scalar(select(func.count(Round.id)).where(where)) or 0
    found = db.session.scalars(
        select(Round).where(where).order_by(Round.id).offset(offset).limit(query.limit)
    )
    items = [round_body(r) for r in found]
    return listed(schemas.Rounds, items, total, offset, query.limit)


@bp.route(ROUND)
@api_view("read")
@spec.validate(resp=answers(schemas.Round), tags=["rounds"])
def round_get(slug: str, round_slug: str):  # noqa: ANN201
    """One round."""
    return etagged(round_body(study_round(round_slug)).model_dump_json().encode())


@bp.route(ROUND + "/progress")
@writes  # invitations of pairs added since are made on the way, as the round's page does
@api_view("read")
@spec.validate(resp=answers(schemas.Progress), tags=["rounds"])
def progress(slug: str, round_slug: str):  # noqa: ANN201
    """Counts per side and state, and pairs complete on both, one or neither side."""
    from survey.rounds.monitoring import round_status

    round_ = study_round(round_slug)
    status = round_status(db.session, round_, rounds.side_codes(g.study)).to_dict()
    status["submitted_per_day"] = [
        {"date": day, "submitted": n} for day, n in status["submitted_per_day"]
    ]
    return etagged(schemas.Progress(**status).model_dump_json().encode())


@bp.route(ROUND + "/invitations")
@writes
@api_view("read")
@spec.validate(resp=answers(schemas.Invitations), tags=["invitations"])
def invitations(slug: str, round_slug: str, query: schemas.InvitationsQuery):  # noqa: ANN201
    """Invitations with their state and mode, by pair and side (links: `/links`)."""
    round_ = study_round(round_slug)
    rounds.ensure_invitations(db.session, round_)
    rows = rounds.invitation_rows(db.session, round_)
    rows = [
        r
        for r in rows
        if (not query.state or r.invitation.state == query.state)
        and (not query.mode or r.invitation.mode == query.mode)
    ]
    offset = offset_of(query.cursor)
    items = [
        schemas.Invitation(
            pair=r.pair.code,
            side=r.side.code,
            state=r.invitation.state,
            mode=r.invitation.mode,
            language=r.respondent.language or r.side.default_language,
            sent_at=r.invitation.sent_at,
            opened_at=r.invitation.opened_at,
            started_at=r.invitation.started_at,
            submitted_at=r.invitation.submitted_at,
            declined_at=r.invitation.declined_at,
        )
        for r in rows[offset : offset + query.limit]
    ]
    return listed(schemas.Invitations, items, len(rows), offset, query.limit)


@bp.route(ROUND + "/links")
@writes  # the export of links is audited
@api_view("links", "researcher")
@spec.validate(resp=answers(schemas.Links), tags=["invitations"])
def links(slug: str, round_slug: str):  # noqa: ANN201
    """The respondents' personal links (a `links` token and the researcher role; audited)."""
    rows = rounds.links_of_round(db.session, study_round(round_slug), user=g.user)
    return json_response(schemas.Links(items=rows).model_dump_json().encode())


def the_invitation(round_: Round, pair_code: str, side_code: str) -> Invitation:
    """The invitation of a pair's side, if this user may enter for that pair (else 404)."""
    found = db.session.scalar(
        select(Invitation)
        .join(Pair, Pair.id == Invitation.pair_id)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(
            Invitation.round_id == round_.id, Pair.code == pair_code, StudySide.code == side_code
        )
    )
    if found is None or not entry.may_enter(db.session, g.study.id, g.user, g.role, found.pair_id):
        raise Problem(404, "not_found")
    return found


def labels_of(round_: Round, lang: str | None) -> Labels | None:
    if lang is None:
        return None
    q = comparing.questionnaire_of(db.session, round_)
    return Labels(db.session, round_, q, comparing.side_order(db.session, round_), lang)


def answers_body(  # noqa: PLR0913
    invitation: Invitation,
    pair_code: str,
    side_code: str,
    words,  # noqa: ANN001
    withhold: frozenset[str] = frozenset(),
) -> bytes:
    stored = answering.answer_rows(db.session, invitation)
    stored = {k: r for k, r in stored.items() if k not in withhold}
    values = {k: r.value for k, r in stored.items() if r.value is not None}
    if words is not None:
        values = {k: words.value(k, v) for k, v in values.items()}
    return (
        schemas.Answers(
            pair=pair_code,
            side=side_code,
            state=invitation.state,
            mode=invitation.mode,
            version=invitation.version,
            answers=values,
            versions={k: r.version for k, r in stored.items()},
            withheld=sorted(withhold),
        )
        .model_dump_json()
        .encode()
    )


@bp.route(ROUND + "/answers/<pair_code>/<side_code>")
@writes  # an identified read is audited
@api_view("read", "interviewer")
@spec.validate(resp=answers(schemas.Answers), tags=["answers"])
def answers_get(  # noqa: ANN201
    slug: str, round_slug: str, pair_code: str, side_code: str, query: schemas.AnswersQuery
):
    """One side's answers (researchers, and interviewers for their assigned pairs); answers
    to identifying questions only with `identifiers=true` (listed in `withheld` otherwise)."""
    round_ = study_round(round_slug)
    invitation = the_invitation(round_, pair_code, side_code)
    named = identified(query, f"answers {pair_code}/{side_code}")
    keys = identifying_keys(comparing.questionnaire_of(db.session, round_))
    words = labels_of(round_, query.labels)
    body = answers_body(invitation, pair_code, side_code, words, frozenset() if named else keys)
    return etagged(body)


def discrepancy_of(discrepancy_id: int):  # noqa: ANN201
    from survey.comparison.models import Discrepancy

    found = db.session.get(Discrepancy, discrepancy_id)
    round_ = db.session.get(Round, found.round_id) if found is not None else None
    if found is None or round_ is None or round_.study_id != g.study.id:
        raise Problem(404, "not_found")
    return found, round_


def discrepancy_etag(found: Any) -> str:
    return f'"discrepancy-{found.id}-v{found.version}"'


def discrepancy_body(found: Any, round_: Round) -> bytes:
    from survey.accounts.models import User

    decider = db.session.get(User, found.decided_by_id) if found.decided_by_id else None
    return (
        schemas.Discrepancy(
            id=found.id,
            round=round_.slug,
            pair=db.session.get(Pair, found.pair_id).code,
            question=found.question_key,
            status=found.status,
            values=found.values,
            note=found.note,
            version=found.version,
            decided_by=decider.email if decider else None,
            decided_at=found.decided_at,
            created_at=found.created_at,
        )
        .model_dump_json()
        .encode()
    )


@bp.route("/studies/<slug>/discrepancies/<int:discrepancy_id>")
@api_view("read")
@spec.validate(resp=answers(schemas.Discrepancy), tags=["comparisons"])
def discrepancy(slug: str, discrepancy_id: int):  # noqa: ANN201
    """One discrepancy; its ETag names its version, for a decision's If-Match."""
    found, round_ = discrepancy_of(discrepancy_id)
    body = discrepancy_body(found, round_)
    return json_response(body, headers={"ETag": discrepancy_etag(found)})


@bp.route("/studies/<slug>/audit")
@api_view("read", "owner")
@spec.validate(resp=answers(schemas.AuditPage), tags=["audit"])
def audit_log(slug: str, query: schemas.AuditQuery):  # noqa: ANN201
    """The study's audit log, newest first (owners only)."""
    statement = audit_statement(g.study, action=query.action or "")
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    offset = offset_of(query.cursor)
    found = db.session.execute(
        statement.order_by(AuditEntry.id.desc()).offset(offset).limit(query.limit)
    ).all()
    opened = sealing.open_all(db.session, [e for e, _ in found])
    items = [
        schemas.AuditRow(
            id=e.id,
            at=e.at,
            action=e.action,
            actor=email,
            on_behalf_of=e.on_behalf_of,
            object_type=e.object_type,
            object_id=e.object_id,
            details=opened[e.id] or {},
            reason=e.reason,
        )
        for e, email in found
    ]
    return listed(schemas.AuditPage, items, total, offset, query.limit)
