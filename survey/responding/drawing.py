"""Drawing a section page: each question's widget with its value, error or conflict, in a frame.

The widgets come from `survey.widgets`; the page's frame is drawn once per section
and language by `templating.framed` and filled with what this request shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, get_template_attribute
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from survey.core.choices import offered
from survey.core.expressions import ExpressionError, parse
from survey.core.questionnaire import Question, Questionnaire, Section, Text
from survey.core.types import AnswerError, is_blank, type_of
from survey.core.types.roster import RosterError
from survey.db import utcnow
from survey.responding import flow, forms, paradata
from survey.responding.messages import answer_message
from survey.responding.visit import State, Visit
from survey.roster_widgets import widget_html
from survey.templating import SPECIAL_LABELS, framed, text_in
from survey.widgets import PIPED

# What a page may say above its questions (`render_page(..., notes=[key])`).
NOTES = {
    "csrf": _l(
        "For your security, please press the button again: this page was open for a "
        "long time. Nothing you typed has been lost."
    ),
    "more": _l(
        "Your answers brought up further questions on this page. Please look at them "
        "before going on."
    ),
    "restored": _l(
        "We kept what you typed before your session ended. Please check it and press "
        "Next to save it."
    ),
    "unsaved": _l(
        "Something went wrong and this page was not saved, but we kept what you typed. "
        "Please check it and press Next to save it."
    ),
    "conflict": _l(
        "Someone else saved answers for you while this page was open. Nothing has been "
        "overwritten: please choose below which answers to keep."
    ),
}


def is_special(value: Any) -> bool:
    return isinstance(value, str) and value in SPECIAL_LABELS


def stored_shown(question: Question, value: Any) -> tuple[Any, str | None]:
    """A stored answer as the widget shows it: (value, ticked special)."""
    if question.type in forms.CHOICES or question.type == "roster":  # a roster: its rows
        if is_blank(value) and question.default is not None:  # shown, saved as if chosen
            return (
                question.default.split() if question.type == "multi" else question.default
            ), None
        return value, None
    if is_special(value):
        return None, value
    if is_blank(value) and question.default is not None:
        return question.default, None  # shown, not stored: saved as any answer typed
    return type_of(question).input_value(question, value) if not is_blank(value) else "", None


def display(visit: Visit, question: Question, value: Any) -> str:
    """An answer as text in the respondent's language; don't know / refused by name."""
    return shown_in(question, value, visit.language)


def typed_display(visit: Visit, question: Question, shown: tuple[Any, str | None]) -> str:
    value, special = shown
    if special:
        return display(visit, question, special)
    try:
        parsed = type_of(question).parse(question, value)
    except AnswerError:
        return value if isinstance(value, str) else ""
    return display(visit, question, parsed)


def piped_values(visit: Visit, part: Section, values: Mapping[str, Any]) -> dict[str, str]:
    """The shown text of every answer or calculated value that a text of `part` pipes in
    with `${key}` (empty when none does, so that the page's widgets stay cached)."""
    return pipe_values(visit.q, part.questions, values, visit.language)


def pipe_values(
    q: Questionnaire,
    questions: Iterable[Question],
    values: Mapping[str, Any],
    language: str,
) -> dict[str, str]:
    """The shown text, in `language`, of every answer or calculated value that the texts of
    `questions` (text, help, guidance and option labels) pipe in with `${key}`."""
    texts = (text_in(text, language) for question in questions for text in _texts(question) if text)
    keys = {match.group(1) for text in texts if "${" in text for match in PIPED.finditer(text)}
    known = (key for key in keys if key in q.answerable_keys)
    return {key: shown_in(q.question(key), values.get(key), language) for key in known}


def _texts(question: Question) -> tuple[Text, ...]:
    fixed = (question.text, question.help, question.guidance)
    return (*fixed, *(option.label for option in question.options))


def shown_in(question: Question, value: Any, language: str) -> str:
    """An answer as text in `language`; don't know / refused by name."""
    if is_special(value):
        return str(SPECIAL_LABELS[value])
    if is_blank(value):
        return ""
    try:
        return type_of(question).display(question, value, language)
    except (TypeError, ValueError, AttributeError):
        return str(value)


def offered_codes(part: Section, values: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """The codes each question of `part` with a choice_filter offers, given `values`."""
    return {
        question.key: frozenset(option.code for option in offered(question, values))
        for question in part.questions
        if question.choice_filter
    }


def required_now(part: Section, values: Mapping[str, Any]) -> set[str]:
    """The keys of `part`'s questions whose `required_if` holds for `values`: marked
    required like the always-required ones."""
    return {
        question.key
        for question in part.questions
        if question.required_if and _holds(question.required_if, values)
    }


def _holds(source: str, values: Mapping[str, Any]) -> bool:
    try:
        return parse(source).test(values)
    except ExpressionError:
        return False  # validated at import: an older stored version marks nothing


def candidate_values(visit: Visit, state: State, page_in: forms.PageInput | None) -> dict[str, Any]:
    """The saved answers with what the page typed on top, for deciding what is shown."""
    return typed_over(visit.q, state.values, page_in.raw if page_in else {})


def typed_over(
    q: Questionnaire, saved: Mapping[str, Any], raw: Mapping[str, Any]
) -> dict[str, Any]:
    """`saved` with each answer of `raw` (as a form posted it) that parses on top."""
    values = dict(saved)
    for key, typed in raw.items():
        question = q.question(key)
        try:
            values[key] = type_of(question).parse(question, typed)
        except AnswerError:
            continue
    return values


def render_page(
    visit: Visit,
    part: Section,
    state: State,
    page_in: forms.PageInput | None = None,
    errors: Mapping[str, AnswerError] | None = None,
    conflicts: Mapping[str, tuple[Any, int]] | None = None,
    notes: list[str] | tuple[str, ...] = (),
) -> str:
    errors, conflicts = errors or {}, conflicts or {}
    candidate = candidate_values(visit, state, page_in)
    shown = flow.shown_questions(part, candidate)
    locale = str(get_locale())
    piped = piped_values(visit, part, candidate)
    offers = offered_codes(part, candidate)
    needed = required_now(part, candidate)
    items = [
        item(
            visit,
            question,
            state,
            page_in,
            errors,
            conflicts,
            not shown[question.key],
            locale,
            piped,
            offers.get(question.key),
            question.key in needed,
        )  # fmt: skip
        for question in part.questions
        if question.type != "calculate"  # computed on save, never asked
    ]
    summary = [item for item in items if item.errors and not item.hidden]
    outside = {
        key: state.values[key] for key in flow.references_outside(part) if key in state.values
    }
    progress = flow.progress(state.order, part.key)
    title = text_in(visit.study.title) or text_in(visit.q.title)
    slots = {
        "error_prefix": escape(gettext("Error:") + " ") if summary else Markup(""),
        "today": escape(utcnow().date().isoformat()),
        "answers": escape(str(htmlsafe_json_dumps(outside, dumps=current_app.json.dumps))),
        "csrf": escape(generate_csrf()),
        "since": escape(paradata.shown_token(visit.invitation.id, part.key)),
        # a filtered question with no option yet is not seen: saving its page asks again
        "visible": escape(",".join(k for k, on in shown.items() if on and offers.get(k) != set())),
        "summary": parts("error_summary", summary) if summary else Markup(""),
        "notes": parts("notes_block", [NOTES[note] for note in notes]) if notes else Markup(""),
        # Each widget is Markup already: joined as text, with a literal, not escaped again.
        "items": Markup("".join(["\n    " + str(item.html) for item in items])),  # noqa: S704
    }
    # a required_if question's mark may appear as the answers change: the key is on the page
    has_required = any(q.required or q.required_if for q in part.questions)
    return framed(
        "responding/page.html",
        (visit.content_hash, part.key, progress, title, has_required),
        slots,
        visit=visit,
        part=part,
        progress=progress,
        has_required=has_required,
    )


def cell_messages(
    question: Question, error: AnswerError | None, language: str
) -> dict[tuple[int, str], str] | None:
    """A roster's refused cells, each with its column's message, by (row, column)."""
    if not isinstance(error, RosterError):
        return None
    return {
        (row, key): answer_message(cell, question.column(key) or question, language)
        for (row, key), cell in error.cells.items()
    }


def parts(macro: str, *args: Any) -> Markup:
    """A macro of the respondent pages' shared parts, drawn now."""
    return get_template_attribute("responding/_parts.html", macro)(*args)


@dataclass(frozen=True)
class Item:
    """One question of a drawn page: its widget, and what the error summary lists."""

    q: Question
    text: str
    errors: list[str]
    hidden: bool
    html: Markup


def item(
    visit: Visit,
    question: Question,
    state: State,
    page_in: forms.PageInput | None,
    errors: Mapping[str, AnswerError],
    conflicts: Mapping[str, tuple[Any, int]],
    hidden: bool,
    locale: str | None = None,
    piped: Mapping[str, str] | None = None,
    offered: frozenset[str] | None = None,
    required: bool = False,
) -> Item:
    key = question.key
    typed = page_in.shown.get(key) if page_in else None
    value, special = typed if typed is not None else stored_shown(question, state.values.get(key))
    row = state.rows.get(key)
    conflict = None
    if key in conflicts:
        theirs = display(visit, question, conflicts[key][0])
        conflict = (theirs, typed_display(visit, question, (value, special)))
    elif page_in and key in page_in.pending and key not in page_in.choices:
        theirs = display(visit, question, state.values.get(key))
        conflict = (theirs, typed_display(visit, question, (value, special)))
    error = errors.get(key)
    messages = [answer_message(error, question, visit.language)] if error else []
    cells = cell_messages(question, error, visit.language)
    html = widget_html(
        question,
        visit.language,
        value=value,
        special=special,
        disabled=question.read_only,
        errors=messages,
        version=(row.version if row else 0) if question.is_answerable else None,
        hidden=hidden,
        tree=flow.relevance_tree(question),
        conflict=conflict,
        locale=locale,
        piped=piped,
        offered=offered,
        required=required,
        cells=cells,
        answers=state.values if question.type == "roster" else None,
    )
    return Item(question, text_in(question.text, visit.language), messages, hidden, html)
