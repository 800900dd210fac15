"""Text a spreadsheet would run as a formula (QUALITY.md INJ-02): one rule for every file
the service writes, the exports and the small CSV downloads alike."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula, prefixed with `'`."""
    return "'" + text if text.startswith(FORMULA_START) else text
