"""The frozen questionnaire model: questionnaire → sections → questions → options.

Everything here is immutable and free of I/O. Loaders (YAML, XLSForm) build it,
`to_dict`/`from_dict` give its canonical JSON form, and `content_hash` is the
SHA-256 of that form, which identifies a stored version.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

TYPES = (
    "single",
    "multi",
    "yesno",
    "scale",
    "integer",
    "number",
    "year",
    "date",
    "time",
    "datetime",
    "range",
    "rank",
    "acknowledge",
    "text",
    "longtext",
    "note",
    "calculate",
    "roster",
)
CHOICE_TYPES = frozenset({"single", "multi", "scale", "rank"})
# The fewest options each takes: one for a select (a consent's "I agree"), two for a scale
# or a ranking.
MIN_OPTIONS = {"single": 1, "multi": 1, "scale": 2, "rank": 2}
NUMERIC_TYPES = frozenset({"integer", "number", "year", "scale", "range"})
RULES = (
    "exact", "set", "overlap", "tolerance", "within_days", "within_minutes", "rank_agreement",
    "roster", "review", "none",
)  # fmt: skip
YESNO_CODES = ("yes", "no")
ACKNOWLEDGE_CODE = "OK"  # what an acknowledge question stores, as ODK stores it


class Special(enum.StrEnum):
    """The two answers every answerable question accepts unless it turns them off."""

    DONT_KNOW = "dk"
    REFUSED = "rf"


Text = Mapping[str, str]  # language tag -> text


@dataclass(frozen=True, slots=True)
class Problem:
    """One error found in a questionnaire source: where it is and what would be right."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line or 0}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire source has problems; nothing from it may be imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class CompareRule:
    """How the two sides' answers to a question are compared (see PRODUCT.md)."""

    kind: str  # one of RULES
    # overlap: Jaccard J; tolerance: abs X or rel R; within_days: D; within_minutes: M;
    # rank_agreement: the least Spearman's rho
    value: float | None = None
    relative: bool = False  # tolerance only: `value` is relative to the larger answer
    # roster only: the columns whose values pair the rows of the two sides, and per column
    # the codes read as their counterpart on the other side (("direction", (("sent",
    # "received"), ("received", "sent"))),): "sent" on one side is "received" on the other.
    match: tuple[str, ...] = ()
    mirror: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def to_dict(self) -> Any:
        if self.kind in ("exact", "set", "review", "none"):
            return self.kind
        if self.kind == "roster":
            body: dict[str, Any] = {"match": list(self.match)}
            if self.mirror:
                body["mirror"] = {column: dict(pairs) for column, pairs in self.mirror}
            return {"roster": body}
        if self.kind == "tolerance":
            return {"tolerance": {("rel" if self.relative else "abs"): self.value}}
        return {self.kind: self.value}

    @classmethod
    def from_dict(cls, data: Any) -> CompareRule:
        if isinstance(data, str):
            return cls(data)
        ((kind, value),) = data.items()
        if kind == "roster":
            return cls.roster(value.get("match", ()), value.get("mirror", {}))
        if kind == "tolerance":
            ((which, amount),) = value.items()
            return cls("tolerance", amount, which == "rel")
        return cls(kind, value)

    @classmethod
    def roster(cls, match: Any, mirror: Mapping[str, Mapping[str, str]]) -> CompareRule:
        """The roster rule in its one form: each mirrored pair of codes both ways, sorted."""
        swaps = []
        for column, pairs in sorted(mirror.items()):
            both = {**{b: a for a, b in pairs.items()}, **pairs}
            swaps.append((column, tuple(sorted(both.items()))))
        return cls("roster", match=tuple(match), mirror=tuple(swaps))

    def swaps(self) -> dict[str, dict[str, str]]:
        """roster: column → {code on one side: the code it stands for on the other}."""
        return {column: dict(pairs) for column, pairs in self.mirror}


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: Text
    line: int | None = field(default=None, compare=False)
    # Further columns a `choice_filter` reads (XLSForm's extra choice columns): name → value
    columns: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "label": dict(self.label)}
        if self.columns:  # absent when none: older hashes stay
            data["columns"] = dict(self.columns)
        return data


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    type: str
    text: Text
    help: Text = field(default_factory=dict)
    guidance: Text = field(default_factory=dict)  # for interviewers (XLSForm's guidance_hint)
    required: bool = False
    required_if: str | None = None  # an expression: required only while it holds
    required_message: Text = field(default_factory=dict)  # instead of "Please answer …"
    options: tuple[Option, ...] = ()
    choice_filter: str | None = None  # which options are offered, given earlier answers
    min: float | str | None = None  # str for dates (ISO)
    max: float | str | None = None
    step: float | None = None  # range: the distance between two values offered
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text = field(default_factory=dict)
    compare: CompareRule | None = None  # None only for notes
    mirror: str | None = None
    dont_know: bool = True
    refused: bool = True
    offer_special: bool = True
    calculation: str | None = None  # calculate: the expression whose value is stored
    default: str | None = None  # shown in the field until an answer is saved (as typed)
    read_only: bool = False  # shown, never answered by the respondent
    dropdown: bool = False  # single: one drop-down instead of a list of buttons
    identifying: bool = False  # free text that may name a person: left out of de-identified data
    # roster: the questions asked once per row (min and max bound the number of rows),
    # and the expression giving the number of rows (XLSForm's repeat_count)
    columns: tuple[Question, ...] = ()
    count: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def is_answerable(self) -> bool:
        return self.type != "note"

    @property
    def is_asked(self) -> bool:
        """Whether a person gives the answer: not a note, a calculation or read-only."""
        return self.type not in ("note", "calculate") and not self.read_only

    @property
    def is_compared(self) -> bool:
        return self.compare is not None and self.compare.kind != "none"

    def column(self, key: str) -> Question | None:
        """roster: the column question named `key`, or None."""
        return next((c for c in self.columns if c.key == key), None)

    @property
    def option_codes(self) -> tuple[str, ...]:
        if self.type == "yesno":
            return YESNO_CODES
        if self.type == "acknowledge":
            return (ACKNOWLEDGE_CODE,)
        return tuple(o.code for o in self.options)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def specials(self) -> tuple[Special, ...]:
        """The special answers this question accepts."""
        allowed = ((Special.DONT_KNOW, self.dont_know), (Special.REFUSED, self.refused))
        return tuple(s for s, ok in allowed if ok and self.is_answerable)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "type": self.type}
        if self.text or self.type != "calculate":  # a calculation needs no text
            data["text"] = dict(self.text)
        optional = {
            "help": dict(self.help) or None,
            "guidance": dict(self.guidance) or None,
            "required": self.required or None,
            "required_if": self.required_if,
            "required_message": dict(self.required_message) or None,
            "options": [o.to_dict() for o in self.options] or None,
            "choice_filter": self.choice_filter,
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "pattern": self.pattern,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "relevant": self.relevant,
            "constraint": self.constraint,
            "constraint_message": dict(self.constraint_message) or None,
            "compare": self.compare.to_dict() if self.compare else None,
            "mirror": self.mirror,
            "dont_know": None if self.dont_know else False,
            "refused": None if self.refused else False,
            "offer_special": None if self.offer_special else False,
            "calculation": self.calculation,
            "default": self.default,
            "read_only": self.read_only or None,
            "dropdown": self.dropdown or None,
            "identifying": self.identifying or None,  # absent when false: older hashes stay
            "columns": [c.to_dict() for c in self.columns] or None,
            "count": self.count,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Question:
        return cls(
            key=d["key"],
            type=d["type"],
            text=dict(d.get("text", {})),
            help=dict(d.get("help", {})),
            guidance=dict(d.get("guidance", {})),
            required=d.get("required", False),
            required_if=d.get("required_if"),
            required_message=dict(d.get("required_message", {})),
            options=tuple(
                Option(o["code"], dict(o["label"]), columns=dict(o.get("columns", {})))
                for o in d.get("options", ())
            ),
            choice_filter=d.get("choice_filter"),
            min=d.get("min"),
            max=d.get("max"),
            step=d.get("step"),
            pattern=d.get("pattern"),
            min_length=d.get("min_length"),
            max_length=d.get("max_length"),
            relevant=d.get("relevant"),
            constraint=d.get("constraint"),
            constraint_message=dict(d.get("constraint_message", {})),
            compare=CompareRule.from_dict(d["compare"]) if "compare" in d else None,
            mirror=d.get("mirror"),
            dont_know=d.get("dont_know", True),
            refused=d.get("refused", True),
            offer_special=d.get("offer_special", True),
            calculation=d.get("calculation"),
            default=d.get("default"),
            read_only=d.get("read_only", False),
            dropdown=d.get("dropdown", False),
            identifying=d.get("identifying", False),
            columns=tuple(Question.from_dict(c) for c in d.get("columns", ())),
            count=d.get("count"),
        )


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: Text
    questions: tuple[Question, ...]
    description: Text = field(default_factory=dict)
    relevant: str | None = None
    line: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "title": dict(self.title)}
        if self.description:
            data["description"] = dict(self.description)
        if self.relevant:
            data["relevant"] = self.relevant
        data["questions"] = [q.to_dict() for q in self.questions]
        return data

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Section:
        return cls(
            key=d["key"],
            title=dict(d["title"]),
            questions=tuple(Question.from_dict(q) for q in d["questions"]),
            description=dict(d.get("description", {})),
            relevant=d.get("relevant"),
        )


