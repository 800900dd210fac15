"""What every export is made of: variables (name, labels, kind, value labels, role) and rows.

A layout (layouts.py) turns records into a `Dataset`; a writer (writers.py) turns a
dataset into a file. Rows come lazily, one at a time, and hold the *stored* variables
only (those without a `source`). A variable with a `source` is derived from that
variable's value when a format asks for it: the 0/1 column of each option of a multi
question (SPSS, Stata, R) and R's dk/rf companion of an answer. So the CSV path never
computes columns it does not write.

Cells hold the answers as they are stored (docs/questionnaire-format.md), so that a
layout copies them and only the formats that need another form convert them:

    string   str                    code     an option code (str)
    integer  int                    codes    list or tuple of option codes (multi)
    number   int | float            date     "YYYY-MM-DD" (or a datetime.date)
    datetime datetime, aware (UTC)
    time     "HH:MM[:SS]" (a time of day)
    clock    "YYYY-MM-DDTHH:MM[:SS][offset]": a date and time on the wall clock the person
             gave (the offset, when an import gave one, is kept in the text formats only)

None, "" and an empty list mean no answer; in a variable whose `specials` allow them,
the strings "dk" and "rf" (or `Special` members, which equal them) are the special
answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

from survey.core.questionnaire import FALLBACKS, Questionnaire, Special, Text, text_in

KINDS = ("string", "integer", "number", "date", "datetime", "time", "clock", "code", "codes")
# numbers in SPSS, Stata and R (times and clocks too: seconds, or Stata's milliseconds)
NUMERIC_KINDS = frozenset({"integer", "number", "date", "datetime", "time", "clock", "code"})
TEXT_FORMATS = frozenset({"csv", "xlsx", "json"})
STAT_FORMATS = frozenset({"sav", "dta", "rds"})
FORMATS = TEXT_FORMATS | STAT_FORMATS
ROLES = (
    "pair", "attribute", "side", "meta", "answer", "option", "special", "agree",
    "status", "outcome", "followup",
)  # fmt: skip

SPECIAL_CODES = frozenset(Special)  # equal to the stored strings "dk" and "rf"
SPECIAL_LABELS: dict[Special, Text] = {
    Special.DONT_KNOW: {"en": "Don't know", "zh-Hans": "不知道", "zh-Hant": "不知道"},
    Special.REFUSED: {"en": "Refused", "zh-Hans": "不愿回答", "zh-Hant": "不願回答"},
}
AGREE_LABELS: dict[int, Text] = {
    1: {"en": "agree", "zh-Hans": "一致", "zh-Hant": "一致"},
    0: {"en": "disagree", "zh-Hans": "不一致", "zh-Hant": "不一致"},
}
OPTION_LABELS: dict[int, Text] = {
    1: {"en": "selected", "zh-Hans": "选中", "zh-Hant": "選取"},
    0: {"en": "not selected", "zh-Hans": "未选", "zh-Hant": "未選"},
}
FOLLOWUP_LABELS: dict[int, Text] = {
    1: {"en": "from a follow-up round", "zh-Hans": "来自追问轮次", "zh-Hant": "來自追問輪次"},
    0: {"en": "as first answered", "zh-Hans": "最初的回答", "zh-Hant": "最初的回答"},
}
OUTCOME_LABELS: dict[str, Text] = {
    "agree": AGREE_LABELS[1],
    "disagree": AGREE_LABELS[0],
    "missing": {"en": "missing", "zh-Hans": "缺失", "zh-Hant": "缺漏"},
    "skipped": {"en": "skipped", "zh-Hans": "跳过", "zh-Hant": "略過"},
    "review": {"en": "review", "zh-Hans": "待人工核对", "zh-Hant": "待人工核對"},
}
_DIGITS = re.compile(r"[0-9]{1,9}")


class ExportError(Exception):
    """Data that a format cannot hold faithfully; the export is refused, not bent."""

    def __init__(self, message: str, *, variable: str | None = None):
        self.variable = variable
        super().__init__(f"{variable}: {message}" if variable else message)


def text_for(text: Text, language: str) -> str:
    """`text` in `language`, falling back like the questionnaire does, then to any text."""
    found, _ = text_in(text, language, FALLBACKS.get(language, ()))
    return found or next((t for t in text.values() if t), "")


@lru_cache(maxsize=1024)
def code_numbers(codes: tuple[str, ...]) -> dict[str, int]:
    """The numbers option codes get in SPSS, Stata and R (docs/exports.md).

    yes/no → 1/0; codes that are all distinct whole numbers keep their value; otherwise
    the option's position, counting from 1.
    """
    if codes == ("yes", "no"):
        return {"yes": 1, "no": 0}
    if all(_DIGITS.fullmatch(c) for c in codes) and len({int(c) for c in codes}) == len(codes):
        return {c: int(c) for c in codes}
    return {c: i for i, c in enumerate(codes, start=1)}


@dataclass(frozen=True, slots=True)
class Variable:
    """One column: its name (as in CSV), labels per language and how to read its cells."""

    name: str
    label: Text
    kind: str
    value_labels: Mapping[Any, Text] | None = None  # code/int → label per language
    question: str | None = None
    side: str | None = None
    role: str = "answer"
    formats: frozenset[str] = FORMATS  # the formats this variable appears in
    source: str | None = None  # derived variables: the variable they are computed from
    option: str | None = None  # role "option": the option code it flags
    specials: tuple[Special, ...] = ()  # the special answers its cells may hold
    identifying: bool = False  # names a person (de-identified exports drop it)
    ordered: bool = False  # code: the options are ordinal (scale)

    def label_in(self, language: str) -> str:
        return text_for(self.label, language) or self.name

    def numbers(self) -> dict[Any, int]:
        """Value → number in SPSS/Stata/R for labelled values (codes, 0/1 flags)."""
        if not self.value_labels:
            return {}
        if self.kind == "code":
            return code_numbers(tuple(self.value_labels))
        return {value: value for value in self.value_labels}

    @property
    def stat_labelled(self) -> bool:
        """Whether SPSS/Stata give this variable a value-label set."""
        return self.kind in NUMERIC_KINDS and bool(self.value_labels or self.specials)


class Table(NamedTuple):
    """A dataset as one format sees it: every variable has a cell in every row."""

    variables: tuple[Variable, ...]
    rows: Iterable[list[Any]]


@dataclass(frozen=True)
class Dataset:
    """Variables and a lazy, single-use stream of rows of the stored variables' values."""

    variables: tuple[Variable, ...]
    rows: Iterable[Sequence[Any]]
    questionnaire: Questionnaire | None = None
    layout: str | None = None
    withheld: tuple[str, ...] = ()  # what a de-identified export left out (the codebook says)
    # the wide layout's roster files: (roster key, its rows' dataset), exports/roster_files.py
    parts: tuple[tuple[str, Dataset], ...] = ()

    def __post_init__(self) -> None:
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"duplicate variable names: {', '.join(duplicates)}")
        stored = {v.name for v in self.variables if v.source is None}
        for v in self.variables:
            if v.kind not in KINDS or v.role not in ROLES:
                raise ValueError(f"{v.name}: unknown kind {v.kind!r} or role {v.role!r}")
            if v.source is not None and v.source not in stored:
                raise ValueError(f"{v.name}: source {v.source!r} is not a stored variable")

    @property
    def stored(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.source is None)

    def select(self, keep: Callable[[Variable], bool]) -> Dataset:
        """The dataset with only the variables `keep` accepts (derived ones follow their source)."""
        kept_stored = [v.name for v in self.stored if keep(v)]
        wanted = set(kept_stored)
        kept = tuple(v for v in self.variables if keep(v) and (v.source or v.name) in wanted)
        index = {v.name: i for i, v in enumerate(self.stored)}
        positions = [index[name] for name in kept_stored]
        if positions == list(range(len(index))):
            return replace(self, variables=kept)
        return replace(self, variables=kept, rows=_pick(self.rows, positions))

    def table(self, fmt: str | None = None) -> Table:
        """The variables `fmt` writes (all when None), with derived cells computed."""
        chosen = tuple(v for v in self.variables if fmt is None or fmt in v.formats)
        index = {v.name: i for i, v in enumerate(self.stored)}
        plan = [(index[v.source or v.name], _derivation(v)) for v in chosen]
        if [p for p, _ in plan] == list(range(len(index))) and not any(f for _, f in plan):
            return Table(chosen, self.rows)  # type: ignore[arg-type]
        return Table(chosen, _project(self.rows, plan))


