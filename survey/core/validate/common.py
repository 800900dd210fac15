"""What every check shares: the shapes of keys, codes and tags, the rules per type, suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator

from survey.core.types import TYPES

Found = Iterator[tuple[int | None, str]]  # (line, message) pairs, turned into Problems at the end

QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Codes travel through CSV files joined by ';' and into SPSS/Stata value labels.
OPTION_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)
CHOICE_TYPES = frozenset(name for name, t in TYPES.items() if t.has_options)
BOUNDED_TYPES = tuple(name for name, t in TYPES.items() if t.bounded)
LENGTH_TYPES = tuple(name for name, t in TYPES.items() if t.has_length)
# The compare rules a file may name for each question type (core.types).
RULES_FOR_TYPE = {name: t.rules for name, t in TYPES.items() if t.rules}


def suggest(word: str, choices: Iterable[str]) -> str:
    """'did you mean …? ' for a near miss among `choices`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def canonical_tag(tag: str) -> str:
    """A language tag in its conventional case: 'zh_hans' → 'zh-Hans', 'EN-us' → 'en-US'."""
    parts = re.split(r"[-_]", tag)
    return "-".join([parts[0].lower(), *(_tag_part(part) for part in parts[1:])])


def _tag_part(part: str) -> str:
    if len(part) == 4 and part.isalpha():
        return part.title()
    return part.upper() if len(part) == 2 else part.lower()
