"""The four export layouts over a stream of pair records (docs/exports.md).

The database layer loads one round as `PairRecord`s, each with its two `SideRecord`s in
the study's side order; a layout turns that stream into a `Dataset` whose rows are
produced lazily, one at a time, so memory stays flat however many pairs there are.

- wide: one row per pair;
- long: one row per pair and answerable question, with the comparison outcome;
- pairwise: two rows per pair, each side once as the actor and once as the partner;
- respondent: one row per side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from survey.core.questionnaire import Question, Questionnaire, Special, Text
from survey.core.types import TYPES, format_number
from survey.core.types.base import FIXED_LABELS
from survey.exports.dataset import (
    AGREE_LABELS,
    FOLLOWUP_LABELS,
    OPTION_LABELS,
    OUTCOME_LABELS,
    SPECIAL_LABELS,
    STAT_FORMATS,
    Dataset,
    ExportError,
    Variable,
    text_for,
)
from survey.exports.fixed import FIXED, RESPONDENT_FIELDS, SIDE_FIELDS


@dataclass(frozen=True, slots=True)
class SideRecord:
    """One side of a pair in a round: place, respondent, invitation and answers."""

    side: str
    place_en: str
    place_zh: str
    region: str
    organization: str
    respondent: str
    email: str
    language: str | None
    mode: str | None
    state: str | None
    submitted_at: datetime | None  # aware, UTC
    answers: Mapping[str, Any] | None  # question key → stored value; None: not answered
    followup: Mapping[str, str] = dataclasses.field(
        default_factory=dict
    )  # key → follow-up round's slug
    explanations: Mapping[str, str] = dataclasses.field(
        default_factory=dict
    )  # key → what it is based on
    last_disposition: str | None = None  # AAPOR code of the case (fieldwork.dispositions)
    attempts: int | None = None  # contact attempts logged


@dataclass(frozen=True, slots=True)
class PairRecord:
    """One pair in a round: both sides (in the study's side order) and the outcomes."""

    code: str
    kind: str
    established: int | None
    attributes: Mapping[str, Any]
    sides: tuple[SideRecord, SideRecord]
    outcomes: Mapping[str, tuple[str, str | None]]  # key → (outcome, discrepancy status)


# How the exports encode each question type's answers (core.types).
KIND_OF_TYPE = {name: t.export_kind for name, t in TYPES.items() if t.export_kind}
AGREE_VALUES = {"agree": 1, "disagree": 0}

SideLabels = Mapping[str, Text] | None


# ---------------------------------------------------------------------------- layouts


def wide(
    q: Questionnaire,
    side_codes: Sequence[str],
    records: Iterable[PairRecord],
    *,
    include_status: bool = False,
    attributes: Sequence[str] = (),
    side_labels: SideLabels = None,
    followup: bool = False,
) -> Dataset:
    """One row per pair: pair columns, each side's columns, then per question each side's
    answer, `<key>_agree` for compared questions and optionally `<key>_status`; with
    `followup` (final values), `<key>_followup`: 1 where a side's value came from a
    follow-up round, else 0."""
    cols = _Columns(q.languages)
    _pair_columns(cols, attributes, with_kind=True)
    for side in side_codes:
        for field in SIDE_FIELDS:
            label = _tagged(cols, FIXED[field], side, side_labels)
            kind = "datetime" if field == "submitted_at" else "string"
            cols.add(f"{field}_{side}", label, kind, role="side", side=side,
                     identifying=field == "respondent")  # fmt: skip
    questions = list(_answerable(q))
    compared = [question.key for question in questions if question.is_compared]
    # A row is gathered side by side (all of side A's answers, then side B's, then the
    # agreement flags, then the statuses) and put in column order by one itemgetter.
    head = len(cols.variables)
    count, flags = len(questions), len(compared)
    order = list(range(head))
    for number, question in enumerate(questions):
        for index, side in enumerate(side_codes):
            prefix = _side_prefix(cols, side, side_labels)
            _answer_columns(cols, question, f"_{side}", prefix, side)
            order.append(head + index * count + number)
        if question.is_compared:
            flag = compared.index(question.key)
            cols.add(
                f"{question.key}_agree",
                _prefixed(cols, FIXED["agree"], question.text),
                "integer",
                value_labels=AGREE_LABELS,
                question=question.key,
                role="agree",
            )
            order.append(head + len(side_codes) * count + flag)
            if include_status:
                cols.add(f"{question.key}_status",
                         _prefixed(cols, FIXED["status_of"], question.text), "string",
                         question=question.key, role="status")  # fmt: skip
                order.append(head + len(side_codes) * count + flags + flag)
        if followup:
            label = _prefixed(cols, FIXED["followup_of"], question.text)
            flagged = {"value_labels": FOLLOWUP_LABELS, "question": question.key}
            cols.add(f"{question.key}_followup", label, "integer", role="followup", **flagged)
            tail = head + len(side_codes) * count + flags * (2 if include_status else 1)
            order.append(tail + number)
    keys = [question.key for question in questions]
    rows = _wide_rows(
        records, tuple(side_codes), attributes, keys, compared, include_status, _getter(order),
        followup,
    )  # fmt: skip
    return Dataset(tuple(cols.variables), rows, q, "wide")


def long(
    q: Questionnaire,
    side_codes: Sequence[str],
    records: Iterable[PairRecord],
    *,
    side_labels: SideLabels = None,
    round_slug: str | None = None,
) -> Dataset:
    """One row per pair and answerable question: each side's answer as text, the outcome,
    the discrepancy status and the compare rule; with `round_slug`, the round the answers
    come from (a follow-up's where a side's value is its) and what they are based on."""
    cols = _Columns(q.languages)
    cols.add("pair", FIXED["pair"], "string", role="pair")
    cols.add("question", FIXED["question"], "string", role="meta")
    for side in side_codes:
        label = _tagged(cols, FIXED["value"], side, side_labels)
        cols.add(f"value_{side}", label, "string", side=side, specials=tuple(Special))
    cols.add("outcome", FIXED["outcome"], "code", value_labels=OUTCOME_LABELS, role="outcome")
    cols.add("status", FIXED["status"], "string", role="status")
    cols.add("rule", FIXED["rule"], "string", role="meta")
    if round_slug is not None:
        cols.add("round", FIXED["round"], "string", role="meta")
        cols.add("explanation", FIXED["explanation"], "string", role="meta")
    plan = [(question.key, rule_text(question)) for question in _answerable(q)]
    rows = _long_rows(records, tuple(side_codes), plan, round_slug)
    return Dataset(tuple(cols.variables), rows, q, "long")


def pairwise(
    q: Questionnaire,
    side_codes: Sequence[str],
    records: Iterable[PairRecord],
    *,
    side_labels: SideLabels = None,
) -> Dataset:
    """Two rows per pair, one per side as the actor: `<key>` is the actor's answer and
    `<key>_partner` the other side's answer to the same question."""
    cols = _Columns(q.languages)
    cols.add("pair", FIXED["pair"], "string", role="pair")
    _side_column(cols, "actor", side_codes, side_labels)
    _side_column(cols, "partner", side_codes, side_labels)
    questions = list(_answerable(q))
    order = [0, 1, 2]
    for number, question in enumerate(questions):
        _answer_columns(cols, question, "", {}, None)
        _answer_columns(cols, question, "_partner", FIXED["partner_of"], None)
        order += [3 + number, 3 + len(questions) + number]
    keys = [question.key for question in questions]
    rows = _pairwise_rows(records, tuple(side_codes), keys, _getter(order))
    return Dataset(tuple(cols.variables), rows, q, "pairwise")


def respondent(
    q: Questionnaire,
    side_codes: Sequence[str],
    records: Iterable[PairRecord],
    *,
    attributes: Sequence[str] = (),
    side_labels: SideLabels = None,
) -> Dataset:
    """One row per side of each pair: who answered, how and when, then `<key>` per question."""
    cols = _Columns(q.languages)
    _pair_columns(cols, attributes, with_kind=False)
    _side_column(cols, "side", side_codes, side_labels)
    for field in RESPONDENT_FIELDS:
        kind = {"submitted_at": "datetime", "attempts": "integer"}.get(field, "string")
        cols.add(field, FIXED[field], kind, role="side", identifying=field == "respondent")
    keys = []
    for question in _answerable(q):
        _answer_columns(cols, question, "", {}, None)
        keys.append(question.key)
    rows = _respondent_rows(records, tuple(side_codes), attributes, keys)
    return Dataset(tuple(cols.variables), rows, q, "respondent")


LAYOUTS: dict[str, Callable[..., Dataset]] = {
    "wide": wide, "long": long, "pairwise": pairwise, "respondent": respondent,
}  # fmt: skip


# ---------------------------------------------------------------------------- rows

_EMPTY: Mapping[str, Any] = {}
_NO_OUTCOME = (None, None)


def _getter(order: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    pick = itemgetter(*order)
    return pick if len(order) > 1 else lambda row: (pick(row),)


def _wide_rows(
    records: Iterable[PairRecord],
    side_codes: tuple[str, ...],
    attributes: Sequence[str],
    keys: list[str],
    compared: list[str],
    include_status: bool,
    arrange: Callable[[list[Any]], tuple[Any, ...]],
    followup: bool = False,
) -> Iterator[tuple[Any, ...]]:
    agree = AGREE_VALUES.get
    for record in records:
        sides = _sides(record, side_codes)
        row: list[Any] = [record.code, record.kind, record.established]
        row += [_attribute(record, name) for name in attributes]
        for s in sides:
            row += [s.place_en, s.place_zh, s.organization, s.respondent, s.mode, s.submitted_at]
        for s in sides:
            row += map((s.answers or _EMPTY).get, keys)
        outcomes = list(map(record.outcomes.get, compared))
        row += [agree(o[0]) if o else None for o in outcomes]
        if include_status:
            row += [o[1] if o else None for o in outcomes]
        if followup:
            row += [int(any(key in s.followup for s in sides)) for key in keys]
        yield arrange(row)


def _long_rows(
    records: Iterable[PairRecord],
    side_codes: tuple[str, ...],
    plan: list[tuple[str, str]],
    round_slug: str | None = None,
) -> Iterator[list[Any]]:
    for record in records:
        sides = _sides(record, side_codes)
        answers = [s.answers or _EMPTY for s in sides]
        for key, rule in plan:
            outcome, status = record.outcomes.get(key, _NO_OUTCOME)
            values = [answer_text(a.get(key)) for a in answers]
            row = [record.code, key, *values, outcome, status, rule]
            if round_slug is not None:
                later = [s.followup[key] for s in sides if key in s.followup]
                told = [f"{s.side}: {s.explanations[key]}" for s in sides if key in s.explanations]
                row += [later[-1] if later else round_slug, "; ".join(told) or None]
            yield row


def _pairwise_rows(
    records: Iterable[PairRecord],
    side_codes: tuple[str, ...],
    keys: list[str],
    arrange: Callable[[list[Any]], tuple[Any, ...]],
) -> Iterator[tuple[Any, ...]]:
    for record in records:
        sides = _sides(record, side_codes)
        values = [list(map((s.answers or _EMPTY).get, keys)) for s in sides]
        for actor, partner in ((0, 1), (1, 0)):
            row = [record.code, sides[actor].side, sides[partner].side]
            yield arrange(row + values[actor] + values[partner])


def _respondent_rows(
    records: Iterable[PairRecord],
    side_codes: tuple[str, ...],
    attributes: Sequence[str],
    keys: list[str],
) -> Iterator[list[Any]]:
    for record in records:
        extra = [_attribute(record, name) for name in attributes]
        for s in _sides(record, side_codes):
            answers = s.answers or _EMPTY
            row = [record.code, *extra, s.side, *(getattr(s, f) for f in RESPONDENT_FIELDS)]
            yield row + list(map(answers.get, keys))


def _sides(record: PairRecord, side_codes: tuple[str, ...]) -> tuple[SideRecord, ...]:
    """The record's sides, checked against the study's side order (never silently swapped)."""
    sides = record.sides
    if tuple(s.side for s in sides) != side_codes:
        found = ", ".join(s.side for s in sides)
        raise ExportError(f"pair {record.code}: sides {found}, expected {', '.join(side_codes)}")
    return sides


def _attribute(record: PairRecord, name: str) -> str | None:
    value = record.attributes.get(name)
    return None if value is None else str(value)


# ---------------------------------------------------------------------------- values


def answer_text(value: Any) -> Any:
    """A stored answer as the responses file writes it: codes joined by ';', numbers
    without '.0' or exponent; dk/rf and None stay as they are."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, list | tuple):
        return ";".join(value) or None
    if isinstance(value, date):
        return value.isoformat()
    return format_number(value)


def rule_text(q: Question) -> str:
    """The compare rule as one line: `tolerance abs=1; mirror delegations_received`."""
    rule = q.compare
    if rule is None:
        return ""
    if rule.kind == "tolerance":
        text = f"tolerance {'rel' if rule.relative else 'abs'}={format_number(rule.value or 0)}"
    elif rule.value is not None:
        text = f"{rule.kind} {format_number(rule.value)}"
    else:  # a roster's rule with the columns that pair the rows
        text = f"roster match={','.join(rule.match)}" if rule.kind == "roster" else rule.kind
    return f"{text}; mirror {q.mirror}" if q.mirror else text


# ---------------------------------------------------------------------------- columns


class _Columns:
    """A layout's variables; a name already taken gets `_2`, `_3`, … (first come, first kept)."""

    def __init__(self, languages: Sequence[str]):
        self.languages = tuple(languages)
        self.variables: list[Variable] = []
        self._names: set[str] = set()

    def add(self, name: str, label: Text, kind: str, **fields: Any) -> str:
        unique, number = name, 2
        while unique in self._names:
            unique, number = f"{name}_{number}", number + 1
        self._names.add(unique)
        label = {lang: text_for(label, lang) for lang in self.languages}
        self.variables.append(Variable(unique, label, kind, **fields))
        return unique


def _answerable(q: Questionnaire) -> Iterator[Question]:
    return (question for question in q.questions() if question.is_answerable)


def _pair_columns(cols: _Columns, attributes: Sequence[str], *, with_kind: bool) -> None:
    cols.add("pair", FIXED["pair"], "string", role="pair")
    if with_kind:
        cols.add("kind", FIXED["kind"], "string", role="pair")
        cols.add("established", FIXED["established"], "integer", role="pair")
    for name in attributes:
        cols.add(name, {"en": name}, "string", role="attribute")


def _side_column(
    cols: _Columns, name: str, side_codes: Sequence[str], side_labels: SideLabels
) -> None:
    """A column holding a side code; with side labels, a coded one (labelled in SPSS,
    Stata and R)."""
    if side_labels:
        labels = {side: side_labels.get(side) or {"en": side} for side in side_codes}
        cols.add(name, FIXED[name], "code", value_labels=labels, role="side")
    else:
        cols.add(name, FIXED[name], "string", role="side")


def _answer_columns(
    cols: _Columns, q: Question, suffix: str, prefix: Text, side: str | None
) -> None:
    """`<key><suffix>`, then for multi one 0/1 `<key>_<option><suffix>` per option (SPSS,
    Stata, R), then R's dk/rf companion `<name>_dkrf`."""
    kind = KIND_OF_TYPE[q.type]
    labels = _option_labels(q) if kind == "code" else None
    common = {"question": q.key, "side": side, "specials": q.specials()}
    label = _prefixed(cols, prefix, q.text)
    name = cols.add(
        f"{q.key}{suffix}", label, kind, value_labels=labels, ordered=q.type == "scale", **common
    )
    if kind == "codes":
        for code, option_label in _option_labels(q).items():
            option_prefix = {lang: f"{text_for(option_label, lang)}: " for lang in cols.languages}
            cols.add(
                f"{q.key}_{code}{suffix}",
                _prefixed(cols, prefix, _prefixed(cols, option_prefix, q.text)),
                "integer",
                value_labels=OPTION_LABELS,
                role="option",
                source=name,
                option=code,
                formats=STAT_FORMATS,
                **common,
            )
    if q.specials():
        cols.add(
            f"{name}_dkrf",
            _prefixed(cols, FIXED["dkrf"], label),
            "code",
            value_labels={str(s): SPECIAL_LABELS[s] for s in q.specials()},
            role="special",
            source=name,
            formats=frozenset({"rds"}),
            **common,
        )


def _option_labels(q: Question) -> dict[str, Text]:
    """Option code → label per language; yesno questions need not list their options."""
    if q.type in FIXED_LABELS:
        fixed = FIXED_LABELS[q.type]
        return {code: o.label if (o := q.option(code)) else fixed[code] for code in q.option_codes}
    return {o.code: o.label for o in q.options}


def _prefixed(cols: _Columns, prefix: Text, text: Text) -> Text:
    return {lang: text_for(prefix, lang) + text_for(text, lang) for lang in cols.languages}


def _side_prefix(cols: _Columns, side: str, side_labels: SideLabels) -> Text:
    label = (side_labels or {}).get(side)
    return {lang: f"[{text_for(label, lang) if label else side}] " for lang in cols.languages}


def _tagged(cols: _Columns, base: Text, side: str, side_labels: SideLabels) -> Text:
    prefix = _side_prefix(cols, side, side_labels)
    return {lang: f"{prefix[lang]}{text_for(base, lang)}" for lang in cols.languages}
