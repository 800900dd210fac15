"""Translation completeness: which texts each declared language has, lacks or got from OpenCC.

`completeness` works on any model, including one that failed validation, so the
researcher preview can show an incomplete file (load it with
`load_yaml(..., validate=False)`). `translation_problems` is the part of
`validate` that turns the same walk over the texts into problems.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from survey.core.questionnaire import Question, Questionnaire, Section, Text

# OpenCC can fill one Chinese script from the other (the loader's `derive`).
DERIVABLE = {"zh-Hant": "zh-Hans", "zh-Hans": "zh-Hant"}


@dataclass(frozen=True, slots=True)
class TextSlot:
    """One place in a questionnaire that holds a text per language."""

    path: str  # as in Questionnaire.derived, e.g. "sections.0.questions.2.help"
    owner: str  # for messages: "question 'delegations_sent'"
    location: str  # for people: "question delegations_sent: help"
    field: str  # "title", "text", "help", "label", …
    text: Text
    line: int | None
    required: bool  # expected even when no language has it (titles, question texts, labels)

    def has(self, language: str) -> bool:
        """Whether the slot has a non-blank text in `language`."""
        return bool(self.text.get(language, "").strip())

    def expected(self, languages: tuple[str, ...]) -> bool:
        """Whether every language must have this text: required, or some language has it."""
        return self.required or any(self.has(language) for language in languages)


@dataclass(frozen=True, slots=True)
class LanguageCompleteness:
    """How complete one language's texts are."""

    language: str
    total: int  # texts expected
    written: int  # present and written by a person
    derived: int  # present and filled in by OpenCC
    missing: list[str]  # locations such as "question delegations_sent: help"

    @property
    def is_complete(self) -> bool:
        """Whether no expected text is missing."""
        return not self.missing


def completeness(q: Questionnaire) -> dict[str, LanguageCompleteness]:
    """Per declared language: texts expected, written, derived and missing."""
    slots = [slot for slot in text_slots(q) if slot.expected(q.languages)]
    return {language: _language(q, slots, language) for language in dict.fromkeys(q.languages)}


def _language(q: Questionnaire, slots: list[TextSlot], language: str) -> LanguageCompleteness:
    present = [slot for slot in slots if slot.has(language)]
    derived = sum((slot.path, language) in q.derived for slot in present)
    missing = [slot.location for slot in slots if not slot.has(language)]
    return LanguageCompleteness(language, len(slots), len(present) - derived, derived, missing)


def text_slots(q: Questionnaire) -> Iterator[TextSlot]:
    """Every text of the questionnaire in document order, with its path and owner."""
    yield _slot("title", "questionnaire", q.title, None, required=True)
    yield _slot("introduction", "questionnaire", q.introduction, None)
    yield _slot("closing", "questionnaire", q.closing, None)
    for s_index, section in enumerate(q.sections):
        yield from _section_slots(f"sections.{s_index}", section)


def _section_slots(path: str, section: Section) -> Iterator[TextSlot]:
    owner = f"section '{section.key}'"
    yield _slot(f"{path}.title", owner, section.title, section.line, required=True)
    yield _slot(f"{path}.description", owner, section.description, section.line)
    for q_index, question in enumerate(section.questions):
        yield from _question_slots(f"{path}.questions.{q_index}", question)


def _question_slots(path: str, question: Question) -> Iterator[TextSlot]:
    owner = f"question '{question.key}'"
    # a calculation needs no text (XLSForm gives none); a roster's heading is optional, as
    # a repeat's label is in XLSForm: its columns carry the questions
    asked = question.type not in ("calculate", "roster")
    yield _slot(f"{path}.text", owner, question.text, question.line, required=asked)
    yield _slot(f"{path}.help", owner, question.help, question.line)
    yield _slot(f"{path}.guidance", owner, question.guidance, question.line)
    yield _slot(f"{path}.constraint_message", owner, question.constraint_message, question.line)
    for o_index, option in enumerate(question.options):
        option_owner = f"option '{option.code}' of {owner}"
        yield _slot(
            f"{path}.options.{o_index}.label", option_owner, option.label, option.line, True
        )
    for c_index, column in enumerate(question.columns):  # a roster's questions
        yield from _question_slots(f"{path}.columns.{c_index}", column)


def _slot(path: str, owner: str, text: Text, line: int | None, required: bool = False) -> TextSlot:
    field = path.rsplit(".", 1)[-1]
    location = owner.replace("'", "") + f": {field}"
    return TextSlot(path, owner, location, field, text, line, required)


def translation_problems(
    q: Questionnaire, lines: Mapping[str, int] | None = None
) -> Iterator[tuple[int | None, str]]:
    """(line, message) for texts missing in a declared language or given in an undeclared one."""
    declared = tuple(dict.fromkeys(q.languages))
    for slot in text_slots(q):
        line = slot.line or (lines or {}).get(slot.field)
        yield from ((line, message) for message in _slot_problems(slot, declared))


def _slot_problems(slot: TextSlot, declared: tuple[str, ...]) -> Iterator[str]:
    missing = [language for language in declared if not slot.has(language)]
    if declared and missing and slot.expected(declared):
        given = ", ".join(f"{language}: …" for language in missing)
        yield (
            f"{slot.owner} has no {', '.join(missing)} {slot.field} "
            f"(add {slot.field}: {{{given}}}{_derive_hint(slot, missing, declared)})"
        )
    for language in slot.text:
        if language not in declared:
            yield (
                f"{slot.owner} has {slot.field} in '{language}', which is not among the "
                f"languages (add '{language}' to languages or remove the text)"
            )


def _derive_hint(slot: TextSlot, missing: list[str], declared: tuple[str, ...]) -> str:
    pairs = [
        f"{language}: {DERIVABLE[language]}"
        for language in missing
        if DERIVABLE.get(language) in declared and slot.has(DERIVABLE[language])
    ]
    return f" or derive: {{{', '.join(pairs)}}}" if pairs else ""
