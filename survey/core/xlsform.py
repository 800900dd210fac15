"""XLSForm import and export: ODK workbooks to and from the questionnaire model.

Workbooks are read through pyxform's own readers and header parser, so a workbook
reads here as ODK tools read it (.xlsx, .xls and pyxform's .md and .csv), header
aliases included (`list name`, `relevance`, `label:English`). Texts are kept as
written; only in `relevant` and `constraint` are typographic quotes made plain,
as pyxform does. The mapping, and what is refused, is documented in docs/xlsform.md.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pyxform import aliases, constants
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import clean_text_values, process_header
from pyxform.question import MultipleChoiceQuestion
from pyxform.question import Option as PyxformOption
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.survey import Survey
from pyxform.xls2json import RE_SELECT
from pyxform.xls2json_backends import (
    Definition,
    DefinitionData,
    SupportedFileTypes,
    definition_to_dict,
)

from survey.core.loader import DEFAULT_RULES
from survey.core.questionnaire import (
    CHOICE_TYPES,
    YESNO_CODES,
    CompareRule,
    Option,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)
from survey.core.validate import validate as validate_model

# ---------------------------------------------------------------------------- languages

# (tag, the name dump_xlsform writes in headers, other names accepted on import)
_LANGUAGES: tuple[tuple[str, ...], ...] = (
    ("en", "English"),
    ("zh-Hans", "Simplified Chinese", "Chinese", "Chinese (Simplified)", "Chinese Simplified",
     "Mandarin", "中文", "汉语", "简体中文", "簡體中文", "简体", "中文(简体)", "中文（简体）"),
    ("zh-Hant", "Traditional Chinese", "Chinese (Traditional)", "Chinese Traditional",
     "繁體中文", "繁体中文", "繁體", "漢語", "中文(繁體)", "中文（繁體）"),
    ("fr", "French", "Français"), ("de", "German", "Deutsch"), ("es", "Spanish", "Español"),
    ("pt", "Portuguese", "Português"), ("it", "Italian", "Italiano"),
    ("nl", "Dutch", "Nederlands"), ("ru", "Russian", "Русский"), ("ar", "Arabic", "العربية"),
    ("fa", "Persian", "Farsi", "فارسی"), ("ja", "Japanese", "日本語"), ("ko", "Korean", "한국어"),
    ("vi", "Vietnamese", "Tiếng Việt"), ("th", "Thai", "ไทย"),
    ("id", "Indonesian", "Bahasa Indonesia"), ("hi", "Hindi", "हिन्दी"), ("bn", "Bengali", "বাংলা"),
    ("ur", "Urdu", "اردو"), ("ne", "Nepali", "नेपाली"), ("sw", "Swahili", "Kiswahili"),
    ("am", "Amharic", "አማርኛ"), ("ha", "Hausa"), ("so", "Somali", "Soomaali"),
    ("tet", "Tetun", "Tetum"), ("my", "Burmese", "Myanmar"), ("km", "Khmer"), ("lo", "Lao"),
    ("tr", "Turkish", "Türkçe"),
)  # fmt: skip
LANGUAGE_NAMES = {name.casefold(): tag for tag, *names in _LANGUAGES for name in names}
_HEADER_NAMES = {tag: names[0] for tag, *names in _LANGUAGES}
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_PARENS = re.compile(r"(?P<name>.*?)\s*\((?P<code>[^()]*)\)")


def language_tag(name: str) -> str | None:
    """The BCP 47 tag for an XLSForm language ('English (en)', 'chinese', 'zh-TW'), or None."""
    text = " ".join(name.split())
    match = _PARENS.fullmatch(text)
    if match and (tag := _normalise_tag(match["code"].strip())):
        return tag
    for candidate in (text, match["name"]) if match else (text,):
        if tag := LANGUAGE_NAMES.get(candidate.casefold()):
            return tag
    return _normalise_tag(text)


def language_header(tag: str) -> str:
    """The language suffix dump_xlsform writes for a tag, e.g. 'English (en)'."""
    return f"{_HEADER_NAMES.get(tag, tag)} ({tag})"


def _normalise_tag(code: str) -> str | None:
    if not _TAG.fullmatch(code):
        return None
    subtags = code.replace("_", "-").split("-")
    if subtags[0].lower() == "zh":
        return _chinese(subtags[1:])
    return "-".join(_subtag_case(subtag, i) for i, subtag in enumerate(subtags))


def _chinese(subtags: list[str]) -> str:
    # The service tells Chinese texts apart by script; a region implies the script it uses.
    lowered = {subtag.lower() for subtag in subtags}
    if "hans" not in lowered and lowered & {"hant", "tw", "hk", "mo"}:
        return "zh-Hant"
    return "zh-Hans"


def _subtag_case(subtag: str, index: int) -> str:
    if index and len(subtag) == 4:
        return subtag.title()
    return subtag.upper() if index and len(subtag) == 2 else subtag.lower()


# ---------------------------------------------------------------------------- row types

_OUR_TYPES = {
    **dict.fromkeys(("text", "string", "q string", "add text prompt", "phone number"), "text"),
    **dict.fromkeys(("integer", "int", "q int", "add integer prompt"), "integer"),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), "number"),
    **dict.fromkeys(("date", "q date", "add date prompt"), "date"),
    **dict.fromkeys(("note", "q note", "add note prompt"), "note"),
}
# Rows that record the device or the session (start, deviceid, audit …), never an answer.
_METADATA = {
    name.lower()
    for name, spec in QUESTION_TYPE_DICT.items()
    if "jr:preload" in spec.get("bind", {})
} | {"audit", "start-geopoint", "background-geopoint", "xml-external", "csv-external"}
_ODK_TYPES = {name.lower() for name in QUESTION_TYPE_DICT} | {
    *aliases.select, *aliases.osm, *aliases.cascading,
}  # fmt: skip
_SELECTS = {constants.SELECT_ONE: "single", constants.SELECT_ALL_THAT_APPLY: "multi"}
_CONTROL = re.compile(
    r"(?P<edge>begin|end)[ _](?P<what>group|repeat|loop|lgroup|looped group)\b.*", re.IGNORECASE
)
# (XLSForm type as ours, appearance) → our type; without the appearance the plain type holds.
_BY_APPEARANCE = {
    ("text", "multiline"): "longtext", ("date", "year"): "year", ("single", "likert"): "scale",
}  # fmt: skip
SUPPORTED = "text, integer, decimal, date, note, select_one, select_multiple, begin group/end group"
_REFUSALS = {
    "refused": "question '{name}' has type '{type}', which survey cannot store"
               f" (supported: {SUPPORTED})",
    "unknown": f"question '{{name}}' has the unknown type '{{type}}' (supported: {SUPPORTED})",
    "or_other": "question '{name}' has type '{type}': survey cannot store 'or_other'"
                " (add an 'other' choice and a text question instead)",
    "no_list": "question '{name}' has type '{type}' but names no choice list",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Kind:
    """What a survey row's type says: a question of one of our types, metadata, or a refusal."""

    kind: str  # "question", "metadata", or a key of _REFUSALS
    qtype: str | None = None
    list_name: str | None = None