def _pick(rows: Iterable[Sequence[Any]], positions: list[int]) -> Iterator[list[Any]]:
    for row in rows:
        yield [row[i] for i in positions]


def _project(
    rows: Iterable[Sequence[Any]], plan: list[tuple[int, Callable[[Any], Any] | None]]
) -> Iterator[list[Any]]:
    for row in rows:
        yield [f(row[i]) if f else row[i] for i, f in plan]


def _derivation(v: Variable) -> Callable[[Any], Any] | None:
    if v.source is None:
        return None
    if v.role == "option":
        return _flag(v.option or "")
    if v.role == "special":
        return _special_only
    raise ValueError(f"{v.name}: no derivation for role {v.role!r}")


def is_special(value: Any) -> bool:
    """Whether a cell holds don't know or refused (only meaningful where `specials` allow)."""
    return isinstance(value, str) and value in SPECIAL_CODES


def _flag(code: str) -> Callable[[Any], Any]:
    """A multi answer → 1/0 for one option; no answer and the special answers carry over."""

    def flag(value: Any) -> Any:
        if not value:
            return None
        if isinstance(value, str):
            return value if value in SPECIAL_CODES else None
        return 1 if code in value else 0

    return flag


def _special_only(value: Any) -> str | None:
    return value if is_special(value) else None
