"""A roster's widget: one numbered group per row holding its columns' own widgets, a
"Remove this row" button per row and an "Add a row" button, all plain submit buttons, so
the roster works without JavaScript (each press saves the page and draws it again).

Field names: `<roster>.<row>.<column>` (and `…__special`) for the cells, `<roster>.rows`
for the number of rows drawn, `_v.<roster>` for the stored answer's version, and the
buttons `_roster=add:<roster>` / `_roster=remove:<roster>:<row>`. Shared by the
respondent's pages and interviewer entry (`survey.responding.forms` reads them back).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from survey.caching import Same
from survey.core import expressions
from survey.core.questionnaire import Question
from survey.core.types import AnswerError, type_of
from survey.core.types.roster import column_relevant
from survey.templating import text_in
from survey.widgets import question_html

ROWS_SUFFIX = ".rows"
ACTION = "_roster"
MAX_DRAWN = 200  # rows drawn at most, whatever a post claims


@functools.lru_cache(maxsize=4096)
def _cell(roster: Same, index: int, column: Same) -> Question:
    """The column as the question of one cell: keyed `<roster>.<row>.<column>`."""
    return dataclasses.replace(
        column.thing, key=cell_key(roster.thing.key, index, column.thing.key)
    )


def cell_key(roster: str, index: int, column: str) -> str:
    return f"{roster}.{index}.{column}"


def cell_question(roster: Question, index: int, column: Question) -> Question:
    return _cell(Same(roster), index, Same(column))


def widget_html(q: Question, lang: str, value: Any = None, **options: Any) -> Markup:
    """Any question's widget: a roster's rows here, every other question's from
    `widgets.question_html` (the same arguments; `cells`: a roster's refused cells)."""
    cells = options.pop("cells", None)
    answers = options.pop("answers", None)
    if q.type != "roster":
        return question_html(q, lang, value, **options)
    rows = value if isinstance(value, list) else []
    kept = ("errors", "version", "hidden", "disabled", "locale", "tree")
    chosen = {k: options[k] for k in kept if k in options}
    return roster_html(q, lang, rows, cells=cells, answers=answers, **chosen)


def roster_html(  # noqa: PLR0913  (question_html's arguments, and the cells' errors)
    q: Question,
    lang: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    errors: Sequence[str] = (),
    cells: Mapping[tuple[int, str], str] | None = None,
    version: int | None = None,
    hidden: bool = False,
    disabled: bool = False,
    locale: str | None = None,
    answers: Mapping[str, Any] | None = None,
    tree: Any = None,
) -> Markup:
    """The roster `q` with `rows` (stored values, or what was typed: a cell's value, or
    "dk"/"rf"), the roster's own errors and each cell's error by (row, column). The
    roster's own `relevant` (`tree`) goes on its fieldset, as on every question's, so that
    the page script shows it as soon as it holds (and names it shown to the server). A column
    whose `relevant` does not hold in a row (over `answers` and the row's own cells) is
    drawn hidden there, and the page script shows it when it comes to hold. The red
    border marks the rows and cells with an error; the roster's own only when the error
    is the roster's (too few or too many rows), not its cells'."""
    key = str(escape(q.key))
    cells = cells or {}
    title = escape(text_in(q.text, lang)) if q.text else escape(_("Rows of answers"))
    help_text = text_in(q.help, lang) if q.help else ""
    off = " disabled" if disabled else ""
    described = f' aria-describedby="{key}-error"' if errors else ""
    own_error = " has-error" if errors and not cells else ""
    relevant = (
        f' data-relevant="{escape(str(htmlsafe_json_dumps(tree)))}"' if tree is not None else ""
    )
    parts = [
        f'<fieldset class="question roster{own_error}" id="q-{key}"'
        f' data-key="{key}" data-type="roster"{relevant}{" hidden" if hidden else ""}'
        f"{described}>",
        f"\n<legend>{title}</legend>",
    ]
    if help_text:
        parts.append(f'\n<p class="help" id="{key}-help">{escape(help_text)}</p>')
    if errors:
        joined = " ".join(str(escape(error)) for error in errors)
        prefix = escape(_("Error:"))
        parts.append(
            f'\n<p class="error" id="{key}-error"><span class="visually-hidden">{prefix}</span>'
            f" {joined}</p>"
        )
    if version is not None:
        parts.append(f'\n<input type="hidden" name="_v.{key}" value="{int(version)}">')
    drawn = list(rows)[:MAX_DRAWN]
    parts.append(f'\n<input type="hidden" name="{key}{ROWS_SUFFIX}" value="{len(drawn)}">')
    if not drawn:
        empty = escape(_("No rows yet."))
        parts.append(f'\n<p class="roster-empty">{empty}</p>')
    parts.append('\n<ol class="roster-rows">')
    for index, row in enumerate(drawn):
        number = escape(_("Row %(number)s", number=index + 1))
        cells_of_row = row if isinstance(row, Mapping) else {}
        bad = any(row_index == index for row_index, _ in cells)
        parts.append(
            f'\n<li class="roster-row{" roster-row-error" if bad else ""}">'
            f'<fieldset><legend class="roster-row-title">{number}</legend>'
        )
        typed = _typed(q, cells_of_row)
        for column in q.columns:
            if column.type == "calculate":  # computed on save: nobody is asked for it
                parts.append(_calculated(cell_key(q.key, index, column.key), row, column.key))
                continue
            cell = cell_question(q, index, column)
            message = cells.get((index, column.key))
            parts.append(
                "\n"
                + str(
                    question_html(
                        cell,
                        lang,
                        value=_shown(cells_of_row.get(column.key)),
                        errors=[message] if message else [],
                        disabled=disabled,
                        locale=locale,
                        hidden=not column_relevant(column, typed, answers),
                        tree=_tree(column.relevant),
                    )
                )
            )
        remove = escape(_("Remove row %(number)s", number=index + 1))
        parts.append(
            f'\n<button type="submit" class="secondary roster-remove" name="{ACTION}"'
            f' value="remove:{key}:{index}" formnovalidate{off}>{remove}</button>'
            "\n</fieldset></li>"
        )
    parts.append("\n</ol>")
    limit = int(q.max) if q.max is not None else MAX_DRAWN
    if len(drawn) < limit:
        add = escape(_("Add a row"))
        parts.append(
            f'\n<button type="submit" class="secondary roster-add" name="{ACTION}"'
            f' value="add:{key}" formnovalidate{off}>{add}</button>'
        )
    parts.append("\n</fieldset>")
    return Markup("".join(parts))  # noqa: S704  every piece escaped above or by question_html


def _calculated(key: str, row: Any, column: str) -> str:
    """A calculate column's cell: no field, only its value as last saved, hidden, so that
    the page script reads it where a later column's `relevant` names it (the server never
    takes it from a post)."""
    value = row.get(column) if isinstance(row, Mapping) else None
    shown = escape(value if isinstance(value, str) else "")
    named = escape(key)
    return (
        f'\n<div class="roster-calculated" data-key="{named}" data-type="calculate" hidden>'
        f'<input type="hidden" name="{named}" value="{shown}"></div>'
    )


def _typed(q: Question, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's cells as stored values, for its columns' `relevant` (what was typed is read
    by the column's type; a cell it refuses counts as no answer)."""
    typed: dict[str, Any] = {}
    for column in q.columns:
        value = row.get(column.key)
        if column.type == "calculate":  # as stored: never typed
            value = value if isinstance(value, str) else None
        elif isinstance(value, str | list):
            try:
                value = type_of(column).parse(column, value)
            except AnswerError:
                value = None
        if value is not None:
            typed[column.key] = value
    return typed


@functools.lru_cache(maxsize=1024)
def _tree(source: str | None) -> Any:
    """A column's `relevant` as JSON for the page script (evaluated in its row), or None."""
    if not source:
        return None
    try:
        return expressions.parse(source).to_json()
    except expressions.ExpressionError:
        return None


def _shown(value: Any) -> Any:
    """A cell's stored value as its widget takes it: numbers as text."""
    if isinstance(value, bool) or value is None or isinstance(value, str | list):
        return value
    return str(value)
