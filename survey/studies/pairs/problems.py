"""What goes wrong with pairs and members: the messages, the errors and a file's row problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l

from survey.errors import ServiceError
from survey.studies.pairs.columns import COLUMNS

MESSAGES = {
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has a header row but no data rows."),
    "unsupported_type": _l("Unsupported file type %(suffix)s: use .csv or .xlsx."),
    "bad_xlsx": _l("This is not a readable .xlsx workbook."),
    "unpacked_size": _l(
        "This workbook unpacks to %(size)s MB, more than the %(limit)s MB a pairs file may have."
    ),
    "members": _l(
        "This workbook holds %(members)s parts, more than the %(limit)s a workbook may have."
    ),
    "xlsx_named_csv": _l("This is an Excel workbook with a .csv name: upload it as .xlsx."),
    "utf16": _l("This is a UTF-16 text file: save it from Excel as “CSV UTF-8” instead."),
    "not_text": _l("Line %(line)s contains NUL bytes: this is not a CSV text file."),
    "undecodable": _l("Line %(line)s is neither UTF-8 nor GB18030 text: give the file's encoding."),
    "wrong_encoding": _l("Line %(line)s is not valid %(encoding)s text."),
    "unknown_encoding": _l("Unknown encoding %(encoding)s."),
    "bad_csv": _l("The CSV file could not be read: %(error)s"),
    "too_many_rows": _l("The file has more than %(max)s rows."),
    "missing_column": _l("The required column %(column)s is missing."),
    "duplicate_column": _l("The column %(column)s appears twice (also column %(first)s)."),
    "unnamed_cell": _l("Column %(number)s has a value but no name in the header row."),
    "required": _l("This cell must not be empty."),
    "bad_pair_code": _l(
        "%(value)s is not a pair code: use lower-case letters, digits and hyphens, "
        "starting with a letter or digit."
    ),
    "unknown_side": _l("Unknown side %(value)s: this study's sides are %(sides)s."),
    "one_side": _l("Pair %(pair)s has only side %(side)s: add a row for side %(missing)s."),
    "duplicate_side": _l("Side %(side)s of pair %(pair)s is already on row %(first)s."),
    "conflict": _l("%(value)s differs from %(other)s on row %(first)s, the pair's other row."),
    "bad_email": _l("%(value)s is not a valid e-mail address."),
    "bad_language": _l("Unknown language %(value)s: use en, zh-Hans or zh-Hant."),
    "bad_timezone": _l(
        "Unknown time zone %(value)s: use a zone name such as Asia/Shanghai, "
        "Asia/Taipei or America/New_York."
    ),
    "bad_year": _l("%(value)s is not a year between 1000 and 2100."),
    "bad_years_involved": _l("%(value)s is not a whole number of years from 0 to %(max)s."),
    "line_break": _l("Line breaks are not allowed here."),
    "control_char": _l("This cell contains a control character."),
    "too_long": _l("Use at most %(max)s characters."),
    "pairs_file_invalid": _l("The pairs file has %(count)s problems; nothing was imported."),
    "pair_taken": _l("This study already has a pair %(pair)s."),
    "keep_primary": _l(
        "A side needs a primary respondent: make another respondent primary instead."
    ),
    "no_such_user": _l("There is no account with the e-mail %(email)s."),
    "grant_ceiling": _l("You cannot give a role above your own."),
    "above_you": _l("You cannot change a member whose role is above yours."),
    "last_owner": _l("A study needs at least one owner."),
    "not_interviewer": _l("Only members with the interviewer role can be assigned to pairs."),
}


def _message(code: str, params: dict[str, Any]) -> str:
    """The message for `code` in the current language (English outside an app)."""
    template = MESSAGES.get(code)
    if template is None:
        return ServiceError(None, code, **params).message
    text = str(template) if has_app_context() else template._args[0]
    return text % params if params else text


class PairError(ServiceError):
    """A refused pairs or members operation; its messages live in this module."""

    @property
    def message(self) -> str:
        return _message(self.code, self.params)


class ForbiddenError(PairError):
    """The acting member's role does not allow this (views answer 403)."""


@dataclass(frozen=True)
class RowProblem:
    """One problem of a pairs file: row as in the file (header = 1; None: the whole file)."""

    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return _message(self.code, self.params)

    def __str__(self) -> str:
        where = [str(self.row)] if self.row is not None else []
        return ": ".join([*where, *([self.column] if self.column else []), self.message])


class PairsImportError(PairError):
    """The file has problems; `problems` lists every one, and nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]):
        super().__init__(None, "pairs_file_invalid", count=len(problems))
        self.problems = sorted(problems, key=lambda p: (p.row or 0, _column_order(p.column)))


def _column_order(column: str | None) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)
