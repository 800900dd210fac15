"""The respondent behind a request: their invitation, questionnaire and answers, read at once.

`load_visit` reads everything a respondent page needs in one statement, as plain
values: the invitation and its round, the study's title, the side's label, the
languages and every answer.
`state_of` works out where the answers leave the respondent.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Dialect, bindparam, select

from survey import i18n
from survey.core.questionnaire import Questionnaire, Section
from survey.core.types import AnswerError
from survey.db import DriverStatement, db, driver_statement, read_alone, utcnow
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_for
from survey.responding import flow
from survey.responding import services as answers
from survey.rounds.models import Invitation, Round
from survey.studies.models import Respondent, Study, StudySide
from survey.transaction import reads_alone


@dataclass(frozen=True)
class Titled:
    """What the pages show of the study (`title`) or the respondent's side (`label`)."""

    id: int
    title: Mapping[str, str] = field(default_factory=dict)
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Visit:
    """The respondent behind this request, as the session names them."""

    invitation: answers.InvitationRow
    round: answers.RoundRow
    q: Questionnaire
    study: Titled
    side: Titled
    locale: str
    rows: Mapping[str, answers.Stored] | None = None  # read with the visit; None once stale
    content_hash: str = ""  # of the questionnaire version: what its pages' frames depend on

    @property
    def language(self) -> str:
        """The language tag of the questionnaire texts shown (zh-Hant → zh-Hans → en)."""
        return i18n.tag(self.locale)

    @property
    def is_open(self) -> bool:
        closes = self.round.closes_at
        return self.round.state == "open" and (closes is None or closes > utcnow())


@dataclass
class State:
    """The invitation's answers and where they leave the respondent.

    Problems are worked out when first asked for, and only up to page `upto` when
    given: reaching a page or leaving it by Next only depends on the pages up to it,
    and the problems of later pages are the costliest part of drawing a page.
    """

    q: Questionnaire
    rows: Mapping[str, answers.Stored]
    upto: str | None = None
    values: dict[str, Any] = field(init=False)
    order: list[Section] = field(init=False)

    def __post_init__(self) -> None:
        self.values = {key: row.value for key, row in self.rows.items() if row.value is not None}
        self.order = flow.pages(self.q, self.values)

    @functools.cached_property
    def problems(self) -> dict[str, dict[str, AnswerError]]:
        keys = [s.key for s in self.order]
        upto = self.upto
        wanted = keys[: keys.index(upto) + 1] if upto in keys else [s.key for s in self.q.sections]
        today = dt.date.today()  # what `today()` in an expression reads
        try:  # JSON tells 1, 1.0, true and "1" apart, as the checks do
            answers = json.dumps(self.values, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):  # a value no stored answer has: worked out afresh
            answers = None
        found = {}
        for key in wanted:
            section = _section_problems(self.q, key, self.values, answers, today)
            if section:
                found[key] = dict(section)
        return found

    @functools.cached_property
    def unfinished(self) -> Section | None:
        return flow.first_unfinished(self.order, self.problems)


# A section's problems by questionnaire, section, day and every answer: a page's
# problems are those of the pages before it too, which its request works out again
# although the answers of the pages before did not change since they were left.
_PROBLEMS: dict[tuple[Any, ...], tuple[Questionnaire, Mapping[str, AnswerError]]] = {}
_PROBLEMS_MAX = 4096


def _section_problems(
    q: Questionnaire,
    key: str,
    values: Mapping[str, Any],
    answers: str | None,
    today: dt.date,
) -> Mapping[str, AnswerError]:
    """`flow.problems_by_section` of one section, remembered (`answers`: `values` as JSON)."""
    slot = (id(q), key, today, answers)
    known = _PROBLEMS.get(slot) if answers is not None else None
    if known is not None and known[0] is q:
        return known[1]
    found = flow.problems_by_section(q, values, today, {key}).get(key, {})
    if answers is None:
        return found
    if len(_PROBLEMS) >= _PROBLEMS_MAX:
        _PROBLEMS.clear()
    _PROBLEMS[slot] = (q, found)
    return found


