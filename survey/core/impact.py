"""What changes between two versions of a questionnaire, and what that means for answers.

Like REDCap's draft-mode impact table (QUALITY.md SCHEMA-01): a structural change
(questions added, removed, retyped or moved; options added, removed or reordered; compare
rules and other settings changed) needs a new version checked against the answers already
collected; a text-only change (wording, labels, translations) does not. A translation is
outdated when the base-language text changed while the translated text stayed the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from survey.core.questionnaire import CompareRule, Question, Questionnaire, Text

# Question settings whose change alters what is asked, accepted or compared.
QUESTION_SETTINGS = (
    "required", "min", "max", "pattern", "min_length", "max_length", "relevant",
    "constraint", "mirror", "dont_know", "refused", "offer_special",
)  # fmt: skip
QUESTION_TEXTS = ("text", "help", "constraint_message")


@dataclass
class Impact:
    """The differences between two versions; `lines()` for people, `to_dict()` for scripts."""

    base_language: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retyped: list[tuple[str, str, str]] = field(default_factory=list)  # key, old, new type
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # key, old, new section
    reordered: bool = False  # the questions kept in both versions come in another order
    options_removed: list[tuple[str, str]] = field(default_factory=list)  # key, code
    options_added: list[tuple[str, str]] = field(default_factory=list)
    options_relabelled: list[tuple[str, str]] = field(default_factory=list)
    options_reordered: list[str] = field(default_factory=list)  # keys
    rules_changed: list[tuple[str, str, str]] = field(default_factory=list)  # key, old, new
    settings_changed: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    languages_added: list[str] = field(default_factory=list)
    languages_removed: list[str] = field(default_factory=list)
    texts_changed: list[tuple[str, str]] = field(default_factory=list)  # location, language
    outdated_translations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_structural(self) -> bool:
        """Whether anything beyond texts and languages changed."""
        text_only = ("base_language", "options_relabelled", "languages_added",
                     "languages_removed", "texts_changed", "outdated_translations")  # fmt: skip
        return any(getattr(self, f.name) for f in fields(self) if f.name not in text_only)

    def lines(self) -> list[str]:
        """One English line per difference, structural ones first."""
        return [*_structure_lines(self), *_text_lines(self)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form: tuples as lists, plus is_structural."""
        data = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        data["is_structural"] = self.is_structural
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


# ---------------------------------------------------------------------------- comparing


def impact(old: Questionnaire, new: Questionnaire) -> Impact:
    """Compare two versions of a questionnaire, `old` the one answers were collected with."""
    result = Impact(base_language=new.base_language)
    old_questions = {q.key: q for q in old.questions()}
    new_questions = {q.key: q for q in new.questions()}
    result.added = [key for key in new_questions if key not in old_questions]
    result.removed = [key for key in old_questions if key not in new_questions]
    _compare_order(result, old, new)
    for key, new_q in new_questions.items():
        if key in old_questions:
            _compare_question(result, old_questions[key], new_q)
    _compare_questionnaire(result, old, new)
    _compare_texts(result, old, new)
    return result


def _compare_order(result: Impact, old: Questionnaire, new: Questionnaire) -> None:
    """Questions moved to another section, and the order of the questions kept."""
    kept = {q.key for q in old.questions()} & {q.key for q in new.questions()}
    for key in [q.key for q in new.questions() if q.key in kept]:
        before, after = old.section_of(key).key, new.section_of(key).key
        if before != after:
            result.moved.append((key, before, after))
    old_order = [q.key for q in old.questions() if q.key in kept]
    result.reordered = old_order != [q.key for q in new.questions() if q.key in kept]


def _compare_question(result: Impact, old: Question, new: Question) -> None:
    """Type, options, compare rule and settings of one question kept in both versions."""
    if old.type != new.type:
        result.retyped.append((new.key, old.type, new.type))
    _compare_options(result, old, new)
    if old.compare != new.compare:
        result.rules_changed.append((new.key, rule_text(old.compare), rule_text(new.compare)))
    for name in QUESTION_SETTINGS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            result.settings_changed.append((f"question {new.key}", name, before, after))


def _compare_options(result: Impact, old: Question, new: Question) -> None:
    old_codes = [o.code for o in old.options]
    new_codes = [o.code for o in new.options]
    result.options_removed += [(new.key, c) for c in old_codes if c not in new_codes]
    result.options_added += [(new.key, c) for c in new_codes if c not in old_codes]
    kept = [c for c in old_codes if c in new_codes]
    if kept != [c for c in new_codes if c in old_codes]:
        result.options_reordered.append(new.key)
    old_labels = {o.code: _texts(o.label) for o in old.options}
    new_labels = {o.code: _texts(o.label) for o in new.options}
    relabelled = [c for c in kept if old_labels[c] != new_labels[c]]
    result.options_relabelled += [(new.key, code) for code in relabelled]


def _compare_questionnaire(result: Impact, old: Questionnaire, new: Questionnaire) -> None:
    """Languages, the default language and section conditions."""
    result.languages_added = [lang for lang in new.languages if lang not in old.languages]
    result.languages_removed = [lang for lang in old.languages if lang not in new.languages]
    if old.base_language != new.base_language:
        result.settings_changed.append(
            ("questionnaire", "default_language", old.base_language, new.base_language)
        )
    old_sections = {s.key: s for s in old.sections}
    for section in new.sections:
        before = old_sections.get(section.key)
        if before is not None and before.relevant != section.relevant:
            change = (f"section {section.key}", "relevant", before.relevant, section.relevant)
            result.settings_changed.append(change)


