"""What every check shares: the shapes of keys, codes and tags, the rules per type, suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator

Found = Iterator[tuple[int | None, str]]  # (line, message) pairs, turned into Problems at the end

QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Codes travel through CSV files joined by ';' and into SPSS/Stata value labels.
OPTION_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)
BOUNDED_TYPES = ("integer", "number", "year", "date")
LENGTH_TYPES = ("text", "longtext")
RULES_FOR_TYPE = {
    "single": ("exact", "review", "none"),
    "yesno": ("exact", "review", "none"),
    "multi": ("set", "overlap", "review", "none"),
    "scale": ("exact", "tolerance", "review", "none"),
    "integer": ("exact", "tolerance", "review", "none"),
    "number": ("exact", "tolerance", "review", "none"),
    "year": ("exact", "tolerance", "review", "none"),
    "date": ("exact", "within_days", "review", "none"),
    "text": ("exact", "review", "none"),
    "longtext": ("exact", "review", "none"),
}


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
