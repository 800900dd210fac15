"""Reading a respondent's page as posted: answers, versions seen, conflict choices, navigation.

The page is plain HTML (one input group per question), so this reads the posted
fields directly rather than through WTForms classes built per questionnaire. The
same reader serves the form POST and the autosave JSON (its `fields` list), so the
two can never interpret input differently.

Field names: `<key>` (the answer; choice groups carry "dk"/"rf" as options),
`<key>__special` (the don't-know/refused boxes of typed answers), `_v.<key>` (the
answer's version when the page was drawn; also marks the question as present),
`_c.<key>` (mine/theirs for a conflict listed in `_pending`), `_shown` (keys
visible in the page), `_nav`, `_lang`, `csrf_token`. Nothing here names the
invitation: that comes from the session alone (TOK-04).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from survey.core.questionnaire import Question, Questionnaire, Section
from survey.core.types import AnswerError
from survey.i18n import LOCALES
from survey.roster_widgets import ACTION, MAX_DRAWN, ROWS_SUFFIX, cell_question
from survey.widgets import CHOICES

SPECIAL_SUFFIX = "__special"
VERSION_PREFIX = "_v."
CHOICE_PREFIX = "_c."
NAVIGATION = frozenset({"next", "back", "start", "submit", "stay"})
MAX_FIELDS = 2000


@dataclass
class PageInput:
    """One page's posted input, sorted out."""

    raw: dict[str, Any] = field(default_factory=dict)  # key -> raw answer for record_answers
    shown: dict[str, tuple[Any, str | None]] = field(default_factory=dict)  # (value, special)
    versions: dict[str, int] = field(default_factory=dict)
    errors: dict[str, AnswerError] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)  # conflict key -> mine | theirs
    pending: set[str] = field(default_factory=set)
    visible: set[str] | None = None
    nav: str | None = None
    language: str | None = None
    roster: tuple[str, str, int | None] | None = None  # ("add"|"remove", roster key, row)


def read_page(q: Questionnaire, part: Section, form: MultiDict[str, str]) -> PageInput:
    """Sort out what a page of `part` posted; answers of other pages are left alone."""
    page = PageInput(nav=_one_of(form.get("_nav"), NAVIGATION), language=language_of(form))
    page.unknown = unknown_fields(q, form.keys())
    own = {question.key: question for question in part.questions if question.is_answerable}
    for key, question in own.items():
        version = form.get(VERSION_PREFIX + key)
        if version is None:
            continue  # not on the page that was posted: leave the stored answer alone
        page.versions[key] = _integer(version)
        _read_answer(page, question, form)
    page.roster = _roster_action(form.get(ACTION), own)
    if page.roster is not None:
        page.nav = "stay"  # a roster's button saves the page and draws it again
        _apply_roster_action(page, page.roster)
    page.pending = {key for key in form.getlist("_pending") if key in own}
    page.choices = {
        key: choice
        for key in page.pending
        if (choice := form.get(CHOICE_PREFIX + key)) in ("mine", "theirs")
    }
    if "_shown" in form:
        page.visible = {key for key in form["_shown"].split(",") if key in own}
    return page


def language_of(form: MultiDict[str, str]) -> str | None:
    """The interface language a language button asked for, if it is one we have (INJ-01)."""
    return _one_of(form.get("_lang"), frozenset(LOCALES))


def unknown_fields(q: Questionnaire, names: Iterable[str]) -> list[str]:
    """Posted answer names that are no question of this questionnaire (another form's)."""
    keys = q.answerable_keys
    unknown = set()
    for name in names:
        if name.startswith("_") or name == "csrf_token":
            continue
        key = name.removesuffix(SPECIAL_SUFFIX).split(".", 1)[0]  # a roster's cells: key.row.column
        if key not in keys:
            unknown.add(key[:100])
    return sorted(unknown)


