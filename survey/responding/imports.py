"""`survey responses import`: answers from telephone, e-mail or paper interviews.

Long format, one row per answer: pair, side, question, value (+ optional mode and
explanation: what the answer is based on). Multi answers are codes joined by `;`; `dk`
and `rf` are the special answers. Into a follow-up round, each pair's rows answer only
the questions that round asks it, and those are all that a side must answer.
Every row is checked against the round's pinned questionnaire version before
anything is written; one bad row refuses the whole file, with every problem listed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.core.archives import ArchiveTooLargeError, check_archive
from survey.core.questionnaire import Questionnaire
from survey.core.relevance import problems
from survey.core.types import AnswerError, type_of
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import followup_answers
from survey.responding import services as answers
from survey.rounds import services as rounds
from survey.rounds.models import MODES, Invitation, Round
from survey.studies.models import Study

REQUIRED = ("pair", "side", "question", "value")
COLUMNS = (*REQUIRED, "mode", "explanation")


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str


class ResponsesImportError(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems")


@dataclass
class ImportReport:
    sides: int = 0
    answers: int = 0
    unchanged: int = 0
    modes: dict[str, int] = field(default_factory=dict)


@dataclass
class _Side:
    invitation: Invitation
    first_row: int
    mode: str = "email"
    raw: dict[str, Any] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    asked: list[str] | None = None  # a follow-up round's questions for this pair


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, cells by lower-cased header) from .csv (UTF-8/BOM/GB18030) or .xlsx."""
    if path.suffix.lower() == ".xlsx":
        yield from _xlsx_rows(path)
        return
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ResponsesImportError([RowProblem(1, "", "the file is neither UTF-8 nor GB18030")])
    reader = csv.reader(io.StringIO(text, newline=""))
    yield from _with_header(enumerate(reader, start=1))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        check_archive(path)
    except ArchiveTooLargeError as refused:
        raise ResponsesImportError([RowProblem(1, "", refused.describe())]) from refused
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = (
            [("" if c is None else str(c)) for c in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        )
        yield from _with_header(enumerate(rows, start=1))
    finally:
        book.close()


def _with_header(numbered: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        _, header = next(numbered)
    except StopIteration:
        raise ResponsesImportError([RowProblem(1, "", "the file is empty")]) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [h for h in names if h and h not in COLUMNS]
    if missing or unknown:
        raise ResponsesImportError(
            [
                RowProblem(
                    1,
                    ", ".join(missing or unknown),
                    (
                        f"missing columns: {', '.join(missing)}"
                        if missing
                        else f"unknown columns: {', '.join(unknown)} "
                        f"(expected: {', '.join(COLUMNS)})"
                    ),
                )
            ]
        )
    for number, cells in numbered:
        if any(c.strip() for c in cells):
            yield (
                number,
                {
                    name: (cells[i].strip() if i < len(cells) else "")
                    for i, name in enumerate(names)
                    if name
                },
            )


def import_responses(
    session: Session, round_: Round, path: Path, *, user: User | None = None
) -> ImportReport:
    """Validate the whole file, then store each side's answers and mark it submitted."""
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    if round_.state != "open":
        raise ResponsesImportError(
            [RowProblem(1, "", f"round {round_.slug} is {round_.state}; open it to import answers")]
        )
    found: list[RowProblem] = []
    sides = _collect(session, round_, q, read_rows(path), found)
    _check_sides(q, session, sides, found)
    if found:
        raise ResponsesImportError(sorted(found, key=lambda p: (p.row, p.column)))
    return _write(session, q, sides, user)


def _collect(
    session: Session,
    round_: Round,
    q: Questionnaire,
    rows: Iterator[tuple[int, dict[str, str]]],
    found: list[RowProblem],
) -> dict[int, _Side]:
    rounds.ensure_invitations(session, round_)
    targets = {
        (r.pair.code, r.side.code): r.invitation for r in rounds.invitation_rows(session, round_)
    }
    study = session.get(Study, round_.study_id)
    side_codes = {s.code for s in study.sides} if study else set()
    pair_codes = {p.code for p in rounds.round_pairs(session, round_)}
    sides: dict[int, _Side] = {}
    seen = 0
    for number, cells in rows:
        seen += 1
        target = _target(number, cells, pair_codes, side_codes, targets, found)
        if target is not None:
            if target.id not in sides:
                asked = followup_answers.asked_keys(session, round_.id, target.pair_id)
                sides[target.id] = _Side(target, number, asked=asked)
            _add(number, cells, q, sides[target.id], found)
    if not seen:
        found.append(RowProblem(1, "", "the file has no data rows"))
    return sides


def _target(
    number: int,
    cells: dict[str, str],
    pairs: set[str],
    sides: set[str],
    targets: dict[tuple[str, str], Invitation],
    found: list[RowProblem],
) -> Invitation | None:
    pair, side = cells.get("pair", ""), cells.get("side", "")
    if pair not in pairs:
        found.append(RowProblem(number, "pair", f"pair {pair!r} is not in this round"))
        return None
    if side not in sides:
        found.append(
            RowProblem(
                number,
                "side",
                f"unknown side {side!r} (expected one of: {', '.join(sorted(sides))})",
            )
        )
        return None
    invitation = targets.get((pair, side))
    if invitation is None:
        found.append(RowProblem(number, "side", f"{pair}/{side} has no primary respondent"))
    return invitation


def _add(
    number: int, cells: dict[str, str], q: Questionnaire, side: _Side, found: list[RowProblem]
) -> None:
    key, mode = cells.get("question", ""), cells.get("mode", "") or "email"
    if mode not in MODES:
        found.append(
            RowProblem(
                number, "mode", f"unknown mode {mode!r} (expected one of: {', '.join(MODES)})"
            )
        )
    side.mode = mode
    try:
        question = q.question(key)
    except KeyError:
        found.append(RowProblem(number, "question", f"unknown question {key!r}"))
        return
    if not question.is_answerable:
        found.append(RowProblem(number, "question", f"{key!r} is a note and takes no answer"))
        return
    if side.asked is not None and key not in side.asked:
        found.append(
            RowProblem(
                number,
                "question",
                f"{key!r} is not asked of this pair in this follow-up round "
                f"(it asks: {', '.join(side.asked)})",
            )
        )
        return
    if key in side.rows:
        found.append(
            RowProblem(
                number, "question", f"{key!r} given twice for this side (also row {side.rows[key]})"
            )
        )
        return
    raw = cells.get("value", "")
    value = (
        [v.strip() for v in raw.split(";") if v.strip()]
        if question.type == "multi" and raw not in ("dk", "rf")
        else raw
    )
    try:
        side.parsed[key] = type_of(question).parse(question, value)
    except AnswerError as error:
        found.append(RowProblem(number, "value", f"{key}: {error}"))
    side.raw[key], side.rows[key] = value, number
    if cells.get("explanation"):
        side.explanations[key] = cells["explanation"][: followup_answers.WHY_MAX]


def _checked(q: Questionnaire, side: _Side) -> Questionnaire:
    """What a side's answers are checked and submitted against: a follow-up's asked questions."""
    if side.asked is None:
        return q
    return followup_answers.one_page(q, followup_answers.asked_part(q, side.asked))


def _check_sides(
    q: Questionnaire, session: Session, sides: dict[int, _Side], found: list[RowProblem]
) -> None:
    for side in sides.values():
        stored = answers.answers_of(session, side.invitation)
        merged = stored | {k: v for k, v in side.parsed.items() if v is not None}
        if side.invitation.state == "submitted":
            if any(stored.get(k) != v for k, v in side.parsed.items()):
                found.append(
                    RowProblem(
                        side.first_row,
                        "pair",
                        (
                            "this side was already submitted with other answers; correct them in "
                            "interviewer entry, giving a reason"
                        ),
                    )
                )
            continue
        for key, error in problems(_checked(q, side), merged).items():
            if key in side.rows and key not in side.parsed:
                continue  # its cell's own error is reported; "please answer" would hide it
            row = side.rows.get(key, side.first_row)
            column = "value" if key in side.rows else "question"
            found.append(RowProblem(row, column, f"{key}: {error}"))


def _write(
    session: Session, q: Questionnaire, sides: dict[int, _Side], user: User | None
) -> ImportReport:
    report = ImportReport()
    for side in sides.values():
        if side.invitation.state == "submitted":
            report.unchanged += 1
            continue
        actor = answers.Actor("import", user, mode=side.mode)
        result = answers.record_answers(session, side.invitation, q, side.raw, actor=actor)
        if side.explanations:
            followup_answers.save_explanations(
                session, side.invitation, side.explanations, actor_user_id=user.id if user else None
            )
        answers.submit(session, side.invitation, _checked(q, side), actor=actor)
        report.sides += 1
        report.answers += len(result.saved)
        report.modes[side.mode] = report.modes.get(side.mode, 0) + 1
    return report


def problem_lines(path: str, error: ResponsesImportError) -> list[str]:
    """`FILE:ROW: column: message` lines for the command line."""
    return [
        f"{path}:{p.row}: {p.column}: {p.message}" if p.column else f"{path}:{p.row}: {p.message}"
        for p in error.problems
    ]
