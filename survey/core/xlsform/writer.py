"""Writing a questionnaire as an XLSForm workbook that ODK tools and load_xlsform read back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from survey.core.questionnaire import CHOICE_TYPES, YESNO_CODES, Question, Questionnaire
from survey.core.xlsform.book import EXTENSION_COLUMNS
from survey.core.xlsform.cells import _free_name, _number_text, _special_text, compare_to_text
from survey.core.xlsform.kinds import _APPEARANCES
from survey.core.xlsform.languages import language_header

_XLS_TYPES = {
    "single": "select_one", "scale": "select_one", "yesno": "select_one",
    "multi": "select_multiple", "integer": "integer", "number": "decimal", "year": "date",
    "date": "date", "text": "text", "longtext": "text", "note": "note",
    "calculate": "calculate", "time": "time", "datetime": "dateTime", "range": "range",
    "rank": "rank", "acknowledge": "acknowledge", "roster": "begin repeat",
}  # fmt: skip
_YES_NO_LABELS = {
    "en": ("Yes", "No"), "zh-Hans": ("是", "否"), "zh-Hant": ("是", "否"), "fr": ("Oui", "Non"),
    "de": ("Ja", "Nein"), "es": ("Sí", "No"), "pt": ("Sim", "Não"),
}  # fmt: skip
_TEXT_COLUMNS = ("label", "hint", "guidance_hint", "constraint_message", "required_message")
_NUMBER_COLUMNS = ("min", "max", "min_length", "max_length")
Row = dict[str, str | None]
_CHOICE_HEADERS = ("list_name", "name")


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
        "calculation",
        "choice_filter",
        "default",
        "read_only",
        "repeat_count",
        "appearance",
        "parameters",
        *EXTENSION_COLUMNS,
    ]
    _write(workbook.create_sheet("survey"), survey_headers, _survey_rows(q, lists))
    columns = dict.fromkeys(c for row in choices for c in row if c not in _CHOICE_HEADERS)
    extra = [c for c in columns if not c.startswith("label::")]
    choice_headers = ["list_name", "name", *_headers("label", q.languages), *extra]
    _write(workbook.create_sheet("choices"), choice_headers, choices)
    settings = _settings_row(q)
    _write(workbook.create_sheet("settings"), list(settings), [settings])
    workbook.save(path)


def _headers(column: str, languages: Iterable[str]) -> list[str]:
    return [f"{column}::{language_header(tag)}" for tag in languages]


def _translated(column: str, text: Mapping[str, str], languages: Iterable[str]) -> Row:
    return {f"{column}::{language_header(tag)}": text[tag] for tag in languages if tag in text}


def _survey_rows(q: Questionnaire, lists: Mapping[int, str]) -> list[Row]:
    rows: list[Row] = []
    for section in q.sections:
        begin = {"type": "begin group", "name": section.key, "relevant": section.relevant}
        begin |= _translated("label", section.title, q.languages)
        rows.append(begin | _translated("hint", section.description, q.languages))
        for question in section.questions:
            rows.append(_question_row(question, lists, q.languages))
            if question.type == "roster":  # its columns, then the end of its repeat
                rows += [_question_row(column, lists, q.languages) for column in question.columns]
                rows.append({"type": "end repeat"})
        rows.append({"type": "end group"})
    return rows


def _question_row(question: Question, lists: Mapping[int, str], languages: Iterable[str]) -> Row:
    list_name = lists.get(id(question))
    row: Row = {
        "type": _XLS_TYPES[question.type] + (f" {list_name}" if list_name else ""),
        "name": question.key,
        "appearance": "minimal" if question.dropdown else _APPEARANCES.get(question.type),
        "default": question.default,
        "read_only": "yes" if question.read_only else None,
        "required": "yes" if question.required else question.required_if,
        "relevant": question.relevant,
        "constraint": question.constraint,
        "calculation": question.calculation,
        "choice_filter": question.choice_filter,
        "repeat_count": question.count,
        "mirror": question.mirror,
        "pattern": question.pattern,
        "compare": compare_to_text(question.compare) if question.compare else None,
        "special": _special_text(question),
        "identifying": "yes" if question.identifying else None,
    }
    row |= {column: _number_text(getattr(question, column)) for column in _NUMBER_COLUMNS}
    if question.type == "range":  # XLSForm's own way of writing the scale
        ends = (("start", question.min), ("end", question.max), ("step", question.step or 1))
        row |= {"min": None, "max": None}
        row["parameters"] = " ".join(f"{name}={_number_text(value)}" for name, value in ends)
    texts = (
        question.text, question.help, question.guidance, question.constraint_message,
        question.required_message,
    )  # fmt: skip
    for column, text in zip(_TEXT_COLUMNS, texts, strict=True):
        row |= _translated(column, text, languages)
    return row


def _choice_lists(q: Questionnaire) -> tuple[dict[int, str], list[Row]]:
    """The list name of each choice question (its key, by the question's id), and the
    choices sheet's rows."""
    asked = [c for question in q.questions() for c in (question, *question.columns)]
    yes_no = _free_name("yes_no", {question.key for question in asked})
    lists: dict[int, str] = {}
    rows: list[Row] = []
    taken = {yes_no}
    for question in asked:
        if question.type in CHOICE_TYPES:
            # a column may share its key with a question elsewhere: its list is renamed
            name = lists[id(question)] = _free_name(question.key, taken)
            taken.add(name)
            rows += [
                _option_row(name, o.code, o.label, q.languages) | dict(o.columns)
                for o in question.options
            ]
        elif question.type == "yesno":
            lists[id(question)] = yes_no
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
