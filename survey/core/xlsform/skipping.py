"""Rows survey cannot store yet, and the device's rows: what the import says about each.

ODK metadata rows (start, end, today, deviceid …) never block an import: start, end and
today are paradata survey records itself for every interview (when it was started and
submitted); the device's rows are left out with a warning naming the row, because a web
form has no device id, SIM or phone number. A name survey cannot take as a key is
renamed (references follow), `required` on a note is left out and a bare `null` in an
expression reads as '', each with a warning, with or without the flag.

Rows survey cannot store yet (geo, media, barcode, repeats …) refuse the import, unless
`skip_unsupported` is set: then each is dropped and named with its row, and so is every
row that depended on it (a question whose relevant, constraint, choice_filter or mirror
uses it, every question of a group whose relevant uses it), transitively.
Nothing is dropped silently.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from survey.core.expressions import Expression, ExpressionError, parse, parse_filter
from survey.core.questionnaire import Problem, Question
from survey.core.validate.common import IDENTIFIER
from survey.core.xlsform.adapting import null_as_empty, rename_literals
from survey.core.xlsform.book import Book, Cells
from survey.core.xlsform.kinds import DEVICE_DATA, PARADATA

_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
_EXPRESSIONS = (
    ("bind", "relevant"), ("bind", "constraint"), ("bind", "calculate"), ("bind", "required"),
    ("choice_filter",),
)  # fmt: skip


class _Draft(Protocol):
    key: str | None
    relevant: str | None
    line: int | None
    questions: list[Question]


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about a row: the import goes on without it."""

    line: int | None
    message: str