def fields_to_form(fields: Any) -> MultiDict[str, str] | None:
    """The autosave body's `fields` ([[name, value], …]) as form data, or None if malformed."""
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        return None
    pairs = []
    for item in fields:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            return None
        pairs.append((item[0], item[1]))
    return MultiDict(pairs)


def _read_answer(page: PageInput, question: Question, form: MultiDict[str, str]) -> None:
    key = question.key
    if question.type == "roster":
        _read_roster(page, question, form)
        return
    values = form.getlist(key)
    if question.type in CHOICES:
        raw: Any = values if question.type == "multi" or len(values) > 1 else _first(values)
        page.raw[key] = raw
        page.shown[key] = (raw, None)
        return
    text = _first(values) if len(values) <= 1 else values
    specials = [value for value in form.getlist(key + SPECIAL_SUFFIX) if value]
    special = specials[0] if specials else None
    page.shown[key] = (text, special)
    if len(specials) > 1:
        page.errors[key] = AnswerError("special_not_alone")
    elif special and any(part.strip() for part in _parts(text)):
        page.errors[key] = _form_error("special_with_text")
    else:
        page.raw[key] = special or text


def _parts(text: str | list[str] | None) -> list[str]:
    """What a field (or a rank's drop-downs) sent, as a list."""
    return [text] if isinstance(text, str) else list(text or [])


def _read_roster(page: PageInput, roster: Question, form: MultiDict[str, str]) -> None:
    """A roster's rows as posted: each cell read as its column's own field would be."""
    count = min(_integer(form.get(roster.key + ROWS_SUFFIX, "0")), MAX_DRAWN)
    raw_rows: list[dict[str, Any]] = []
    shown_rows: list[dict[str, Any]] = []
    for index in range(count):
        cell = PageInput()
        for column in roster.columns:
            if column.type != "calculate":  # computed on save: a posted value is not read
                _read_answer(cell, cell_question(roster, index, column), form)
        names = {cell_question(roster, index, c).key: c.key for c in roster.columns}
        raw_rows.append({names[k]: v for k, v in cell.raw.items()})
        shown_rows.append({names[k]: v[1] or v[0] for k, v in cell.shown.items()})
        for name, error in cell.errors.items():  # e.g. a typed answer and don't know ticked
            page.errors[roster.key] = error
            raw_rows[-1][names[name]] = shown_rows[-1][names[name]]
    page.raw[roster.key] = raw_rows
    page.shown[roster.key] = (shown_rows, None)


def _roster_action(value: str | None, own: dict[str, Question]) -> tuple[str, str, int | None]:
    """The roster button pressed, if it names a roster of this page."""
    what, _, rest = (value or "").partition(":")
    key, _, row = rest.partition(":")
    roster = own.get(key)
    if roster is None or roster.type != "roster" or what not in ("add", "remove"):
        return None  # type: ignore[return-value]
    if what == "add":
        return ("add", key, None)
    return ("remove", key, _integer(row)) if row.isdigit() else None  # type: ignore[return-value]


def _apply_roster_action(page: PageInput, action: tuple[str, str, int | None]) -> None:
    what, key, row = action
    if key not in page.raw:
        return
    shown = page.shown[key][0]
    if what == "add":
        shown.append({})  # drawn, not stored: a blank row is no answer
    elif row is not None and row < len(shown):
        del shown[row]
        del page.raw[key][row]


def _form_error(code: str) -> AnswerError:
    """An AnswerError with a form-only code (its message lives in responding.messages)."""
    error = AnswerError.__new__(AnswerError)
    Exception.__init__(error, code)
    error.code, error.params = code, {}
    return error


def conflict_error() -> AnswerError:
    """The error shown while a respondent has not chosen between two versions of an answer."""
    return _form_error("choose_version")


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _one_of(value: str | None, allowed: frozenset[str]) -> str | None:
    return value if value in allowed else None


def _integer(text: str) -> int:
    try:
        return max(0, int(text))
    except ValueError:
        return 0
