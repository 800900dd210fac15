"""Reading a workbook's rows into a questionnaire: sections from groups, questions from rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from survey.core.questionnaire import Question, Questionnaire, QuestionnaireError, Section
from survey.core.validate import validate as validate_model
from survey.core.xlsform.book import Book, Cells, _read_book
from survey.core.xlsform.cells import _free_name, _truth
from survey.core.xlsform.kinds import _CONTROL, _REFUSALS, _classify
from survey.core.xlsform.languages import language_tag
from survey.core.xlsform.questions import QuestionRows


@dataclass
class _Draft:
    """A section being filled: a top-level group, or a run of questions outside any group."""

    key: str | None
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    line: int | None = None
    questions: list[Question] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Open:
    """A begin group / begin repeat row not yet ended."""

    what: str
    line: int
    relevant: str | None  # what a nested group adds to the relevant of its questions


class _Import:
    """One workbook's rows walked into sections and questions; None when it has problems."""

    def __init__(self, book: Book, stem: str):
        self.book, self.stem, self.problem = book, stem, book.problem
        self.rows = QuestionRows(book)
        self.drafts: list[_Draft] = []
        self.stack: list[_Open] = []
        self.current: _Draft | None = None

    def run(self) -> Questionnaire | None:
        """Build the questionnaire; None when there were problems."""
        if not self.book.has_columns():
            return None
        self.book.map_languages()
        self.rows.read_choices()
        for line, cells in self.book.survey.rows:
            self._row(line, cells)
        for opened in self.stack:
            self.problem(opened.line, f"the 'begin {opened.what}' of this row is never ended")
        return self._questionnaire()

    def _row(self, line: int, cells: Cells) -> None:
        if _truth(cells.get(("disabled",), "")):
            return  # pyxform leaves disabled rows out of the form
        type_text = " ".join(cells.get(("type",), "").split())
        name = cells.get(("name",), "")
        if not type_text:
            if name or any(tokens[0] == "label" for tokens in cells):
                self.problem(line, f"the row '{name}' has no type")
            return  # else a row of comments only
        if control := _CONTROL.fullmatch(type_text):
            self._control(line, control, name, cells)
        else:
            self._typed_row(line, type_text, name, cells)

    def _control(self, line: int, control: re.Match[str], name: str, cells: Cells) -> None:
        what = "group" if control["what"].lower() == "group" else "repeat"
        if control["edge"].lower() == "end":
            self._end(line, what)
            return
        if what == "repeat":
            self.problem(
                line,
                f"'{name}' is a repeat ('{control[0]}'), which survey cannot"
                " store (every question has one answer per respondent)",
            )
        relevant = cells.get(("bind", "relevant"))
        if not self.stack:
            self._open_section(line, name, cells)
            relevant = None  # the section carries it
        self.stack.append(_Open(what, line, relevant))

    def _open_section(self, line: int, name: str, cells: Cells) -> None:
        if not name:
            self.problem(line, "the group has no name")
        elif any(draft.key == name for draft in self.drafts):
            self.problem(line, f"the group name '{name}' is used more than once")
        label, hint = (self.book.texts("survey", cells, (column,)) for column in ("label", "hint"))
        self.current = _Draft(name or None, label, hint, cells.get(("bind", "relevant")), line)
        self.drafts.append(self.current)

    def _end(self, line: int, what: str) -> None:
        if not self.stack:
            self.problem(line, f"'end {what}' has no 'begin {what}' before it")
            return
        opened = self.stack.pop()
        if opened.what != what:
            self.problem(line, f"'end {what}' ends the 'begin {opened.what}' of row {opened.line}")
        if not self.stack:
            self.current = None

    def _typed_row(self, line: int, type_text: str, name: str, cells: Cells) -> None:
        kind = _classify(type_text)
        if kind.kind == "metadata":
            return  # the device's or the session's data, not a respondent's answer
        if kind.kind != "question":
            self.problem(line, _REFUSALS[kind.kind].format(name=name, type=type_text))
            return
        if not name and kind.qtype == "note":
            name = _free_name(f"note_{line}", set(self.rows.names))  # pyxform names them too
        if not name:
            self.problem(line, f"the '{type_text}' row has no name")
            return
        if self.current is None:
            self.current = _Draft(None, {})
            self.drafts.append(self.current)
        self.current.questions.append(
            self.rows.question(line, name, kind, cells, [o.relevant for o in self.stack])
        )

    def _questionnaire(self) -> Questionnaire | None:
        raw_id = self.book.settings.get(("id_string",)) or self.stem
        key = _slug(raw_id)
        if not key:
            self.problem(
                None,
                f"settings sheet: the form_id '{raw_id}' gives no usable key"
                " (use letters a-z, digits, '-' and '_')",
            )
        if not self.book.languages:
            self.problem(1, "the survey sheet has no label with text")
        if self.book.problems:
            return None
        title = self.book.settings_text("title", "label", raw_id)
        default = language_tag(self.book.settings.get(("default_language",), ""))
        return Questionnaire(
            key=key,
            version=self.book.settings.get(("version",), "1"),
            languages=tuple(self.book.languages),
            title=title,
            sections=self._sections(title),
            default_language=default if default in self.book.languages else None,
            introduction=self.book.settings_text("introduction", "introduction"),
            closing=self.book.settings_text("closing", "closing"),
            source=self.book.source,
        )

    def _sections(self, title: dict[str, str]) -> tuple[Section, ...]:
        drafts = [draft for draft in self.drafts if draft.questions]  # e.g. only metadata in it
        taken = {draft.key for draft in drafts}
        sections = []
        for number, draft in enumerate(drafts, start=1):
            key = draft.key or _free_name(f"section_{number}", taken)
            taken.add(key)
            sections.append(
                Section(
                    key=key,
                    title=draft.title or title,
                    questions=tuple(draft.questions),
                    description=draft.description,
                    relevant=draft.relevant,
                    line=draft.line,
                )
            )
        return tuple(sections)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")


def load_xlsform(
    path: str | Path, source: str | None = None, *, validate: bool = True
) -> Questionnaire:
    """Read an XLSForm (.xlsx, .xls, pyxform .md or .csv) into a validated questionnaire.

    Raises QuestionnaireError with every problem; nothing is imported then.
    `validate=False` skips the semantic checks (translations, expressions …), as
    load_yaml does for the researcher preview; structural problems still raise.
    """
    path = Path(path)
    source = source or str(path)
    book = Book(_read_book(path, source), source)
    importer = _Import(book, path.stem)
    questionnaire = importer.run()
    if questionnaire is None:
        raise QuestionnaireError(book.problems)
    problems = validate_model(questionnaire, source) if validate else []
    if problems:
        raise QuestionnaireError(problems)
    return questionnaire
