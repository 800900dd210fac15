"""The respondent behind a request: their invitation, questionnaire and answers, read at once.

`load_visit` reads everything a respondent page needs in one statement (the
invitation and its round as ORM objects, since saves write to them; the study's
title, the side's label, the languages and every answer as plain columns).
`state_of` works out where the answers leave the respondent.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from survey import i18n
from survey.core.questionnaire import Questionnaire, Section
from survey.core.types import AnswerError
from survey.db import db, utcnow
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_for
from survey.responding import flow
from survey.responding import services as answers
from survey.rounds.models import Invitation, Round
from survey.studies.models import Respondent, Study, StudySide


@dataclass(frozen=True)
class Titled:
    """What the pages show of the study (`title`) or the respondent's side (`label`)."""

    id: int
    title: Mapping[str, str] = field(default_factory=dict)
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Visit:
    """The respondent behind this request, as the session names them."""

    invitation: Invitation
    round: Round
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
        sections = set(keys[: keys.index(upto) + 1]) if upto in keys else None
        return flow.problems_by_section(self.q, self.values, sections=sections)

    @functools.cached_property
    def unfinished(self) -> Section | None:
        return flow.first_unfinished(self.order, self.problems)


def state_of(visit: Visit, upto: str | None = None) -> State:
    """The stored answers and the pages they lead to (problems up to `upto` when given).

    The answers come with the visit's own query when they were read with it and
    nothing may have changed them since; otherwise they are read again.
    """
    rows = visit.rows
    if rows is None:
        rows = answers.answer_rows(db.session, visit.invitation)
    return State(visit.q, rows, upto)


# Everything a respondent page needs about its invitation, in one query built once: the
# invitation and its round as objects (they are written to), the rest as plain columns.
_VISIT = (
    select(
        Invitation,
        Round,
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
    .options(defer(Round.invitation_texts), defer(Round.reminder_texts))  # mail texts: not here
)


def load_visit(data: Mapping[str, Any]) -> Visit | None:
    """The visit a respondent session names (`i`: invitation, `h`: its link, `l`: language)."""
    invitation_id = data.get("i")
    if not isinstance(invitation_id, int):
        return None
    row = db.session.execute(_VISIT, {"invitation_id": invitation_id}).one_or_none()
    if row is None or not hmac.compare_digest(row[0].token_hash[:16], str(data.get("h", ""))):
        return None  # unknown, or the link was re-issued since
    invitation, round_, content_hash, title, label, side_language, own_language, listed = row
    locale = (
        (data.get("l") if data.get("l") in i18n.LOCALES else None)
        or i18n.normalize(own_language)
        or i18n.normalize(side_language)
        or "en"
    )
    q = model_for(db.session, round_.questionnaire_version_id, content_hash)
    study, side = Titled(round_.study_id, title=title), Titled(invitation.side_id, label=label)
    rows = answers.stored_rows(listed)
    return Visit(invitation, round_, q, study, side, locale, rows, content_hash)
