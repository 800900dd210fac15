"""Checks of the questionnaire as a whole: its header, languages, sections and unique keys."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from survey.core.questionnaire import Questionnaire
from survey.core.validate.common import (
    IDENTIFIER,
    LANGUAGE_TAG,
    QUESTIONNAIRE_KEY,
    Found,
    canonical_tag,
)

# C0 controls but tab, line feed and carriage return, and DEL: no page, export or
# PostgreSQL text can hold U+0000, and HTML forbids the others.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(data: object, where: str) -> Found:
    """Every text of the questionnaire (keys, labels, expressions) free of control characters."""
    if isinstance(data, str):
        found = _CONTROL.search(data)
        if found:
            code = f"U+{ord(found.group()):04X}"
            yield None, f"{where} contains the control character {code} (remove it)"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _control_characters(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for number, value in enumerate(data):
            yield from _control_characters(value, f"{where}[{number}]")


def _header(q: Questionnaire, top: Mapping[str, int]) -> Found:
    if not q.key:
        yield top.get("key"), "questionnaire has no key (add key: e.g. sister-cities)"
    elif not QUESTIONNAIRE_KEY.fullmatch(q.key):
        shape = "use lower-case letters, digits, '-' and '_', starting with a letter or digit"
        yield (
            top.get("key"),
            f"questionnaire key '{q.key}' is not valid ({shape}, e.g. sister-cities)",
        )
    if not q.version.strip():
        yield top.get("version"), 'questionnaire has no version (add version: e.g. "2009.1")'
    yield from _languages(q, top.get("languages"))
    if q.default_language is not None and q.default_language not in q.languages:
        message = f"default_language '{q.default_language}' is not among the languages"
        yield top.get("default_language"), f"{message} (expected one of: {', '.join(q.languages)})"


def _languages(q: Questionnaire, line: int | None) -> Found:
    if not q.languages:
        yield line, "questionnaire has no languages (add languages: e.g. [en, zh-Hans, zh-Hant])"
    seen: set[str] = set()
    for tag in q.languages:
        if tag in seen:
            yield line, f"language '{tag}' is listed twice (list each language once)"
        seen.add(tag)
        yield from _language_tag(tag, line)


def _language_tag(tag: str, line: int | None) -> Found:
    fixed = canonical_tag(tag)
    if not LANGUAGE_TAG.fullmatch(fixed):
        example = "expected a tag such as en, zh-Hans or zh-Hant"
        yield line, f"'{tag}' is not a BCP 47 language tag ({example})"
    elif fixed != tag:
        yield line, f"language tag '{tag}' is not in its standard form (write '{fixed}')"


# ---------------------------------------------------------------------------- structure


def _sections(q: Questionnaire, top: Mapping[str, int]) -> Found:
    if not q.sections:
        yield top.get("sections"), "questionnaire has no sections (add at least one section)"
    for section in q.sections:
        if not section.questions:
            message = f"section '{section.key}' has no questions"
            yield section.line, f"{message} (add at least one question)"


def _keys(q: Questionnaire) -> Found:
    yield from _unique_identifiers("section", ((s.key, s.line) for s in q.sections))
    yield from _unique_identifiers("question", ((x.key, x.line) for x in q.questions()))


def _unique_identifiers(kind: str, keys: Iterable[tuple[str, int | None]]) -> Found:
    first: dict[str, int | None] = {}
    for key, line in keys:
        if not key:
            yield line, f"a {kind} has no key (add key: a name such as {kind}_1)"
        elif not IDENTIFIER.fullmatch(key):
            shape = "use letters, digits and '_', not starting with a digit"
            yield line, f"{kind} key '{key}' is not valid ({shape})"
        if key and key in first:
            unique = f"{kind} keys must be unique in the questionnaire"
            where = f"first at line {first[key] or '?'}"
            yield line, f"{kind} key '{key}' appears twice ({where}; {unique})"
        first.setdefault(key, line)