def _classify(type_text: str) -> _Kind:
    if select := RE_SELECT.match(type_text):
        return _select_kind(select)
    lowered = type_text.lower()
    if lowered in _OUR_TYPES:
        return _Kind("question", _OUR_TYPES[lowered])
    if lowered in _METADATA:
        return _Kind("metadata")
    if lowered in aliases.select:
        return _Kind("no_list")
    # The first word too: 'osm c1' and 'select_one_external c1' are ODK types with an argument.
    known = lowered in _ODK_TYPES or lowered.split()[0] in _ODK_TYPES
    return _Kind("refused" if known else "unknown")


def _select_kind(match: re.Match[str]) -> _Kind:
    if match["specify_other"]:
        return _Kind("or_other")
    command = match["select_command"]
    target = aliases.select[command]
    if command in aliases.select_from_file or target not in _SELECTS:
        return _Kind("refused")  # select_one_from_file, select_one_external, rank
    return _Kind("question", _SELECTS[target], match["list_name"])


# ---------------------------------------------------------------------------- cell values


def compare_from_text(text: str) -> CompareRule:
    """Parse a `compare` cell: exact, set, overlap:0.5, tolerance:1, tolerance:10%, …"""
    kind, colon, argument = (part.strip() for part in text.strip().partition(":"))
    kind = kind.lower()
    if kind in ("exact", "set", "review", "none") and not colon:
        return CompareRule(kind)
    if kind not in _RULE_HELP:
        raise ValueError(
            f"compare '{text}' is not a rule (use exact, set, overlap:J, tolerance:X,"
            " tolerance:P%, within_days:D, review or none)"
        )
    try:
        return _rule_with_value(kind, argument)
    except ValueError as error:
        raise ValueError(f"compare '{text}': {_RULE_HELP[kind]}") from error


