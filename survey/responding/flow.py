"""Pure helpers for the respondent's path through a questionnaire (no Flask, no database).

The order of pages is the questionnaire's sections, less those whose `relevant`
does not hold for the answers so far and those that hold only calculations (nothing to
ask: their values are computed with every save). A respondent may go back to any page, and
forward up to the first page that still has something to fix (required answers
missing, a value out of range): that is "step order enforced" (DATA-08).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from survey.core import relevance
from survey.core.expressions import ExpressionError, parse, parse_filter
from survey.core.questionnaire import Question, Questionnaire, Section
from survey.core.types import AnswerError

REVIEW = ":review"  # `Invitation.current_section` once the respondent reached the review page


@dataclass(frozen=True)
class Progress:
    """Where a page stands among the pages that apply: "Part `number` of `total`"."""

    number: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.number / self.total) if self.total else 100


def pages(
    q: Questionnaire, answers: Mapping[str, Any], today: dt.date | None = None
) -> list[Section]:
    """The sections that apply and show something, in order."""
    return [
        s
        for s in q.sections
        if not _only_calculations(s) and relevance.section_relevant(s, answers, today)
    ]


def _only_calculations(part: Section) -> bool:
    return all(question.type == "calculate" for question in part.questions)


def section(q: Questionnaire, key: str) -> Section | None:
    """The section with this key, or None."""
    return next((s for s in q.sections if s.key == key), None)


def progress(order: list[Section], key: str) -> Progress:
    """The page's number among those that apply."""
    keys = [s.key for s in order]
    return Progress(keys.index(key) + 1 if key in keys else 1, len(keys))


def neighbour(order: list[Section], key: str, step: int) -> Section | None:
    """The page `step` places away (+1 next, -1 back), or None past either end."""
    keys = [s.key for s in order]
    if key not in keys:
        return order[0] if order and step > 0 else None
    index = keys.index(key) + step
    return order[index] if 0 <= index < len(order) else None


def problems_by_section(
    q: Questionnaire,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    sections: set[str] | None = None,
) -> dict[str, dict[str, AnswerError]]:
    """What still needs attention, per section key, over the questions that apply."""
    found: dict[str, dict[str, AnswerError]] = {}
    for key, error in relevance.problems(q, answers, today, sections).items():
        found.setdefault(q.section_of(key).key, {})[key] = error
    return found


def first_unfinished(
    order: list[Section], problems: Mapping[str, Mapping[str, AnswerError]]
) -> Section | None:
    """The first page that applies and still has a problem; None when all are done."""
    return next((s for s in order if problems.get(s.key)), None)


def reachable(order: list[Section], key: str, unfinished: Section | None) -> bool:
    """Whether a page may be shown: it applies, and no earlier page is unfinished."""
    keys = [s.key for s in order]
    if key not in keys:
        return False
    return unfinished is None or keys.index(key) <= keys.index(unfinished.key)


def resume_at(order: list[Section], current: str | None, unfinished: Section | None) -> str | None:
    """Where a returning respondent continues: their last page, never past an unfinished one.

    Returns a section key, REVIEW, or None for the welcome page (nothing started yet).
    """
    if current is None or not order:
        return None
    if current == REVIEW:
        return unfinished.key if unfinished else REVIEW
    keys = [s.key for s in order]
    if current not in keys:  # the page stopped applying: the first page that applies
        current = keys[0]
    if unfinished is not None and keys.index(current) > keys.index(unfinished.key):
        return unfinished.key
    return current


def shown_questions(
    part: Section, answers: Mapping[str, Any], today: dt.date | None = None
) -> dict[str, bool]:
    """For each question of a page, whether it is shown now (its `relevant` holds)."""
    return {
        question.key: relevance.question_relevant(part, question, answers, today)
        for question in part.questions
    }


def references_outside(part: Section) -> set[str]:
    """Question keys that the expressions the page script evaluates (each question's and
    each roster column's `relevant`, `required_if` and `choice_filter`) read from other
    pages; in a column's expressions its roster's column keys are the row's own cells."""
    own = {question.key for question in part.questions}
    found: set[str] = set()
    for question in part.questions:
        cells = {column.key for column in question.columns}
        for asked in (question, *question.columns):
            sources = ((asked.relevant, parse), (asked.required_if, parse))
            for source, parser in (*sources, (asked.choice_filter, parse_filter)):
                if not source:
                    continue
                try:
                    read = parser(source).references
                except ExpressionError:  # validated at import; a broken one reads nothing
                    continue
                found |= read - cells if asked is not question else read
    return found - own


def relevance_tree(question: Question) -> Any:
    """The JSON tree of a question's `relevant`, for the page's live evaluator (or None)."""
    return _tree(question.relevant) if question.relevant else None


@lru_cache(maxsize=4096)
def _tree(source: str) -> Any:
    try:
        return parse(source).to_json()
    except ExpressionError:
        return None
