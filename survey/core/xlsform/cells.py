"""Cell values both ways: compare rules, numbers, truth values and the special answers."""

from __future__ import annotations

import math
import re
from collections.abc import Container
from decimal import Decimal, InvalidOperation

from survey.core.questionnaire import CompareRule, Question


def compare_from_text(text: str) -> CompareRule:
    """Parse a `compare` cell: exact, set, overlap:0.5, tolerance:1, tolerance:10%, …"""
    kind, colon, argument = (part.strip() for part in text.strip().partition(":"))
    kind = kind.lower()
    if kind in ("exact", "set", "review", "none") and not colon:
        return CompareRule(kind)
    if kind == "roster":
        return _roster_rule(text, argument)
    if kind not in _RULE_HELP:
        raise ValueError(
            f"compare '{text}' is not a rule (use exact, set, overlap:J, tolerance:X,"
            " tolerance:P%, within_days:D, within_minutes:M, rank_agreement:R, review or none)"
        )
    try:
        return _rule_with_value(kind, argument)
    except ValueError as error:
        raise ValueError(f"compare '{text}': {_RULE_HELP[kind]}") from error


def _rule_with_value(kind: str, argument: str) -> CompareRule:
    if kind == "within_days":
        return CompareRule(kind, _count(argument))
    if kind == "tolerance" and argument.endswith("%"):
        # Through Decimal, so that the percentage written by dump gives back the same float.
        return CompareRule(kind, float(_decimal(argument[:-1]) / 100), relative=True)
    value = _number(argument)
    if kind == "rank_agreement":
        if not -1 <= value <= 1:
            raise ValueError(argument)
        return CompareRule(kind, value)
    if value < 0 or (kind == "overlap" and value > 1):
        raise ValueError(argument)
    return CompareRule(kind, value)


_ROSTER_HELP = (
    "roster needs its match columns, and may mirror a column's codes,"
    " e.g. roster:year,direction;direction=sent/received"
)


def _roster_rule(text: str, argument: str) -> CompareRule:
    """`roster:year,direction;direction=sent/received`: the match columns, then the
    mirrored codes (the columns' own rules are in their own compare cells)."""
    match, *mirrors = (part.strip() for part in argument.split(";"))
    columns = [column.strip() for column in match.split(",") if column.strip()]
    swaps: dict[str, dict[str, str]] = {}
    for mirror in mirrors:
        column, equals, pair = (part.strip() for part in mirror.partition("="))
        one, slash, other = (part.strip() for part in pair.partition("/"))
        if not (column and equals and one and slash and other):
            raise ValueError(f"compare '{text}': {_ROSTER_HELP}")
        swaps.setdefault(column, {})[one] = other
    if not columns:
        raise ValueError(f"compare '{text}': {_ROSTER_HELP}")
    return CompareRule.roster(columns, swaps)


_RULE_HELP = {
    "overlap": "overlap needs a share between 0 and 1, e.g. overlap:0.5",
    "tolerance": "tolerance needs a number or a percentage, e.g. tolerance:1 or tolerance:10%",
    "within_days": "within_days needs a whole number of days, e.g. within_days:31",
    "within_minutes": "within_minutes needs a number of minutes, e.g. within_minutes:30",
    "rank_agreement": "rank_agreement needs Spearman's rho between -1 and 1,"
    " e.g. rank_agreement:0.8",
}


def compare_to_text(rule: CompareRule) -> str:
    """The `compare` cell for a rule; compare_from_text reads it back as an equal rule."""
    if rule.kind == "roster":
        mirrors = [
            f"{column}={one}/{other}" for column, pairs in rule.mirror for one, other in pairs
            if one < other
        ]  # fmt: skip
        return ";".join([f"roster:{','.join(rule.match)}", *mirrors])
    if rule.value is None:
        return rule.kind
    if rule.relative:
        percent = (Decimal(repr(float(rule.value))) * 100).normalize()
        return f"tolerance:{percent:f}%"
    return f"{rule.kind}:{_number_text(rule.value)}"


def _number(text: str) -> int | float:
    """An int when the text is a whole number without a point, else a finite float."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)  # ValueError for what is no number at all
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"'{text}' is not a number of 0 or more")
    return value


def _count(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def _number_text(value: float | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _truth(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "true()", "1"):
        return True
    return False if lowered in ("no", "false", "false()", "0") else None


def _identifying(text: str) -> bool:
    value = _truth(text)
    if value is None:
        raise ValueError(f"identifying must be yes or no, not '{text}'")
    return value


def _special(text: str) -> tuple[bool, bool, bool]:
    """Parse a `special` cell into (dont_know, refused, offer_special)."""
    tokens = set(text.replace(",", " ").lower().split())
    answers = tokens - {"hidden"}
    if answers - {"dk", "rf", "none"} or ("none" in answers and len(answers) > 1):
        raise ValueError(
            f"special must be dk, rf, 'dk rf' or none, maybe with hidden; not '{text}'"
        )
    offer = "hidden" not in tokens
    if not answers:
        return True, True, offer
    return "dk" in answers, "rf" in answers, offer


def _special_text(question: Question) -> str | None:
    allowed = [code for code, ok in (("dk", question.dont_know), ("rf", question.refused)) if ok]
    tokens = [] if len(allowed) == 2 else allowed or ["none"]
    return " ".join(tokens + ([] if question.offer_special else ["hidden"])) or None


def _bound(qtype: str, text: str) -> float | str:
    if qtype == "date":
        return text.removesuffix(" 00:00:00")  # a date typed into Excel reads back with a time
    return _number(text)


def _free_name(wanted: str, taken: Container[str | None]) -> str:
    name = wanted
    while name in taken:
        name += "_"
    return name
