"""A workbook read through pyxform: its sheets, their columns of text per language, and problems."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from pyxform import aliases, constants
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import clean_text_values, process_header
from pyxform.question import MultipleChoiceQuestion
from pyxform.question import Option as PyxformOption
from pyxform.survey import Survey
from pyxform.xls2json_backends import (
    Definition,
    DefinitionData,
    SupportedFileTypes,
    definition_to_dict,
)

from survey.core.archives import ArchiveTooLargeError, check_archive
from survey.core.questionnaire import Problem, QuestionnaireError
from survey.core.xlsform.languages import language_tag

# survey's own columns (not XLSForm): the compare rule, the mirror and the answer checks
EXTENSION_COLUMNS = (
    "compare", "mirror", "special", "min", "max", "pattern", "min_length", "max_length",
    "identifying",
)  # fmt: skip
_SHEETS: dict[str, tuple[Mapping[str, Any], frozenset[str]]] = {
    "survey": (aliases.survey_header,
               frozenset(MultipleChoiceQuestion.get_slot_names()) | set(EXTENSION_COLUMNS)),
    "choices": (aliases.list_header,
                frozenset(PyxformOption.get_slot_names()) | {constants.LIST_NAME_S}),
    "external_choices": (aliases.list_header,
                         frozenset(PyxformOption.get_slot_names()) | {constants.LIST_NAME_S}),
    "settings": (aliases.settings_header,
                 frozenset(Survey.get_slot_names()) | {"introduction", "closing"}),
}  # fmt: skip
# Columns of text per language. In settings only suffixed columns are: `label::<language>`
# translates the title (as ODK forms write it); a bare settings column fills every language.
_TRANSLATABLE = {
    "survey": {
        ("label",),
        ("hint",),
        ("guidance_hint",),
        ("bind", "jr:constraintMsg"),
        ("bind", "jr:requiredMsg"),
    },
    "choices": {("label",)},
    "external_choices": {("label",)},
    "settings": {("label",), ("introduction",), ("closing",)},
}
_EXPRESSIONS = {("bind", "relevant"), ("bind", "constraint")}
_MESSAGE = ("bind", "jr:constraintMsg")  # constraint_message, as pyxform de-aliases it
REQUIRED_MESSAGE = ("bind", "jr:requiredMsg")  # required_message
Tokens = tuple[str, ...]  # a header as pyxform splits and de-aliases it: ("label", "English")
Cells = dict[Tokens, str]


@dataclass
class _Sheet:
    """One sheet: the header of each column (by its tokens), and each row's non-empty cells."""

    name: str
    headers: dict[Tokens, str] = field(default_factory=dict)
    rows: list[tuple[int, Cells]] = field(default_factory=list)

    def has_text(self, tokens: Tokens) -> bool:
        """Whether any row has text in this column."""
        return any(tokens in cells for _, cells in self.rows)


@dataclass(frozen=True, slots=True)
class _Column:
    """A column of text in one language: label, hint …; a bare column has no suffix."""

    field: Tokens
    tag: str
    bare: bool


