"""What the comparison pages share: the page's context, the study's pairs, answers in words."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey.comparison import services
from survey.comparison.forms import STATUS_COLOURS, STATUS_NAMES
from survey.core.types import as_special, type_of
from survey.core.types.base import label as option_text
from survey.core.types.roster import compare_rows, pair_rows
from survey.db import db
from survey.studies.models import Pair
from survey.templating import SPECIAL_LABELS, lang_tag, text_in


def study_pairs() -> dict[str, Pair]:
    """The study's pairs by code, with their places (to name them by both places)."""
    pairs = db.session.scalars(
        select(Pair).where(Pair.study_id == g.study.id).options(selectinload(Pair.sides))
    )
    return {pair.code: pair for pair in pairs}


def page_context(round_: Any) -> dict[str, Any]:
    """What every comparison page draws with: the study, round, sides and state words."""
    return {
        "study": g.study,
        "round": round_,
        "sides": services.side_order(db.session, round_),
        "status_names": STATUS_NAMES,
        "status_colours": STATUS_COLOURS,
    }


def languages(q: Any, sides: list) -> list[str]:
    """The two sides' languages (as the questionnaire has them), the first side's first."""
    wanted = [side.default_language for side in sides]
    chosen = [lang for lang in dict.fromkeys(wanted) if lang in q.languages]
    return chosen or [q.base_language]


def shower(q: Any):  # noqa: ANN201
    """`show(key, value, language=None)`: an answer as people read it (labels, not codes)."""

    def show(key: str, value: Any, language: str | None = None) -> str:
        special = as_special(value)
        if special is not None:
            return str(SPECIAL_LABELS[special.value])
        if value is None:
            return ""
        question = q.question(key)
        return type_of(question).display(question, value, language or lang_tag())

    return show


def option_label(q: Any, key: str, code: str, language: str | None = None) -> str:
    """An option of question `key` by its label in `language` (the page's), else its code."""
    try:
        question = q.question(key)
    except KeyError:
        return code
    return option_text(question, code, language or lang_tag())


def matched_rows(q: Any, key: str, value_a: Any, value_b: Any) -> list[dict[str, Any]]:
    """A roster's rows of the two sides side by side, paired as its rule pairs them: each
    with its match columns' label, each side's cells in words (None: no such row), and
    the columns that disagree."""
    question = q.question(key)
    rule = question.compare
    if question.type != "roster" or rule is None or rule.kind != "roster":
        return []
    rows_a = value_a if isinstance(value_a, list) else []
    rows_b = value_b if isinstance(value_b, list) else []
    language = lang_tag()

    def cells(row: Any) -> list[str]:
        return [
            type_of(column).display(column, row.get(column.key), language) or "–"
            for column in question.columns
        ]

    found = []
    for index_a, index_b in pair_rows(rule, rows_a, rows_b):
        row_a = rows_a[index_a] if index_a is not None else None
        row_b = rows_b[index_b] if index_b is not None else None
        either = row_a if row_a is not None else row_b
        verdicts = compare_rows(question, rule, row_a, row_b) if row_a and row_b else {}
        found.append(
            {
                "label": " · ".join(cells(either)[: len(rule.match)]) if rule.match else "",
                "a": cells(row_a) if row_a is not None else None,
                "b": cells(row_b) if row_b is not None else None,
                "differ": [c for c, (outcome, _) in verdicts.items() if outcome == "disagree"],
                "differ_names": [
                    text_in(column.text) or column.key
                    for column in question.columns
                    if verdicts.get(column.key, ("",))[0] == "disagree"
                ],
            }
        )
    return found
