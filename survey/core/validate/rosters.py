"""Checks of rosters: their columns, row limits, count expression and roster compare rule.

Rosters inside rosters are not supported: a column is never itself a roster. A column
may be a calculation, computed in each row from that row's earlier columns and the
questions before the roster (`${size}` in it is this row's size).
"""

from __future__ import annotations

from collections.abc import Iterator

from survey.core.questionnaire import Question, Questionnaire
from survey.core.validate.common import IDENTIFIER, Found, suggest
from survey.core.validate.questions import _question
from survey.core.validate.references import _checked_as, _expression


def _rosters(q: Questionnaire) -> Found:
    types = {x.key: _checked_as(x) for x in q.questions()}
    earlier: dict[str, str] = {}
    for question in q.questions():
        where = f"question '{question.key}'"
        if question.type != "roster":
            for name in ("columns", "count"):
                if getattr(question, name):
                    yield (
                        question.line,
                        (
                            f"{name} is not allowed on {question.type} {where} "
                            "(columns and count belong to a roster: type: roster)"
                        ),
                    )
        else:
            yield from ((question.line, m) for m in _shape(question, where))
            yield from _columns(q, question, earlier, types)
            if question.count is not None:
                yield from _expression(
                    question.count, "count", where, question.line, earlier, types
                )
            yield from ((question.line, m) for m in _rule(question, where))
            if question.mirror:
                yield from ((question.line, m) for m in _mirrored(q, question, where))
        earlier[question.key] = types[question.key]


def _shape(question: Question, where: str) -> Iterator[str]:
    if not question.columns:
        yield (
            f"roster {where} has no columns (add columns: the questions asked once per row, "
            "e.g. - {key: year, type: year, text: …})"
        )
    for name in ("min", "max"):
        value = getattr(question, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            or value != int(value)
        ):  # fmt: skip
            yield (
                f"{name} of roster {where} is not a whole number of rows ({value!r}; "
                f"write 0 or more, e.g. {name}: 1)"
            )
    if question.count is not None and question.max is not None:
        yield (
            f"roster {where} has both count and max (count fixes the number of rows; "
            "give one of them)"
        )


def _columns(q: Questionnaire, roster: Question, earlier: dict[str, str], types: dict) -> Found:
    known = dict(earlier)
    seen: dict[str, int | None] = {}
    for column in roster.columns:
        where = f"column '{column.key}' of roster '{roster.key}'"
        if not IDENTIFIER.fullmatch(column.key or ""):
            yield (
                column.line,
                (
                    f"{where} has no valid key "
                    "(use letters, digits and '_', not starting with a digit)"
                ),
            )
        elif column.key in seen:
            yield (
                column.line,
                (
                    f"{where} appears twice in the roster "
                    f"(first at line {seen[column.key] or '?'}; "
                    "column keys must be unique within a roster)"
                ),
            )
        seen.setdefault(column.key, column.line)
        if column.type == "roster":
            yield (
                column.line,
                (
                    f"{where} is a roster: rosters inside rosters are not supported "
                    "(ask it outside the roster)"
                ),
            )
            continue
        if column.mirror is not None:
            yield (
                column.line,
                (
                    f"{where} has a mirror; a column cannot mirror (mirror the whole roster, "
                    "or give the roster rule a mirror: for the column's codes)"
                ),
            )
        yield from _question(q, column)
        column_types = {**types, **{c.key: _checked_as(c) for c in roster.columns}}
        line = column.line
        yield from _expression(column.relevant, "relevant", where, line, known, column_types)
        own = {**known, column.key: column.type}
        yield from _expression(
            column.constraint, "constraint", where, line, own, column_types, column.type
        )
        # a calculation reads its own row's earlier columns and the questions before
        yield from _expression(column.calculation, "calculation", where, line, known, column_types)
        known[column.key] = _checked_as(column)


def _rule(roster: Question, where: str) -> Iterator[str]:
    rule = roster.compare
    if rule is None or rule.kind != "roster":
        return
    keys = [column.key for column in roster.columns]
    if not rule.match:
        yield (
            f"the roster rule of {where} has no match columns "
            "(write e.g. compare: {roster: {match: [year, direction]}})"
        )
    for key in rule.match:
        if key not in keys:
            yield (
                f"the roster rule of {where} matches rows by '{key}', which is not a column "
                f"({suggest(key, keys)}columns: {', '.join(keys)})"
            )
    for key, swaps in rule.swaps().items():
        column = roster.column(key)
        if column is None:
            yield (
                f"the roster rule of {where} mirrors the codes of '{key}', which is not a "
                f"column ({suggest(key, keys)}columns: {', '.join(keys)})"
            )
            continue
        codes = set(column.option_codes)
        for code in sorted(set(swaps) - codes):
            yield (
                f"the roster rule of {where} mirrors the code '{code}' of column '{key}', "
                f"which it does not offer ({', '.join(column.option_codes) or 'no codes'})"
            )
        if any(swaps.get(other) != code for code, other in swaps.items()):
            yield (
                f"the roster rule of {where} mirrors the codes of '{key}' inconsistently "
                "(each code stands for one other code, both ways, e.g. {sent: received})"
            )


def _mirrored(q: Questionnaire, roster: Question, where: str) -> Iterator[str]:
    target = next((x for x in q.questions() if x.key == roster.mirror), None)
    if target is None or target.type != "roster":
        return  # the mirror checks report it
    mine = [(c.key, c.type) for c in roster.columns]
    theirs = [(c.key, c.type) for c in target.columns]
    if mine != theirs:
        yield (
            f"roster {where} and its mirror '{target.key}' have different columns "
            "(mirrored rosters need the same column keys and types, in the same order)"
        )
