"""Reading a workbook's rows into a questionnaire: sections from groups, questions from rows."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from survey.core.questionnaire import (
    MIN_OPTIONS,
    YESNO_CODES,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
    Special,
)
from survey.core.validate import validate as validate_model
from survey.core.xlsform.book import Book, Cells, _read_book
from survey.core.xlsform.cells import _free_name, _truth
from survey.core.xlsform.choicefiles import FormFiles, open_zip
from survey.core.xlsform.fallback import fill_missing_texts
from survey.core.xlsform.kinds import _CONTROL, _REFUSALS, _classify, _Kind, control_what
from survey.core.xlsform.languages import language_tag
from survey.core.xlsform.loops import FormNames, Loop, expand, loop_refusal
from survey.core.xlsform.nesting import linked, outer_columns, outer_reads, refusal, without_count
from survey.core.xlsform.questions import KNOWN_APPEARANCES, QuestionRows, appearance_of
from survey.core.xlsform.skipping import Skips


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

    what: str  # group, repeat or loop
    line: int
    relevant: str | None  # what a nested group adds to the relevant of its questions
    dropped: tuple[str, int, str] | None = None  # (name, row, what) of the dropped repeat it is in
    roster: Question | None = None  # a repeat: the roster its rows become the columns of
    columns: list[Question] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)  # the names taken outside the repeat
    nested: list[Question] = field(default_factory=list)  # the rosters of repeats inside it


class _Import:
    """One workbook's rows walked into sections and questions; None when it has problems."""

    def __init__(
        self,
        book: Book,
        stem: str,
        skip_unsupported: bool = False,
        files: FormFiles | None = None,
    ):
        self.book, self.stem, self.problem = book, stem, book.problem
        self.skips = Skips(book, skip_unsupported)
        self.rows = QuestionRows(book, files or FormFiles(None), self.skips.note)
        self.drafts: list[_Draft] = []
        self.stack: list[_Open] = []
        self.current: _Draft | None = None
        self.loop: Loop | None = None  # a `begin loop` whose body is being collected
        self.names = FormNames(book)  # what a loop's keys must avoid, and its 'other' choices

    def run(self) -> Questionnaire | None:
        """Build the questionnaire; None when there were problems."""
        if not self.book.has_columns():
            return None
        self.book.map_languages()
        self.rows.read_choices()
        for line, cells in self.book.survey.rows:
            self._row(line, cells)
        if self.loop is not None:
            self.problem(self.loop.line, "the 'begin loop' of this row is never ended")
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
        if self.loop is not None:
            if self.loop.take(line, type_text, cells):
                self._expand_loop(line, type_text)
            return
        control = _CONTROL.fullmatch(type_text)
        cells = self.skips.rewrite(line, cells, self.rows.choice_renames)
        dropped = self.stack[-1].dropped if self.stack else None
        if dropped and not (control and control["edge"].lower() == "end"):
            self.skips.inside(line, name, *dropped)
            if control:
                self.stack.append(_Open(control_what(control), line, None, dropped))
        elif control:
            self._control(line, control, name, cells)
        else:
            self._typed_row(line, type_text, name, cells)

    def _control(self, line: int, control: re.Match[str], name: str, cells: Cells) -> None:
        what = control_what(control)
        if control["edge"].lower() == "end":
            self._end(line, what)
            return
        outer = self._roster()
        if what == "loop":
            self._begin_loop(line, control, name, cells, outer)
            return
        if what == "repeat":
            roster = self._begin_roster(line, name, cells)
            self.stack.append(_Open(what, line, None, roster=roster, names=self.rows.names))
            self.rows.names = {}  # a column's name is unique within its repeat
            return
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

    def _begin_loop(
        self, line: int, control: re.Match[str], name: str, cells: Cells, outer: Question | None
    ) -> None:
        """A `begin loop over L`: its body is collected up to its end, then expanded."""
        type_text, list_name = control[0], control["list_name"]
        refusal = loop_refusal(name, type_text, list_name, self.rows.lists)
        if refusal is None and outer is not None:
            why = (
                f"'{name}' is a loop inside the repeat '{outer.key}', which survey cannot store"
                " (a loop's rows become questions, one per choice, not columns of a roster)"
            )
            self.skips.unsupported(line, name, why)
        elif refusal is None:
            relevant = cells.get(("bind", "relevant"))
            self.loop = Loop(line, name, type_text, list_name, relevant)
            return
        else:
            self.problem(line, refusal)
        self.stack.append(_Open("loop", line, None, (name, line, "loop")))

    def _expand_loop(self, line: int, type_text: str) -> None:
        """The loop ended at `line`: its body's rows once per choice, inside the loop as in
        a nested group (its relevant joins theirs)."""
        loop, self.loop = self.loop, None
        assert loop is not None
        choices = self.names.choices(loop.list_name, self.rows.lists[loop.list_name])
        rows = expand(loop, choices, self.book, self.skips, self.names.taken)
        self.stack.append(_Open("loop", loop.line, loop.relevant))
        for each in rows:
            self._row(*each)
        current, control = self.current, _CONTROL.fullmatch(type_text)
        self._end(line, control_what(control) if control else "loop")
        if not self.stack:
            self.current = current  # no section of its own: the questions after it join theirs

    def _end(self, line: int, what: str) -> None:
        if not self.stack:
            self.problem(line, f"'end {what}' has no 'begin {what}' before it")
            return
        opened = self.stack.pop()
        if opened.what != what:
            self.problem(line, f"'end {what}' ends the 'begin {opened.what}' of row {opened.line}")
        if opened.roster is not None:
            self.rows.names = opened.names
            self._end_roster(
                dataclasses.replace(opened.roster, columns=tuple(opened.columns)), opened.nested
            )
        if not self.stack:
            self.current = None

    def _typed_row(self, line: int, type_text: str, name: str, cells: Cells) -> None:
        kind = _classify(type_text)
        if kind.kind == "metadata":
            # the device's or the session's data, not a respondent's answer
            self.skips.metadata(line, name, type_text, kind.qtype, cells.get(("default",)))
            return
        if kind.unsupported:
            self.skips.unsupported(
                line, name, _REFUSALS[kind.kind].format(name=name, type=type_text)
            )
            return
        if kind.kind != "question":
            self.problem(line, _REFUSALS[kind.kind].format(name=name, type=type_text))
            return
        if kind.external and kind.list_name not in self.rows.external_lists:
            where = (
                f"the external_choices sheet has no list '{kind.list_name}'"
                if self.book.external.headers
                else "the workbook has no external_choices sheet"
            )
            why = f"question '{name}' has type '{type_text}', but {where}"
            self.skips.unsupported(line, name, why)
            return
        if kind.file and self.skips.enabled and self.rows.files.read(kind.file) is None:
            why = f"question '{name}' reads its choices from '{kind.file}', which is not beside"
            self.skips.unsupported(line, name, why + " the form")
            return
        name = self.skips.renamed(line, name)
        if not name and kind.qtype == "note":
            name = _free_name(f"note_{line}", set(self.rows.names))  # pyxform names them too
        if not name:
            self.problem(line, f"the '{type_text}' row has no name")
            return
        inside = self._inside_roster()  # a calculate row in a repeat: computed per row
        if ("choice_filter",) in cells and not (kind.list_name or kind.file):
            why = f"a {type_text} question has no choices to filter (as in ODK)"
            self.skips.note(line, f"the choice_filter of '{name}' is ignored: {why}")
            cells = {tokens: text for tokens, text in cells.items() if tokens != ("choice_filter",)}
        question = self.rows.question(line, name, kind, cells, [o.relevant for o in inside])
        for look in appearance_of(cells):
            if look not in KNOWN_APPEARANCES:
                why = "survey has no such widget and shows the question as usual"
                self.skips.note(line, f"the appearance '{look}' of '{name}' is ignored: {why}")
        question = self._supported_choices(line, self.skips.note_required(question))
        if question is None:
            return
        if kind.external:
            shown = "as one drop-down" if question.dropdown else "as a usual select"
            self.skips.note(
                line,
                f"'{name}' ({type_text}): ODK searches its list on the external_choices sheet"
                f" as one types; survey stores its {len(question.options)} choices and shows"
                f" them {shown}",
            )
        added = [question]
        if kind.or_other:
            added.append(self.rows.other_question(line, question))
        if inside is not self.stack:
            inside[0].columns.extend(added)
            return
        for each in added:
            self._add(each)

    def _end_roster(self, roster: Question, nested: list[Question]) -> None:
        """A finished roster into its section, followed by the rosters of the repeats inside
        it; inside a repeat, linked to that repeat's roster and added after it."""
        outer = next((o for o in reversed(self.stack) if o.roster is not None), None)
        for inner in nested:  # they cannot read a column of this one
            reads = outer_columns(roster, inner)
            outer_of = self.skips.outer.setdefault(inner.key, {})
            reads = {name: read for name, read in reads.items() if name not in outer_of}
            outer_of.update(reads)  # a nearer repeat's column first
            if not self.skips.enabled:
                for question, what, name in outer_reads(inner, reads):
                    why = refusal(inner, question, what, name, *reads[name])
                    self.problem(question.line, why)
        if outer is None or outer.roster is None:
            for each in (roster, *nested):
                self._add(each)
            return
        inner = linked(outer.roster, roster, self.book.languages, self.skips.note)
        inner = without_count(inner, outer.roster.key, self.skips.note)
        outer.nested.extend((inner, *nested))

    def _add(self, question: Question) -> None:
        """A question (or a finished roster) into the current section."""
        if self.current is None:
            self.current = _Draft(None, {})
            self.drafts.append(self.current)
        self.current.questions.append(question)

    def _roster(self) -> Question | None:
        """The roster whose repeat the current row is in, or None."""
        return next((o.roster for o in reversed(self.stack) if o.roster is not None), None)

    def _inside_roster(self) -> list[_Open]:
        """The groups a row is in, up to the repeat it is in (its roster's entry first)."""
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].roster is not None:
                return self.stack[index:]
        return self.stack

    def _begin_roster(self, line: int, name: str, cells: Cells) -> Question:
        """A repeat's row as a roster without its columns yet: its label, relevant (with the
        groups around it), repeat_count, and survey's own min, max, compare and mirror.
        A repeat inside a repeat: a roster of its own (nesting.py), whose relevant holds
        its outer roster's and those of the groups between them."""
        if not name:
            self.problem(line, "the repeat has no name")
        enclosing = [o.relevant for o in self.stack]
        at = next((i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i].roster), None)
        if at is not None:  # a repeat inside a repeat
            outer = self.stack[at].roster
            enclosing = [outer.relevant if outer else None]
            enclosing += [o.relevant for o in self.stack[at + 1 :]]
            top = next(o.names for o in self.stack if o.roster is not None)
            if name in top:
                self.problem(
                    line,
                    f"the name '{name}' is already used at row {top[name]}"
                    " (question names must be unique in the whole form)",
                )
            if name:
                top.setdefault(name, line)  # the roster is a question of the form's own
        roster = self.rows.question(line, name, _Kind("question", "roster"), cells, enclosing)
        return dataclasses.replace(roster, count=cells.get(("control", "jr:count")))

    def _supported_choices(self, line: int, question: Question) -> Question | None:
        """The question with a choice 'dk'/'rf' made survey's own don't know / refused
        answer (what the code means in ODK forms too); with the flag None when it cannot
        be stored (dropped with a notice)."""
        name, options = question.key, question.options
        specials = [o.code for o in options if o.code in tuple(Special)]
        if specials:
            kept = tuple(o for o in options if o.code not in specials)
            qtype = question.type
            if qtype == "single" and sorted(o.code for o in kept) == sorted(YESNO_CODES):
                qtype, kept = "yesno", ()  # as a yes/no list reads without them
            question = dataclasses.replace(
                question,
                type=qtype,
                options=kept,
                dont_know=question.dont_know or "dk" in specials,
                refused=question.refused or "rf" in specials,
                offer_special=True,
            )
            codes = " and ".join(f"'{code}'" for code in specials)
            self.skips.note(line, f"'{name}': the choice {codes} is survey's own special answer")
        if not self.skips.enabled:
            return question  # the validator names what is wrong with it
        count, fewest = len(question.options), MIN_OPTIONS.get(question.type, 0)
        if question.type in ("single", "multi", "scale") and count < fewest:
            why = f"question '{name}' offers {count} choice (survey asks {fewest} or more)"
            self.skips.unsupported(line, name, why)
            return None
        return question

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
        self.skips.cascade(self.drafts)
        if self.skips.enabled and not any(d.questions for d in self.drafts):
            self.problem(None, "no question is left once the unsupported rows are dropped")
        if self.book.problems:
            return None
        title = self.book.settings_text("title", "label", raw_id)
        default = language_tag(self.book.settings.get(("default_language",), ""))
        questionnaire = Questionnaire(
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
        return fill_missing_texts(questionnaire, self.skips.note)

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


@dataclass(frozen=True)
class XLSFormRead:
    """A workbook's questionnaire and the warnings about rows it left out (`file:row: …`)."""

    questionnaire: Questionnaire
    warnings: list[Problem]


def read_xlsform(
    path: str | Path,
    source: str | None = None,
    *,
    validate: bool = True,
    skip_unsupported: bool = False,
) -> XLSFormRead:
    """Read an XLSForm (.xlsx, .xls, pyxform .md or .csv, or a .zip holding one with the CSV
    files of its `select_one_from_file` rows) into a validated questionnaire,
    with a warning for every row left out (metadata; with `skip_unsupported`, the rows
    survey cannot store yet and every row that depended on them) and for everything
    adapted (texts filled, keys and choice names renamed … : docs/xlsform.md).

    Raises QuestionnaireError with every problem; nothing is imported then.
    `validate=False` skips the semantic checks (translations, expressions …), as
    load_yaml does for the researcher preview; structural problems still raise.
    """
    path = Path(path)
    source = source or str(path)
    if path.suffix.lower() == ".zip":  # the form and the CSV files it reads choices from
        name, data, files = open_zip(path, source)
        book = Book(_read_book(Path(name), source, data), source)
        stem = Path(name).stem
    else:
        files, stem = FormFiles(path.parent), path.stem
        book = Book(_read_book(path, source), source)
    importer = _Import(book, stem, skip_unsupported, files)
    questionnaire = importer.run()
    if questionnaire is None:
        raise QuestionnaireError(book.problems)
    problems = validate_model(questionnaire, source) if validate else []
    if problems:
        raise QuestionnaireError(problems)
    return XLSFormRead(questionnaire, importer.skips.problems())


def load_xlsform(
    path: str | Path,
    source: str | None = None,
    *,
    validate: bool = True,
    skip_unsupported: bool = False,
) -> Questionnaire:
    """The questionnaire of `read_xlsform`, without its warnings."""
    return read_xlsform(
        path, source, validate=validate, skip_unsupported=skip_unsupported
    ).questionnaire
