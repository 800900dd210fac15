"""The comparison engine: two sides' answers to one questionnaire → one outcome per question.

Pure Python, no Flask and no database, so the web layer, the CLI and the benchmarks
share it (docs/comparison.md describes the rules for researchers).

For every question with a compare rule other than `none`, `compare_pair` gives one
`Outcome`, in questionnaire order. Precedence, first match wins:

1. `skipped`: the question (or its section) is not relevant for a side, evaluated with
   that side's own answers;
2. `missing`: a side has no usable answer (blank, don't know, refused) or has not
   answered at all (its answers are None);
3. the rule: `agree` / `disagree`, or `review` for the `review` rule and for a stored
   value that cannot be read as the question's type (a person has to look at it).

A question X with `mirror: Y` is reported twice: under X (side A's answer to X against
side B's answer to Y, X's rule) and under Y (A's Y against B's X, Y's rule). Values are
reported raw, exactly as stored; only the comparison normalises.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from survey.core import expressions
from survey.core.compare_rules import (
    Comparator,
    Verdict,
    _comparator,
    _UnreadableError,
    compare_values,
    normalize_text,
)
from survey.core.questionnaire import CompareRule, Question, Questionnaire

OUTCOMES = ("agree", "disagree", "missing", "skipped", "review")
DECIDED = frozenset({"agree", "disagree"})  # outcomes a rule decided automatically

PairId = TypeVar("PairId")
Answers = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The comparison of one question for one pair."""

    question: str  # reported key; for a mirror pair, the key of the question side A answered
    outcome: str  # one of OUTCOMES
    rule: CompareRule
    value_a: Any  # raw, as stored (never normalised)
    value_b: Any
    key_a: str  # the question whose answer was taken from side A
    key_b: str  # … from side B (differs from key_a for mirrors)
    detail: str  # short English reason, e.g. "difference 2 > tolerance 1"

    @property
    def is_mirrored(self) -> bool:
        return self.key_a != self.key_b


# ---------------------------------------------------------------------------- sides


_ABSENT = object()
_SPECIALS = ("dk", "rf")


def missing_reason(value: Any) -> str | None:
    """Why a stored value is not a usable answer, or None when it is one."""
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return "no answer"
    if isinstance(value, str) and len(value) == 2 and value in _SPECIALS:  # == matches Special
        return "don't know" if value == "dk" else "refused"
    return None


class _View(Mapping[str, Any]):
    """A side's answers as its form saw them: answers to non-relevant questions hidden."""

    __slots__ = ("side",)

    def __init__(self, side: _Side):
        self.side = side

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.side.plan.conditions and self.side.reason(key) is not None:
            return default
        return self.side.answers.get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (key for key in self.side.answers if self.get(key, _ABSENT) is not _ABSENT)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Side:
    """Relevance for one side, worked out lazily and at most once per question."""

    __slots__ = ("answers", "plan", "today", "reasons", "tests", "view")

    def __init__(self, plan: _Plan, answers: Answers, today: date):
        self.plan = plan
        self.answers = answers
        self.today = today
        self.reasons: dict[str, str | None] = {}
        self.tests: dict[str, bool] = {}
        self.view = _View(self)

    def reason(self, key: str) -> str | None:
        """Why `key` is not relevant for this side ("not relevant", …), or None."""
        found = self.reasons.get(key, _ABSENT)
        if found is not _ABSENT:
            return found
        self.reasons[key] = None  # provisional: a reference cycle cannot recurse forever
        for why, expr in self.plan.conditions.get(key, ()):
            if not self._holds(expr):
                self.reasons[key] = why
                return why
        return None

    def _holds(self, expr: expressions.Expression) -> bool:
        held = self.tests.get(expr.source)
        if held is None:
            # XLSForm: a non-relevant question reads as blank in later expressions.
            answers = self.answers if expr.source in self.plan.direct else self.view
            held = self.tests[expr.source] = expr.test(answers, today=self.today)
        return held


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True, slots=True)
class _Item:
    """One reported comparison: which answers meet, under which rule."""

    question: Question  # the reported question
    rule: CompareRule  # its rule
    key_a: str
    key_b: str
    compare: Comparator
    conditional_a: bool  # whether key_a has a relevance condition (its own or its section's)
    conditional_b: bool