@dataclass(frozen=True, slots=True)
class Questionnaire:
    key: str
    version: str
    languages: tuple[str, ...]
    title: Text
    sections: tuple[Section, ...]
    default_language: str | None = None
    introduction: Text = field(default_factory=dict)
    closing: Text = field(default_factory=dict)
    # Texts filled in by OpenCC rather than written: (path, language), e.g.
    # ("sections.0.questions.2.text", "zh-Hant"). Reported, not part of the hash.
    derived: frozenset[tuple[str, str]] = field(default_factory=frozenset, compare=False)
    source: str | None = field(default=None, compare=False)
    # Look-ups built once: a version's model serves every request that answers it.
    _by_key: Mapping[str, Question] = field(init=False, repr=False, compare=False)
    answerable_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    calculation_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {q.key: q for section in self.sections for q in section.questions}
        object.__setattr__(self, "_by_key", by_key)
        answerable = frozenset(key for key, q in by_key.items() if q.is_answerable)
        object.__setattr__(self, "answerable_keys", answerable)
        computed = tuple(  # what a save computes: calculations, rosters with calculate columns
            key
            for key, q in by_key.items()
            if q.type == "calculate" or any(c.type == "calculate" for c in q.columns)
        )
        object.__setattr__(self, "calculation_keys", computed)

    @property
    def base_language(self) -> str:
        return self.default_language or self.languages[0]

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question:
        return self._by_key[key]  # KeyError for an unknown key

    def section_of(self, key: str) -> Section:
        for section in self.sections:
            if any(q.key == key for q in section.questions):
                return section
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "version": self.version,
            "languages": list(self.languages),
            "title": dict(self.title),
        }
        if self.default_language:
            data["default_language"] = self.default_language
        if self.introduction:
            data["introduction"] = dict(self.introduction)
        if self.closing:
            data["closing"] = dict(self.closing)
        data["sections"] = [s.to_dict() for s in self.sections]
        return data

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Questionnaire:
        return cls(
            key=d["key"],
            version=str(d["version"]),
            languages=tuple(d["languages"]),
            title=dict(d["title"]),
            sections=tuple(Section.from_dict(s) for s in d["sections"]),
            default_language=d.get("default_language"),
            introduction=dict(d.get("introduction", {})),
            closing=dict(d.get("closing", {})),
        )

    def canonical_json(self) -> str:
        """The form that is stored and hashed: sorted keys, no insignificant whitespace."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def text_in(text: Text, language: str, fallbacks: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """Return (text, language it came from) for `language`, falling back in order; ('', None)."""
    for lang in (language, *fallbacks):
        if text.get(lang):
            return text[lang], lang
    return "", None


FALLBACKS = {
    "zh-Hant": ("zh-Hans", "en"),
    "zh-Hans": ("zh-Hant", "en"),
    "en": ("zh-Hans", "zh-Hant"),
}
