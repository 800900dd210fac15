"""The respondent behind a request: their invitation, questionnaire and answers, read at once.

`load_visit` reads everything a respondent page needs in one statement: the
invitation and its round, the study's title, the side's label, the languages and
every answer.
`state_of` works out where the answers leave the respondent.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey import i18n
from survey.core.questionnaire import Questionnaire, Section
from survey.core.types import AnswerError
from survey.db import db, utcnow
from survey.questionnaires.services import model_for
from survey.responding import flow, store
from survey.rounds.models import Invitation, Round


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
    rows: Mapping[str, store.Stored] | None = None  # read with the visit; None once stale
    content_hash: str = ""  # of the questionnaire version: what its pages' frames depend on
    followup_of: int | None = None  # the original round, when this round is a follow-up

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
    rows: Mapping[str, store.Stored]
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
        found = flow.problems_by_section(self.q, self.values, today, set(wanted))
        return {key: dict(section) for key, section in found.items() if section}

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
        rows = store.answer_rows(db.session, visit.invitation.id)
    return State(visit.q, rows, upto)


def load_visit(data: Mapping[str, Any]) -> Visit | None:
    """The visit a respondent session names (`i`: invitation, `h`: its link, `l`: language).

    One statement on the request's session (`store.read_visit`): the invitation and its
    round as ORM objects, what the pages show of the study and side, and the answers.
    """
    invitation_id = data.get("i")
    if not isinstance(invitation_id, int):
        return None
    found = store.read_visit(db.session, invitation_id)
    if found is None or not hmac.compare_digest(found[0].token_hash[:16], str(data.get("h", ""))):
        return None  # unknown, or the link was re-issued since
    invitation, round_, content_hash, title, label, side_language, own_language, listed, of = found
    locale = (
        (data.get("l") if data.get("l") in i18n.LOCALES else None)
        or i18n.normalize(own_language)
        or i18n.normalize(side_language)
        or "en"
    )
    q = model_for(db.session, round_.questionnaire_version_id, content_hash)
    study = Titled(round_.study_id, title=title)
    side = Titled(invitation.side_id, label=label)
    rows = store.stored_rows(listed)
    return Visit(invitation, round_, q, study, side, locale, rows, content_hash, of)