def _rule_with_value(kind: str, argument: str) -> CompareRule:
    if kind == "within_days":
        return CompareRule(kind, _count(argument))
    if kind == "tolerance" and argument.endswith("%"):
        # Through Decimal, so that the percentage written by dump gives back the same float.
        return CompareRule(kind, float(_decimal(argument[:-1]) / 100), relative=True)
    value = _number(argument)
    if value < 0 or (kind == "overlap" and value > 1):
        raise ValueError(argument)
    return CompareRule(kind, value)


_RULE_HELP = {
    "overlap": "overlap needs a share between 0 and 1, e.g. overlap:0.5",
    "tolerance": "tolerance needs a number or a percentage, e.g. tolerance:1 or tolerance:10%",
    "within_days": "within_days needs a whole number of days, e.g. within_days:31",
}


def compare_to_text(rule: CompareRule) -> str:
    """The `compare` cell for a rule; compare_from_text reads it back as an equal rule."""
    if rule.value is None:
        return rule.kind
    if rule.relative:
        percent = (Decimal(repr(float(rule.value))) * 100).normalize()
        return f"tolerance:{percent:f}%"
    return f"{rule.kind}:{_number_text(rule.value)}"


def _number(text: str) -> int | float:
    """An int when the text is a whole number without a point, else a finite float."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)  # ValueError for what is no number at all
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"'{text}' is not a number of 0 or more")
    return value


def _count(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def _number_text(value: float | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _truth(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "true()", "1"):
        return True
    return False if lowered in ("no", "false", "false()", "0") else None


def _required(text: str) -> bool:
    value = _truth(text)
    if value is None:
        raise ValueError(
            f"required must be yes or no, not '{text}' (survey cannot make a question"
            " required only under a condition)"
        )
    return value


def _special(text: str) -> tuple[bool, bool, bool]:
    """Parse a `special` cell into (dont_know, refused, offer_special)."""
    tokens = set(text.replace(",", " ").lower().split())
    answers = tokens - {"hidden"}
    if answers - {"dk", "rf", "none"} or ("none" in answers and len(answers) > 1):
        raise ValueError(
            f"special must be dk, rf, 'dk rf' or none, maybe with hidden; not '{text}'"
        )
    offer = "hidden" not in tokens
    if not answers:
        return True, True, offer
    return "dk" in answers, "rf" in answers, offer


def _special_text(question: Question) -> str | None:
    allowed = [code for code, ok in (("dk", question.dont_know), ("rf", question.refused)) if ok]
    tokens = [] if len(allowed) == 2 else allowed or ["none"]
    return " ".join(tokens + ([] if question.offer_special else ["hidden"])) or None


def _bound(qtype: str, text: str) -> float | str:
    if qtype == "date":
        return text.removesuffix(" 00:00:00")  # a date typed into Excel reads back with a time
    return _number(text)


# ---------------------------------------------------------------------------- reading

# survey's own columns (not XLSForm): the compare rule, the mirror and the answer checks
EXTENSION_COLUMNS = (
    "compare", "mirror", "special", "min", "max", "pattern", "min_length", "max_length",
)  # fmt: skip
_SHEETS: dict[str, tuple[Mapping[str, Any], frozenset[str]]] = {
    "survey": (aliases.survey_header,
               frozenset(MultipleChoiceQuestion.get_slot_names()) | set(EXTENSION_COLUMNS)),
    "choices": (aliases.list_header,
                frozenset(PyxformOption.get_slot_names()) | {constants.LIST_NAME_S}),
    "settings": (aliases.settings_header,
                 frozenset(Survey.get_slot_names()) | {"introduction", "closing"}),
}  # fmt: skip
# Columns of text per language. In settings only suffixed columns are: `label::<language>`
# translates the title (as ODK forms write it); a bare settings column fills every language.
_TRANSLATABLE = {
    "survey": {("label",), ("hint",), ("bind", "jr:constraintMsg")},
    "choices": {("label",)},
    "settings": {("label",), ("introduction",), ("closing",)},
}
_EXPRESSIONS = {("bind", "relevant"), ("bind", "constraint")}
_MESSAGE = ("bind", "jr:constraintMsg")  # constraint_message, as pyxform de-aliases it
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


def _read_book(path: Path, source: str) -> DefinitionData:
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = Problem(source, None, f"cannot read the file: {error.strerror} (check the path)")
        raise QuestionnaireError([problem]) from error
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
    return cells


def _translatable(sheet: str, tokens: Tokens) -> tuple[Tokens, str | None] | None:
    """(field, language suffix or None when bare) for a column of text, else None."""
    fields = _TRANSLATABLE[sheet]
    if tokens in fields and sheet != "settings":
        return tokens, None
    if len(tokens) > 1 and tokens[:-1] in fields:
        return tokens[:-1], tokens[-1]
    return None


class _Import:
    """One workbook being turned into a questionnaire; every problem is collected."""

    def __init__(self, book: DefinitionData, source: str, stem: str):
        self.source, self.stem, self.problems = source, stem, []
        self.survey = self._sheet(book, "survey")
        self.choices = self._sheet(book, "choices")
        self.settings_sheet = self._sheet(book, "settings")
        self.settings = next((cells for _, cells in self.settings_sheet.rows if cells), {})
        self.default_tag = language_tag(self.settings.get(("default_language",), "")) or "en"
        self.columns: dict[tuple[str, Tokens], _Column] = {}
        self.languages: list[str] = []  # in the order of their first column
        self.lists: dict[str, list[Option]] = {}
        self.names: dict[str, int] = {}  # question name → its row
        self.drafts: list[_Draft] = []
        self.stack: list[_Open] = []
        self.current: _Draft | None = None

    def problem(self, line: int | None, message: str) -> None:
        """Note one problem at a row of the sheet the message names (the survey sheet if none)."""
        self.problems.append(Problem(self.source, line, message))

    def _sheet(self, book: DefinitionData, name: str) -> _Sheet:
        data = getattr(book, name) or []
        header_rows = getattr(book, f"{name}_header") or []
        headers = list(header_rows[0]) if header_rows else list({k: 0 for r in data for k in r})
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
        sheet.rows = [(n, _cells(row, tokens_of)) for n, row in enumerate(data, start=2)]
        return sheet

    def run(self) -> Questionnaire | None:
        """Build the questionnaire; None when there were problems."""
        if not self._has_columns():
            return None
        self._map_languages()
        self._read_choices()
        for line, cells in self.survey.rows:
            self._row(line, cells)
        for opened in self.stack:
            self.problem(opened.line, f"the 'begin {opened.what}' of this row is never ended")
        return self._questionnaire()

    def _has_columns(self) -> bool:
        if not self.survey.headers:
            self.problem(None, "the workbook has no 'survey' sheet")
            return False
        for column in ("type", "name"):
            if (column,) not in self.survey.headers:
                self.problem(1, f"the survey sheet has no '{column}' column")
        return not self.problems

    # ------------------------------------------------------------ languages and choices

    def _map_languages(self) -> None:
        for sheet in (self.survey, self.choices, self.settings_sheet):
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

    def _read_choices(self) -> None:
        for line, cells in self.choices.rows:
            list_name, code = cells.get((constants.LIST_NAME_S,)), cells.get(("name",))
            if not (list_name or code):
                continue  # an empty row, or one with only columns survey does not read
            if not (list_name and code):
                self.problem(line, "choices sheet: the row needs both a list_name and a name")
                continue
            options = self.lists.setdefault(list_name, [])
            if any(option.code == code for option in options):
                self.problem(
                    line,
                    f"choices sheet: the list '{list_name}' has the name '{code}' more than once",
                )
            options.append(Option(code, self.texts("choices", cells, ("label",)), line))

    # ------------------------------------------------------------ survey rows

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
        label, hint = (self.texts("survey", cells, (column,)) for column in ("label", "hint"))
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
            name = _free_name(f"note_{line}", set(self.names))  # pyxform names them too
        if not name:
            self.problem(line, f"the '{type_text}' row has no name")
            return
        if self.current is None:
            self.current = _Draft(None, {})
            self.drafts.append(self.current)
        self.current.questions.append(self._question(line, name, kind, cells))

    def _question(self, line: int, name: str, kind: _Kind, cells: Cells) -> Question:
        self._claim(line, name)
        if cells.get(("choice_filter",)):
            self.problem(
                line,
                f"question '{name}' has a choice_filter, which survey cannot"
                " apply (make one question per case instead)",
            )
        qtype, options = self._shape(line, name, kind, cells)
        label, hint, message = (
            self.texts("survey", cells, fld) for fld in (("label",), ("hint",), _MESSAGE)
        )
        relevant = _all_of(
            [*(opened.relevant for opened in self.stack), cells.get(("bind", "relevant"))]
        )
        return Question(
            key=name,
            type=qtype,
            text=label,
            help=hint,
            options=options,
            relevant=relevant,
            constraint=cells.get(("bind", "constraint")),
            constraint_message=message,
            mirror=cells.get(("mirror",)),
            line=line,
            **self._columns(line, name, qtype, cells),
        )

    def _claim(self, line: int, name: str) -> None:
        if name in self.names:
            self.problem(
                line,
                f"the name '{name}' is already used at row {self.names[name]}"
                " (question names must be unique in the whole form)",
            )
        self.names.setdefault(name, line)

    def _shape(self, line: int, name: str, kind: _Kind, cells: Cells):
        """The question's type and options, from the row's type, appearance and choice list."""
        appearance = cells.get(("control", "appearance"), "").split()
        looks = [ours for (base, look), ours in _BY_APPEARANCE.items() if base == kind.qtype]
        qtype = next((ours for ours in looks if _APPEARANCES[ours] in appearance), kind.qtype)
        if kind.list_name is None:
            return qtype, ()
        options = self.lists.get(kind.list_name)
        if options is None:
            self.problem(
                line,
                f"question '{name}' uses the choice list '{kind.list_name}',"
                " which the choices sheet does not have",
            )
            return qtype, ()
        if qtype == "single" and sorted(o.code for o in options) == sorted(YESNO_CODES):
            return "yesno", ()  # yesno has fixed codes; the service brings their labels
        return qtype, tuple(options)

    def _columns(self, line: int, name: str, qtype: str, cells: Cells) -> dict[str, Any]:
        """The question's fields from `required` and from survey's own columns."""

        def parsed(column: str | Tokens, parse: Callable[[str], Any]) -> Any:
            text = cells.get(column if isinstance(column, tuple) else (column,))
            return None if text is None else self._parse(line, name, text, parse)

        dont_know, refused, offer = parsed("special", _special) or (True, True, True)
        return {
            "required": bool(parsed(("bind", "required"), _required)),
            "compare": self._compare(line, name, qtype, parsed("compare", compare_from_text)),
            "min": parsed("min", lambda text: _bound(qtype, text)),
            "max": parsed("max", lambda text: _bound(qtype, text)),
            "pattern": cells.get(("pattern",)),
            "min_length": parsed("min_length", _count),
            "max_length": parsed("max_length", _count),
            "dont_know": dont_know,
            "refused": refused,
            "offer_special": offer,
        }

    def _parse(self, line: int, name: str, text: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            self.problem(line, f"question '{name}': {error}")
            return None

    def _compare(self, line: int, name: str, qtype: str, rule: CompareRule | None):
        if qtype != "note":
            return rule or CompareRule(DEFAULT_RULES[qtype])
        if rule is not None:
            self.problem(
                line,
                f"question '{name}' is a note, which is never compared"
                " (leave its compare cell empty)",
            )
        return None

    # ------------------------------------------------------------ the questionnaire

    def _questionnaire(self) -> Questionnaire | None:
        raw_id = self.settings.get(("id_string",)) or self.stem
        key = _slug(raw_id)
        if not key:
            self.problem(
                None,
                f"settings sheet: the form_id '{raw_id}' gives no usable key"
                " (use letters a-z, digits, '-' and '_')",
            )
        if not self.languages:
            self.problem(1, "the survey sheet has no label with text")
        if self.problems:
            return None
        title = self._settings_text("title", "label", raw_id)
        default = language_tag(self.settings.get(("default_language",), ""))
        return Questionnaire(
            key=key,
            version=self.settings.get(("version",), "1"),
            languages=tuple(self.languages),
            title=title,
            sections=self._sections(title),
            default_language=default if default in self.languages else None,
            introduction=self._settings_text("introduction", "introduction"),
            closing=self._settings_text("closing", "closing"),
            source=self.source,
        )

    def _settings_text(self, plain: str, fld: str, fallback: str | None = None) -> dict[str, str]:
        text = self.settings.get((plain,)) or fallback
        texts = dict.fromkeys(self.languages, text) if text else {}
        return texts | self.texts("settings", self.settings, (fld,))

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


def _all_of(expressions: Iterable[str | None]) -> str | None:
    present = [expression for expression in expressions if expression]
    if len(present) < 2:
        return present[0] if present else None
    return " and ".join(f"({expression})" for expression in present)


def _free_name(wanted: str, taken: Container[str | None]) -> str:
    name = wanted
    while name in taken:
        name += "_"
    return name


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
    importer = _Import(_read_book(path, source), source, path.stem)
    questionnaire = importer.run()
    if questionnaire is None:
        raise QuestionnaireError(importer.problems)
    problems = validate_model(questionnaire, source) if validate else []
    if problems:
        raise QuestionnaireError(problems)
    return questionnaire


# ---------------------------------------------------------------------------- writing

_XLS_TYPES = {
    "single": "select_one", "scale": "select_one", "yesno": "select_one",
    "multi": "select_multiple", "integer": "integer", "number": "decimal", "year": "date",
    "date": "date", "text": "text", "longtext": "text", "note": "note",
}  # fmt: skip
_APPEARANCES = {ours: look for (_, look), ours in _BY_APPEARANCE.items()}
_YES_NO_LABELS = {
    "en": ("Yes", "No"), "zh-Hans": ("是", "否"), "zh-Hant": ("是", "否"), "fr": ("Oui", "Non"),
    "de": ("Ja", "Nein"), "es": ("Sí", "No"), "pt": ("Sim", "Não"),
}  # fmt: skip
_TEXT_COLUMNS = ("label", "hint", "constraint_message")
_NUMBER_COLUMNS = ("min", "max", "min_length", "max_length")
Row = dict[str, str | None]


def dump_xlsform(q: Questionnaire, path: str | Path) -> None:
    """Write `q` as an .xlsx XLSForm that load_xlsform reads back to the same content hash."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists, choices = _choice_lists(q)
    survey_headers = [
        "type",
        "name",
        *(h for column in _TEXT_COLUMNS for h in _headers(column, q.languages)),
        "required",
        "relevant",
        "constraint",
        "appearance",
        *EXTENSION_COLUMNS,
    ]
    _write(workbook.create_sheet("survey"), survey_headers, _survey_rows(q, lists))
    choice_headers = ["list_name", "name", *_headers("label", q.languages)]
    _write(workbook.create_sheet("choices"), choice_headers, choices)
    settings = _settings_row(q)
    _write(workbook.create_sheet("settings"), list(settings), [settings])
    workbook.save(path)


