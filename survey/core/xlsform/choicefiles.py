"""Choices from CSV files (`select_one_from_file F.csv`), beside the form or in its .zip.

ODK reads such a file on the device; survey reads it once, at import, and stores its
choices in the version like any choice list, so the content hash covers them (another
CSV gives another hash) and the export writes them back as plain choices. A file is
named by its plain name: it is looked up in the form's folder, or among the members
of the .zip the form came in (`survey questionnaire import forms.zip`).

The file's first row names its columns: `name` (the code) and `label` or
`label::<language>` (a bare `label` fills every language of the form, as ODK shows one
text in all of them); a row's `parameters` cell may name others (`value=id label=title`).
Other columns are kept for a `choice_filter`, as a choices sheet's are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

from survey.core.archives import ArchiveTooLargeError, check_archive
from survey.core.questionnaire import Option, Problem, QuestionnaireError
from survey.core.xlsform.languages import language_tag

MAX_CSV_BYTES = 10 * 1024 * 1024
FORM_SUFFIXES = (".xlsx", ".xls", ".md")
Problem_ = Callable[[str], None]


class FormFiles:
    """The files a form may read: those in its folder, or the members of its .zip."""

    def __init__(self, folder: Path | None, members: Mapping[str, bytes] | None = None):
        self.folder, self.members = folder, members

    def read(self, name: str) -> bytes | None:
        """The bytes of the file `name` (a plain file name), or None when there is none."""
        if not name or PurePosixPath(name).name != name or name in (".", ".."):
            return None  # a path would reach outside the form's folder
        if self.members is not None:
            return self.members.get(name)
        if self.folder is None:
            return None
        path = self.folder / name
        if not path.is_file():
            return None
        return path.read_bytes()


def open_zip(path: Path, source: str) -> tuple[str, bytes, FormFiles]:
    """(the form's name, its bytes, its files) of a .zip holding one form and its CSV files."""

    def refuse(message: str) -> QuestionnaireError:
        return QuestionnaireError([Problem(source, None, message)])

    try:
        data = path.read_bytes()
    except OSError as error:
        raise refuse(f"cannot read the file: {error.strerror} (check the path)") from error
    try:
        check_archive(data)
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {
            PurePosixPath(info.filename).name: info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        }
        forms = sorted(name for name in members if name.lower().endswith(FORM_SUFFIXES))
        if len(forms) != 1:
            what = "no form" if not forms else f"{len(forms)} forms ({', '.join(forms)})"
            raise refuse(f"the .zip holds {what}: it must hold one .xlsx, .xls or .md form")
        files = {
            name: archive.read(info)
            for name, info in members.items()
            if name.lower().endswith(".csv")
        }
        return forms[0], archive.read(members[forms[0]]), FormFiles(None, files)
    except ArchiveTooLargeError as refused:
        raise refuse(refused.describe()) from refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise refuse(f"cannot read the .zip ({error})") from error


def csv_choices(
    file: str,
    data: bytes,
    languages: Iterable[str],
    parameters: str | None,
    problem: Problem_,
) -> list[Option]:
    """The choices of a CSV file; each problem passed to `problem` (naming file and row)."""
    if len(data) > MAX_CSV_BYTES:
        problem(f"'{file}' is larger than {MAX_CSV_BYTES // 1_048_576} MB")
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem(f"'{file}' is not UTF-8 text (save it as CSV UTF-8)")
        return []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        problem(f"'{file}' is empty (its first row names the columns: name, label …)")
        return []
    header = [cell.strip() for cell in rows[0]]
    value, label = _named_columns(parameters)
    labels = _label_columns(header, label, tuple(languages))
    missing = [column for column, found in ((value, value in header), (label, labels)) if not found]
    for column in missing:
        problem(
            f"'{file}' has no '{column}' column (its first row names the columns:"
            f" {', '.join(h for h in header if h) or 'none'})"
        )
    if missing:
        return []
    return _options(file, header, rows[1:], value, labels, problem)


def _named_columns(parameters: str | None) -> tuple[str, str]:
    """The value and label columns: `name` and `label` unless `parameters` names others."""
    named = dict(
        part.split("=", 1) for part in (parameters or "").replace(",", " ").split() if "=" in part
    )
    return named.get("value", "name").strip(), named.get("label", "label").strip()


def _label_columns(header: list[str], label: str, languages: tuple[str, ...]):
    """Column index → the languages it gives a label in."""
    found: dict[int, tuple[str, ...]] = {}
    for index, column in enumerate(header):
        base, _, suffix = column.partition("::")
        if base != label:
            continue
        tag = language_tag(suffix) if suffix else None
        found[index] = (tag,) if tag else languages if not suffix else ()
    return found


def _options(
    file: str,
    header: list[str],
    rows: list[list[str]],
    value: str,
    labels: Mapping[int, tuple[str, ...]],
    problem: Problem_,
) -> list[Option]:
    code_at = header.index(value)
    used = {code_at, *labels}
    seen: dict[str, int] = {}
    options = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # an empty line
        cells = row + [""] * (len(header) - len(row))
        code = cells[code_at].strip()
        if not code:
            problem(f"'{file}' row {number} has no {value}")
            continue
        if code in seen:
            problem(f"'{file}' row {number}: the {value} '{code}' is used at row {seen[code]} too")
            continue
        seen[code] = number
        text: dict[str, str] = {}
        for index in sorted(labels, key=lambda i: "::" in header[i]):  # bare first
            if cells[index].strip():
                text |= dict.fromkeys(labels[index], cells[index].strip())
        columns = {
            header[i]: cells[i].strip()
            for i in range(len(header))
            if i not in used and header[i] and cells[i].strip()
        }
        options.append(Option(code, text, columns=columns))
    return options