def rule_text(rule: CompareRule | None) -> str:
    """A compare rule as written in the file, in one line: 'tolerance abs 1'."""
    if rule is None:
        return "(not compared)"
    if rule.kind == "tolerance":
        return f"tolerance {'rel' if rule.relative else 'abs'} {_number(rule.value)}"
    if rule.value is None:
        return rule.kind
    return f"{rule.kind} {_number(rule.value)}"


def _number(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


# ---------------------------------------------------------------------------- texts


def _texts(text: Text) -> dict[str, str]:
    """A text with empty translations dropped: '' and absent mean the same."""
    return {lang: value for lang, value in text.items() if value}


def _compare_texts(result: Impact, old: Questionnaire, new: Questionnaire) -> None:
    base = new.base_language
    for location, before, after in _text_pairs(old, new):
        before, after = _texts(before), _texts(after)
        languages = dict.fromkeys([*new.languages, *old.languages, *before, *after])
        changed = [lang for lang in languages if before.get(lang) != after.get(lang)]
        result.texts_changed += [(location, lang) for lang in changed]
        if base in changed:
            result.outdated_translations += [
                (location, lang)
                for lang in new.languages
                if lang != base and lang in after and before.get(lang) == after[lang]
            ]


def _text_pairs(old: Questionnaire, new: Questionnaire) -> Iterator[tuple[str, Text, Text]]:
    """(location, old text, new text) for every text of what both versions have."""
    for name in ("title", "introduction", "closing"):
        yield name, getattr(old, name), getattr(new, name)
    old_sections = {s.key: s for s in old.sections}
    for section in new.sections:
        if section.key in old_sections:
            before = old_sections[section.key]
            yield f"section {section.key}: title", before.title, section.title
            yield f"section {section.key}: description", before.description, section.description
    old_questions = {q.key: q for q in old.questions()}
    for q in new.questions():
        if q.key in old_questions:
            yield from _question_text_pairs(old_questions[q.key], q)


def _question_text_pairs(old: Question, new: Question) -> Iterator[tuple[str, Text, Text]]:
    for name in QUESTION_TEXTS:
        yield f"question {new.key}: {name}", getattr(old, name), getattr(new, name)
    for option in new.options:
        before = old.option(option.code)
        if before is not None:
            yield f"option {new.key}/{option.code}: label", before.label, option.label


# ---------------------------------------------------------------------------- lines


def _structure_lines(i: Impact) -> Iterator[str]:
    yield from (f"added question {key}" for key in i.added)
    yield from (f"removed question {key}" for key in i.removed)
    for key, before, after in i.retyped:
        yield f"question {key}: type changed from {before} to {after}"
    for key, before, after in i.moved:
        yield f"question {key} moved from section {before} to section {after}"
    if i.reordered:
        yield "questions reordered"
    yield from (f"option {key}/{code} added" for key, code in i.options_added)
    yield from (f"option {key}/{code} removed" for key, code in i.options_removed)
    yield from (f"options of question {key} reordered" for key in i.options_reordered)
    for key, before, after in i.rules_changed:
        yield f"question {key}: compare rule changed from {before} to {after}"
    for location, name, before, after in i.settings_changed:
        yield f"{location}: {name} changed from {_setting(before)} to {_setting(after)}"


def _setting(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else _number(value)


def _text_lines(i: Impact) -> Iterator[str]:
    yield from (f"language {lang} added" for lang in i.languages_added)
    yield from (f"language {lang} removed" for lang in i.languages_removed)
    yield from (f"option {key}/{code} relabelled" for key, code in i.options_relabelled)
    yield from (f"{lang} text of {location} changed" for location, lang in i.texts_changed)
    for location, lang in i.outdated_translations:
        yield (
            f"{lang} translation of {location} is outdated "
            f"(the {i.base_language} text changed, this one did not)"
        )


# ---------------------------------------------------------------------------- data


def data_impact(result: Impact, counts: Mapping[tuple[str, str | None], int]) -> list[str]:
    """Warnings about answers already given, from answer counts per question and option.

    counts[(key, None)] is the number of answers to question `key`; counts[(key, code)]
    the number of answers holding option `code`. Zero counts give no warning.
    """

    def count(key: str, code: str | None = None) -> int:
        return counts.get((key, code), 0)

    warnings = [_lost_question(key, count(key)) for key in result.removed if count(key)]
    warnings += [
        _lost_option(key, code, count(key, code))
        for key, code in result.options_removed
        if count(key, code)
    ]
    warnings += [
        _retyped(key, before, after, count(key))
        for key, before, after in result.retyped
        if count(key)
    ]
    return warnings


def _lost_question(key: str, n: int) -> str:
    return f"Data WILL be lost: {_answers(n)} to question '{key}', now removed"


def _lost_option(key: str, code: str, n: int) -> str:
    hold = "holds" if n == 1 else "hold"
    return f"Data WILL be lost: {_answers(n)} {hold} option '{code}' of question '{key}'"


def _retyped(key: str, before: str, after: str, n: int) -> str:
    were = "was" if n == 1 else "were"
    return (
        f"Data may not fit: {_answers(n)} to question '{key}' {were} given as {before}; now {after}"
    )


def _answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"