class Skips:
    """The warnings of one import, and with `enabled` the rows it dropped (name → row)."""

    def __init__(self, book: Book, enabled: bool):
        self.book, self.enabled = book, enabled
        self.notices: list[Notice] = []
        self.gone: dict[str, int] = {}  # names no question can refer to: dropped or metadata
        self.later: dict[str, int] = {}  # while cascading: keys of questions yet to come
        self.renames: dict[str, str] = {}  # a name survey cannot take → the key it gets
        # a repeat inside a repeat's roster → the outer repeats' columns: name → (repeat, row)
        self.outer: dict[str, dict[str, tuple[str, int]]] = {}
        self.apart: dict[str, tuple[str, int]] = {}  # those of the roster being kept

    def problems(self) -> list[Problem]:
        """The warnings, in the order of their rows, as `file:row: message` lines."""
        ordered = sorted(self.notices, key=lambda notice: notice.line or 0)
        return [Problem(self.book.source, n.line, n.message) for n in ordered]

    def note(self, line: int | None, message: str) -> None:
        """A warning about a row (or the whole form, without one)."""
        self.notices.append(Notice(line, message))

    def metadata(
        self, line: int, name: str, type_text: str, what: str | None, default: str | None = None
    ) -> None:
        """A metadata row: paradata survey records itself, or left out with a warning."""
        named = f"'{name}' ({type_text})" if name else f"the '{type_text}' row"
        if what == "hidden":
            message = (
                f"{named} is left out: a hidden value is neither shown nor answered,"
                " and on a web form nothing sets it"
            )
            if default:
                message += f" (its default '{default}' is a constant survey does not store)"
        elif what in PARADATA:
            message = f"{named} is not asked: survey records {PARADATA[what]} as paradata"
        else:
            device = DEVICE_DATA.get(what or "", what)
            message = f"{named} is left out: a web form has no {device} to record"
        self.notices.append(Notice(line, message))
        if name:
            self.gone.setdefault(name, line)

    def unsupported(self, line: int, name: str, message: str) -> bool:
        """A row survey cannot store yet: dropped with a notice when enabled (True), else a
        problem that refuses the import (False)."""
        if not self.enabled:
            self.book.problem(line, message)
            return False
        self.notices.append(Notice(line, f"dropped: {message}"))
        if name:
            self.gone.setdefault(name, line)
        return True

    def inside(
        self, line: int, name: str, repeat: str, repeat_line: int, kind: str = "repeat"
    ) -> None:
        """A row inside a dropped repeat (or loop), dropped with it."""
        what = f"'{name}'" if name else "the row"
        message = f"dropped {what}: it is inside the {kind} '{repeat}' of row {repeat_line}"
        self.notices.append(Notice(line, message))
        if name:
            self.gone.setdefault(name, line)

    def renamed(self, line: int, name: str) -> str:
        """The key for a row's name: a name with '.' or '-' (XML allows them) gets '_' in
        their place, with a notice; references to it follow."""
        if not name or IDENTIFIER.fullmatch(name):
            return name
        key = re.sub(r"\W", "_", name, flags=re.ASCII)
        key = f"_{key}" if key[0].isdigit() else key
        self.renames[name] = key
        message = f"'{name}' is renamed '{key}' (a key has only letters, digits and '_')"
        self.notices.append(Notice(line, message))
        return key

    def rewrite(self, line: int, cells: Cells, choices: Mapping[str, str]) -> Cells:
        """The row's expressions with references to renamed rows renamed, string literals
        naming a renamed choice (`choices`: name → code) renamed, and a bare `null` read
        as '' (with a notice)."""
        rewritten = {}
        for tokens in (t for t in _EXPRESSIONS if t in cells):
            text = _REFERENCE.sub(self._reference, rename_literals(cells[tokens], choices))
            if (empty := null_as_empty(text)) != text:
                column = {"calculate": "calculation"}.get(tokens[-1], tokens[-1])
                message = (
                    f"the {column} of '{cells.get(('name',), '')}' has a bare null, read as ''"
                    " (in XPath it names no node, so it is empty)"
                )
                self.notices.append(Notice(line, message))
            rewritten[tokens] = empty
        return cells | rewritten

    def _reference(self, found: re.Match[str]) -> str:
        return f"${{{self.renames.get(found[1], found[1])}}}"

    def note_required(self, question: Question) -> Question:
        """A note without `required` (ODK's way to stop the form there), with a notice."""
        if question.type != "note" or not (question.required or question.required_if):
            return question
        message = f"required of note '{question.key}' is left out: nobody answers a note"
        self.notices.append(Notice(question.line, message))
        return dataclasses.replace(question, required=False, required_if=None, required_message={})

    def cascade(self, drafts: list[_Draft]) -> None:
        """Drop, in form order, the questions that use a dropped row, a later one or a
        function survey cannot evaluate yet, and the questions of a group whose relevant
        does; a constraint survey cannot evaluate is left out. Each is named with why."""
        if not self.enabled:
            return
        self.later = {q.key: q.line or 0 for draft in drafts for q in draft.questions}
        for draft in drafts:
            used = self._used(draft.relevant) or _unevaluable(draft.relevant)
            if used:
                group = f"its group '{draft.key}' (row {draft.line}) has a relevant that uses"
                for question in draft.questions:
                    self._drop(question, f"{group} {used}")
                draft.questions = []
                continue
            kept = (self._kept_apart(question) for question in draft.questions)
            draft.questions = [question for question in kept if question is not None]

    def _kept_apart(self, question: Question) -> Question | None:
        """The question as kept; a nested repeat's roster also without what reads a column
        of an outer repeat (nesting.py)."""
        self.apart = self.outer.get(question.key, {})
        try:
            return self._kept(question)
        finally:
            self.apart = {}

    def _kept(self, question: Question) -> Question | None:
        """The question as kept (without a constraint that uses a dropped row or what survey
        cannot evaluate), or None when its relevant or mirror does."""
        self.later.pop(question.key, None)
        if why := self._used(question.relevant) or _unevaluable(question.relevant):
            self._drop(question, f"its relevant uses {why}")
            return None
        if question.mirror in self.gone:
            self._drop(question, f"it mirrors {self._named(question.mirror)}")
            return None
        if why := self._used(question.calculation) or _unevaluable(question.calculation):
            self._drop(question, f"its calculation uses {why}")
            return None
        choices = question.choice_filter
        if why := self._used(choices) or _unevaluable(choices, parse_filter):
            self._drop(question, f"its choice_filter uses {why}")
            return None
        if why := self._used(question.required_if) or _unevaluable(question.required_if):
            message = f"the condition of required of '{question.key}' is left out: it uses {why}"
            self.notices.append(Notice(question.line, message))
            question = dataclasses.replace(question, required_if=None, required_message={})
        if why := self._used(question.constraint) or _unevaluable(question.constraint):
            message = f"the constraint of '{question.key}' is left out: it uses {why}"
            self.notices.append(Notice(question.line, message))
            question = dataclasses.replace(question, constraint=None, constraint_message={})
        if question.columns:  # a roster: its columns kept as questions are
            columns = tuple(c for c in map(self._kept, question.columns) if c is not None)
            if not columns:
                self._drop(question, "none of the rows of its repeat is left")
                return None
            question = dataclasses.replace(question, columns=columns)
        return question

    def _drop(self, question: Question, why: str) -> None:
        self.notices.append(Notice(question.line, f"dropped '{question.key}': {why}"))
        self.gone.setdefault(question.key, question.line or 0)

    def _used(self, expression: str | None, own: str | None = None) -> str | None:
        found = dict.fromkeys(_REFERENCE.findall(expression or ""))
        names = [
            name
            for name in found
            if name in self.gone or name in self.apart or (name in self.later and name != own)
        ]
        return ", ".join(self._named(name) for name in names) or None

    def _named(self, name: str) -> str:
        if name in self.apart:
            repeat, row = self.apart[name]
            return f"${{{name}}} (row {row}, a column of the outer repeat '{repeat}')"
        if name in self.gone:
            return f"${{{name}}} (row {self.gone[name]}, left out)"
        return f"${{{name}}} (row {self.later[name]}, which comes after it)"


def _unevaluable(expression: str | None, parser: Callable[[str], Expression] = parse) -> str | None:
    """What survey cannot evaluate yet in a valid XLSForm expression (a function it does
    not have, a regular expression Python cannot compile), else None; other syntax errors
    are the validator's to report."""
    if not expression:
        return None
    try:
        parser(expression)
    except ExpressionError as error:
        if str(error.args[0]).startswith(
            ("unknown function", "unknown name", "invalid regular expression", "unexpected '/'")
        ):
            return f"what survey cannot evaluate yet ({error.args[0]})"
    return None