def _headers(column: str, languages: Iterable[str]) -> list[str]:
    return [f"{column}::{language_header(tag)}" for tag in languages]


def _translated(column: str, text: Mapping[str, str], languages: Iterable[str]) -> Row:
    return {f"{column}::{language_header(tag)}": text[tag] for tag in languages if tag in text}


def _survey_rows(q: Questionnaire, lists: Mapping[str, str]) -> list[Row]:
    rows: list[Row] = []
    for section in q.sections:
        begin = {"type": "begin group", "name": section.key, "relevant": section.relevant}
        begin |= _translated("label", section.title, q.languages)
        rows.append(begin | _translated("hint", section.description, q.languages))
        rows += [_question_row(question, lists, q.languages) for question in section.questions]
        rows.append({"type": "end group"})
    return rows


def _question_row(question: Question, lists: Mapping[str, str], languages: Iterable[str]) -> Row:
    list_name = lists.get(question.key)
    row: Row = {
        "type": _XLS_TYPES[question.type] + (f" {list_name}" if list_name else ""),
        "name": question.key,
        "appearance": _APPEARANCES.get(question.type),
        "required": "yes" if question.required else None,
        "relevant": question.relevant,
        "constraint": question.constraint,
        "mirror": question.mirror,
        "pattern": question.pattern,
        "compare": compare_to_text(question.compare) if question.compare else None,
        "special": _special_text(question),
    }
    row |= {column: _number_text(getattr(question, column)) for column in _NUMBER_COLUMNS}
    texts = (question.text, question.help, question.constraint_message)
    for column, text in zip(_TEXT_COLUMNS, texts, strict=True):
        row |= _translated(column, text, languages)
    return row