class _Plan:
    """A questionnaire compiled once: comparators, relevance conditions, expressions parsed."""

    def __init__(self, q: Questionnaire):
        # key -> ((reason, expression), …): the section's condition first, then the question's.
        self.conditions: dict[str, tuple[tuple[str, expressions.Expression], ...]] = {}
        for section in q.sections:
            for question in section.questions:
                found = _conditions(section.key, section.relevant, question.relevant)
                if found:
                    self.conditions[question.key] = found
        keys = {question.key for question in q.questions()}
        conditional = set(self.conditions)
        self.items = [
            _item(question, keys, conditional) for question in q.questions() if question.is_compared
        ]
        # Expressions that name no conditional question read the raw answers directly.
        self.direct = {
            expr.source
            for found in self.conditions.values()
            for _, expr in found
            if not expr.references & self.conditions.keys()
        }

    def run(
        self, answers_a: Answers | None, answers_b: Answers | None, today: date
    ) -> list[Outcome]:
        side_a = None if answers_a is None else _Side(self, answers_a, today)
        side_b = None if answers_b is None else _Side(self, answers_b, today)
        return [_outcome(item, side_a, side_b) for item in self.items]


def _item(question: Question, keys: set[str], conditional: set[str]) -> _Item:
    rule = question.compare
    assert rule is not None  # is_compared
    other = question.mirror or question.key
    if other not in keys:
        raise ValueError(f"question {question.key!r} mirrors {other!r}, which does not exist")
    compare = _comparator(question, rule)
    return _Item(
        question,
        rule,
        question.key,
        other,
        compare,
        question.key in conditional,
        other in conditional,
    )


def _conditions(
    section: str, section_relevant: str | None, relevant: str | None
) -> tuple[tuple[str, expressions.Expression], ...]:
    found = []
    if section_relevant:
        found.append((f"section '{section}' not relevant", expressions.parse(section_relevant)))
    if relevant:
        found.append(("not relevant", expressions.parse(relevant)))
    return tuple(found)


def _outcome(item: _Item, side_a: _Side | None, side_b: _Side | None) -> Outcome:
    value_a = value_b = None
    skip_a = skip_b = None
    if side_a is not None:
        value_a = side_a.answers.get(item.key_a)
        if item.conditional_a:
            skip_a = side_a.reason(item.key_a)
    if side_b is not None:
        value_b = side_b.answers.get(item.key_b)
        if item.conditional_b:
            skip_b = side_b.reason(item.key_b)
    if skip_a or skip_b:
        kind, detail = "skipped", _sides(skip_a, skip_b)
    else:
        gap_a = "no response" if side_a is None else missing_reason(value_a)
        gap_b = "no response" if side_b is None else missing_reason(value_b)
        if gap_a or gap_b:
            kind, detail = "missing", _sides(gap_a, gap_b)
        else:
            try:
                kind, detail = item.compare(item.question, item.rule, value_a, value_b)
            except _UnreadableError as error:
                kind, detail = "review", str(error)
    return Outcome(
        item.question.key, kind, item.rule, value_a, value_b, item.key_a, item.key_b, detail
    )


def _sides(reason_a: str | None, reason_b: str | None) -> str:
    parts = [f"side {side}: {why}" for side, why in (("A", reason_a), ("B", reason_b)) if why]
    return "; ".join(parts)


_PLANS: OrderedDict[int, tuple[Questionnaire, _Plan]] = OrderedDict()
_PLANS_KEPT = 16
_PLANS_LOCK = threading.Lock()


def _plan(q: Questionnaire) -> _Plan:
    """The compiled plan of `q`, cached by identity (the model is immutable)."""
    with _PLANS_LOCK:
        entry = _PLANS.get(id(q))
        if entry is not None and entry[0] is q:
            _PLANS.move_to_end(id(q))
            return entry[1]
    plan = _Plan(q)
    with _PLANS_LOCK:
        _PLANS[id(q)] = (q, plan)  # holding q keeps its id from being reused
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan


# ---------------------------------------------------------------------------- entry points


def compare_pair(
    q: Questionnaire,
    answers_a: Answers | None,
    answers_b: Answers | None,
    *,
    today: date | None = None,
) -> list[Outcome]:
    """One Outcome per compared question (mirrors: one per direction), in questionnaire order."""
    return _plan(q).run(answers_a, answers_b, today or date.today())


def compare_round(
    q: Questionnaire,
    pairs: Iterable[tuple[PairId, Answers | None, Answers | None]],
    *,
    today: date | None = None,
) -> Iterator[tuple[PairId, list[Outcome]]]:
    """compare_pair over many pairs, compiling the questionnaire once and fixing today once."""
    plan = _plan(q)
    today = today or date.today()
    for pair_id, answers_a, answers_b in pairs:
        yield pair_id, plan.run(answers_a, answers_b, today)


__all__ = [
    "DECIDED",
    "OUTCOMES",
    "Outcome",
    "Verdict",
    "compare_pair",
    "compare_round",
    "compare_values",
    "missing_reason",
    "normalize_text",
]
