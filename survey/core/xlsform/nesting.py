"""A repeat inside a repeat: a roster of its own, placed after its outer roster, each row
naming the row of the outer roster it belongs to in a first integer column `<outer>_row`
(as ODK Central exports a nested repeat: a table of its own whose rows carry their
parent's key).

survey's rosters are flat, so the link is a plain integer column: required, at least 1,
at most the outer roster's max when it has one. It is not checked against the number of
rows the outer roster has (no expression reads another roster's number of rows). The
inner repeat's repeat_count counts rows per outer row, which one flat roster cannot do:
it is left out with a warning. An expression of the inner repeat that reads a column of
an outer repeat reads a cell of one outer row, which the flat roster cannot tell: it is
refused, or with --skip-unsupported dropped as the rules of skipping.py drop what uses a
row left out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator

from survey.core.loader import DEFAULT_RULES
from survey.core.questionnaire import CompareRule, Question

Note = Callable[[int | None, str], None]
_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
# what a roster or a column reads, named as the dropping rules name it
EXPRESSIONS = (
    ("relevant", "relevant"), ("constraint", "constraint"), ("calculation", "calculation"),
    ("choice_filter", "choice_filter"), ("required_if", "condition of required"),
)  # fmt: skip


def link_key(outer: Question, columns: Iterable[Question]) -> str:
    """`<outer>_row`, or with `_2`, `_3` … when a column of the inner repeat has that name."""
    taken = {column.key for column in columns}
    key, number = f"{outer.key}_row", 2
    while key in taken:
        key, number = f"{outer.key}_row_{number}", number + 1
    return key


def link_column(outer: Question, inner: Question, languages: Iterable[str]) -> Question:
    """The first column of the inner roster: which row of `outer` a row belongs to."""
    fallback = next((text for text in outer.text.values() if text.strip()), outer.key)
    return Question(
        key=link_key(outer, inner.columns),
        type="integer",
        text={tag: f"{outer.text.get(tag, '').strip() or fallback} #" for tag in languages},
        required=True,
        dont_know=False,  # a row number, not something a respondent may not know
        refused=False,
        min=1,
        max=outer.max,
        compare=CompareRule(DEFAULT_RULES["integer"]),
        line=inner.line,
    )


def linked(outer: Question, inner: Question, languages: Iterable[str], note: Note) -> Question:
    """The inner repeat's roster with its link column first, and the warning naming it."""
    link = link_column(outer, inner, languages)
    note(
        inner.line,
        f"'{inner.key}' (row {inner.line}) is a repeat inside the repeat '{outer.key}': it"
        f" becomes the roster '{inner.key}' after it, each row naming its '{outer.key}' row"
        f" in the column '{link.key}'",
    )
    return dataclasses.replace(inner, columns=(link, *inner.columns))


def without_count(inner: Question, outer: str, note: Note) -> Question:
    """The inner roster without its repeat_count (a number of rows per outer row)."""
    if inner.count is None:
        return inner
    note(
        inner.line,
        f"the repeat_count of '{inner.key}' ({inner.count}) is left out: it counts the rows"
        f" of each '{outer}' row, and the roster '{inner.key}' holds the rows of all of them",
    )
    return dataclasses.replace(inner, count=None)


def outer_columns(outer: Question, inner: Question) -> dict[str, tuple[str, int]]:
    """The columns of `outer` an expression of `inner` cannot read: name → (outer, row)."""
    own = {column.key for column in inner.columns}
    return {c.key: (outer.key, c.line or 0) for c in outer.columns if c.key not in own}


def outer_reads(
    inner: Question, outer: dict[str, tuple[str, int]]
) -> Iterator[tuple[Question, str, str]]:
    """(the roster or column, what expression, the outer column) for every expression of
    the inner roster that reads a column of an outer repeat."""
    for question in (inner, *inner.columns):
        for field, what in EXPRESSIONS:
            for name in dict.fromkeys(_REFERENCE.findall(getattr(question, field) or "")):
                if name in outer:
                    yield question, what, name


def refusal(inner: Question, question: Question, what: str, name: str, outer: str, row: int):
    """Why an expression of the inner roster that reads a column of an outer repeat is refused."""
    whose = f"'{question.key}'" if question is inner else f"'{question.key}' in '{inner.key}'"
    return (
        f"the {what} of {whose} reads ${{{name}}} (row {row}), a column of the outer repeat"
        f" '{outer}': survey cannot evaluate it, because the roster '{inner.key}' is apart"
        f" from the rows of '{outer}'"
    )