def state_of(visit: Visit, upto: str | None = None) -> State:
    """The stored answers and the pages they lead to (problems up to `upto` when given).

    The answers come with the visit's own query when they were read with it and
    nothing may have changed them since; otherwise they are read again.
    """
    rows = visit.rows
    if rows is None:
        rows = answers.answer_rows(db.session, visit.invitation)
    return State(visit.q, rows, upto)


# Everything a respondent page needs about its invitation, in one query compiled once per
# database and run on the driver (`_visit_statement`): plain columns only, so that the
# ORM's and the result's work per request (more than the database's) is not done.
_VISIT = (
    select(
        Invitation.id,
        Invitation.round_id,
        Invitation.respondent_id,
        Invitation.pair_id,
        Invitation.side_id,
        Invitation.token_hash,
        Invitation.state,
        Invitation.version,
        Invitation.current_section,
        Invitation.started_at,
        Round.study_id,
        Round.state,
        Round.closes_at,
        Round.questionnaire_version_id,
        QuestionnaireVersion.content_hash,
        Study.title,
        StudySide.label,
        StudySide.default_language,
        Respondent.language,
        answers.answer_list(Invitation.id),
    )
    .join(Round, Round.id == Invitation.round_id)
    .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
    .join(Study, Study.id == Round.study_id)
    .join(StudySide, StudySide.id == Invitation.side_id)
    .join(Respondent, Respondent.id == Invitation.respondent_id)
    .where(Invitation.id == bindparam("invitation_id"))
)


@functools.cache
def _visit_statement(dialect: Dialect) -> DriverStatement:
    return driver_statement(_VISIT, dialect)


def load_visit(data: Mapping[str, Any]) -> Visit | None:
    """The visit a respondent session names (`i`: invitation, `h`: its link, `l`: language).

    Read on the driver: in the request's transaction (the session's connection), or,
    for a page that reads nothing else, on a connection of its own (`reads_alone`).
    """
    invitation_id = data.get("i")
    if not isinstance(invitation_id, int):
        return None
    params = {"invitation_id": invitation_id}
    engine = reads_alone()
    if engine is not None:
        found = read_alone(engine, _visit_statement(engine.dialect), params)
    else:
        connection = db.session.connection()
        statement = _visit_statement(connection.dialect)
        found = statement.rows(connection.connection.driver_connection, params)
    if not found or not hmac.compare_digest(found[0][5][:16], str(data.get("h", ""))):
        return None  # unknown, or the link was re-issued since
    (*invited, study_id, round_state, closes_at, version_id, content_hash,
     title, label, side_language, own_language, listed) = found[0]  # fmt: skip
    round_ = answers.RoundRow(invited[1], study_id, round_state, closes_at, version_id)
    invitation = answers.InvitationRow(*invited, round=round_)
    locale = (
        (data.get("l") if data.get("l") in i18n.LOCALES else None)
        or i18n.normalize(own_language)
        or i18n.normalize(side_language)
        or "en"
    )
    q = model_for(db.session, version_id, content_hash)
    study, side = Titled(study_id, title=title), Titled(invitation.side_id, label=label)
    rows = answers.stored_rows(listed)
    return Visit(invitation, round_, q, study, side, locale, rows, content_hash)


def relock(visit: Visit) -> None:
    """Read the visit's invitation again, locked until the transaction ends (PostgreSQL).

    For a save that found another one landed since its read: what that one changed is
    taken over here, and the answers are read again when next asked for.
    """
    table = Invitation.__table__
    columns = ("state", "version", "current_section", "started_at")
    row = db.session.execute(
        select(*(table.c[name] for name in columns))
        .where(table.c.id == visit.invitation.id)
        .with_for_update()
    ).one()
    for name, value in zip(columns, row, strict=True):
        setattr(visit.invitation, name, value)
    visit.rows = None