def _read_book(path: Path, source: str, data: bytes | None = None) -> DefinitionData:
    """The sheets of the workbook at `path` (or of `data`, a workbook named `path`)."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as error:
        problem = Problem(source, None, f"cannot read the file: {error.strerror} (check the path)")
        raise QuestionnaireError([problem]) from error
    try:
        check_archive(data)
    except ArchiveTooLargeError as refused:
        raise QuestionnaireError([Problem(source, None, refused.describe())]) from refused
    suffix = path.suffix.lower()
    known = suffix in {file_type.value for file_type in SupportedFileTypes}
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; none carries form content.
            warnings.simplefilter("ignore", UserWarning)
            return _parse_book(data, suffix if known else None, path.stem)
    except PyXFormError as error:
        problem = Problem(source, None, f"cannot read the form: {error}")
        raise QuestionnaireError([problem]) from error
    except (AttributeError, TypeError, ValueError) as error:
        # pyxform's readers fail so on some malformed sheets, e.g. a number as a header.
        why = f"cannot read the form ({error}; check that the header rows hold only text)"
        raise QuestionnaireError([Problem(source, None, why)]) from error


def _parse_book(data: bytes, suffix: str | None, stem: str) -> DefinitionData:
    if suffix:
        try:
            return definition_to_dict(Definition(BytesIO(data), None, stem), suffix)
        except PyXFormError:
            pass  # a misnamed file (an old .xls saved as .xlsx) is recognised by content below
    return definition_to_dict(Definition(BytesIO(data), None, stem))


def _cells(row: Mapping[str, Any], tokens_of: Mapping[str, Tokens]) -> Cells:
    cells = {tokens_of[h]: str(v) for h, v in row.items() if h in tokens_of and v not in (None, "")}
    for tokens in _EXPRESSIONS & cells.keys():
        # As pyxform does: typographic quotes in an expression were meant as plain ones.
        cells[tokens] = clean_text_values(cells[tokens])
        if cells[tokens].lower() in ("true", "false"):  # a spreadsheet's TRUE/FALSE cell
            cells[tokens] = f"{cells[tokens].lower()}()"
    return cells


def _translatable(sheet: str, tokens: Tokens) -> tuple[Tokens, str | None] | None:
    """(field, language suffix or None when bare) for a column of text, else None."""
    fields = _TRANSLATABLE[sheet]
    if tokens in fields and sheet != "settings":
        return tokens, None
    if len(tokens) > 1 and tokens[:-1] in fields:
        return tokens[:-1], tokens[-1]
    return None


class Book:
    """A workbook's survey, choices and settings sheets, the language of each column of text,
    and every problem found in it (reading the rows adds theirs)."""

    def __init__(self, data: DefinitionData, source: str):
        self.source, self.problems = source, []
        self.survey = self._sheet(data, "survey")
        self.choices = self._sheet(data, "choices")
        self.external = self._sheet(data, "external_choices")  # select_one_external's lists
        self.settings_sheet = self._sheet(data, "settings")
        self.settings = next((cells for _, cells in self.settings_sheet.rows if cells), {})
        self.default_tag = language_tag(self.settings.get(("default_language",), "")) or "en"
        self.columns: dict[tuple[str, Tokens], _Column] = {}
        self.languages: list[str] = []  # in the order of their first column

    def problem(self, line: int | None, message: str) -> None:
        """Note one problem at a row of the sheet the message names (the survey sheet if none)."""
        self.problems.append(Problem(self.source, line, message))

    def _sheet(self, data: DefinitionData, name: str) -> _Sheet:
        rows = getattr(data, name) or []
        header_rows = getattr(data, f"{name}_header") or []
        headers = list(header_rows[0]) if header_rows else list({k: 0 for r in rows for k in r})
        # pyxform splits on '::', or on ':' in old sheets where no header has '::'.
        double_colon = any("::" in header for header in headers)
        sheet, tokens_of = _Sheet(name), {}
        for header in headers:
            tokens = process_header(header, double_colon, *_SHEETS[name])[1]
            if tokens in sheet.headers:
                self.problem(
                    1,
                    f"{name} sheet: the columns '{sheet.headers[tokens]}' and"
                    f" '{header}' mean the same (keep one)",
                )
            sheet.headers.setdefault(tokens, header)
            tokens_of[header] = tokens
        sheet.rows = [(n, _cells(row, tokens_of)) for n, row in enumerate(rows, start=2)]
        return sheet

    def has_columns(self) -> bool:
        if not self.survey.headers:
            self.problem(None, "the workbook has no 'survey' sheet")
            return False
        for column in ("type", "name"):
            if (column,) not in self.survey.headers:
                self.problem(1, f"the survey sheet has no '{column}' column")
        return not self.problems

    def map_languages(self) -> None:
        for sheet in (self.survey, self.choices, self.external, self.settings_sheet):
            for tokens, header in sheet.headers.items():
                place = _translatable(sheet.name, tokens)
                # A column without any text declares no language (forms carry empty ones).
                if place and sheet.has_text(tokens):
                    self._map_column(sheet.name, tokens, header, *place)

    def _map_column(self, sheet: str, tokens: Tokens, header: str, fld: Tokens, suffix: str | None):
        tag = self.default_tag if suffix is None else language_tag(suffix)
        if tag is None:
            self.problem(
                1,
                f"{sheet} sheet: the column '{header}' names the language '{suffix}',"
                f" which survey does not know (write it with its BCP 47 code,"
                f" e.g. '{header} (xx)')",
            )
            return
        self.columns[(sheet, tokens)] = _Column(fld, tag, suffix is None)
        if tag not in self.languages:
            self.languages.append(tag)

    def texts(self, sheet: str, cells: Cells, fld: Tokens) -> dict[str, str]:
        """One field's text in every language; a language's own column wins over a bare one."""
        found = [(self.columns.get((sheet, tokens)), text) for tokens, text in cells.items()]
        mine = [(column, text) for column, text in found if column and column.field == fld]
        mine.sort(key=lambda pair: not pair[0].bare)  # bare first, so that the others overwrite
        return {column.tag: text for column, text in mine}

    def settings_text(self, plain: str, fld: str, fallback: str | None = None) -> dict[str, str]:
        text = self.settings.get((plain,)) or fallback
        texts = dict.fromkeys(self.languages, text) if text else {}
        return texts | self.texts("settings", self.settings, (fld,))