def _choice_lists(q: Questionnaire) -> tuple[dict[str, str], list[Row]]:
    """The list name of each choice question (its key), and the choices sheet's rows."""
    yes_no = _free_name("yes_no", {question.key for question in q.questions()})
    lists: dict[str, str] = {}
    rows: list[Row] = []
    for question in q.questions():
        if question.type in CHOICE_TYPES:
            lists[question.key] = question.key
            rows += [
                _option_row(question.key, o.code, o.label, q.languages) for o in question.options
            ]
        elif question.type == "yesno":
            lists[question.key] = yes_no
    if yes_no in lists.values():
        rows += _yes_no_rows(yes_no, q.languages)
    return lists, rows


def _yes_no_rows(list_name: str, languages: tuple[str, ...]) -> list[Row]:
    pairs = {tag: _YES_NO_LABELS.get(tag, _YES_NO_LABELS["en"]) for tag in languages}
    return [
        _option_row(list_name, code, {tag: pair[i] for tag, pair in pairs.items()}, languages)
        for i, code in enumerate(YESNO_CODES)
    ]


def _option_row(
    list_name: str, code: str, label: Mapping[str, str], languages: Iterable[str]
) -> Row:
    return {"list_name": list_name, "name": code, **_translated("label", label, languages)}


def _settings_row(q: Questionnaire) -> Row:
    default = q.default_language
    return {
        "form_title": q.title.get(q.base_language),
        "form_id": q.key,
        "version": q.version,
        "default_language": language_header(default) if default else None,
        **_translated("label", q.title, q.languages),
        **_translated("introduction", q.introduction, q.languages),
        **_translated("closing", q.closing, q.languages),
    }


def _write(sheet: Worksheet, headers: list[str], rows: Iterable[Mapping[str, str | None]]) -> None:
    sheet.append(headers)
    for row_number, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            value = row.get(header)
            if value is not None and value != "":
                cell = sheet.cell(row_number, column, value)
                cell.data_type = "s"  # text stays text: a label starting with '=' is no formula
