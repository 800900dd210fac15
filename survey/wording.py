"""Comparison rules in words, in the interface language: the one place they are worded.

A rule is stored as the questionnaire file writes it (`exact`, `{"tolerance": {"rel":
0.25}}`, `{"within_days": 31}`), or, for a question compared with another one on the other
side, as `{"compare": RULE, "mirror": KEY}`. People read it as "within 25 % of each
other" (UX.md 1: rules in words, never JSON): the comparison pages, the questionnaire
page, the CSV reports and the command line's tables all take it from `rule_words`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from survey.core.questionnaire import CompareRule
from survey.i18n import normalize


def rule_words(rule: Any, locale: str | None = None) -> str:
    """`rule` (a CompareRule or its stored form) in words, in `locale` or the current language.

    `locale` may be a locale (`zh_Hans`) or a language tag (`zh-Hant`); None speaks the
    request's language (English outside a request). An unknown rule is shown as it is.
    """
    chosen = normalize(locale) if locale else None
    with force_locale(chosen) if chosen else contextlib.nullcontext():
        return _words(rule)


def _words(rule: Any) -> str:
    if rule is None:
        return _("not compared")
    if isinstance(rule, dict) and "compare" in rule:
        words = _words(rule["compare"])
        if not rule.get("mirror"):
            return words
        return _(
            "%(rule)s, against %(question)s on the other side", rule=words, question=rule["mirror"]
        )
    try:
        parsed = rule if isinstance(rule, CompareRule) else CompareRule.from_dict(rule)
    except (AttributeError, TypeError, ValueError):
        return str(rule)
    value = parsed.value or 0
    if parsed.kind == "exact":
        return _("same answer")
    if parsed.kind == "set":
        return _("same set of choices")
    if parsed.kind == "review":
        return _("read by a person, not compared by rule")
    if parsed.kind == "none":
        return _("not compared")
    if parsed.kind == "overlap":
        return _("at least %(percent)s %% of the choices in common", percent=_percent(value))
    if parsed.kind == "within_days":
        return _("dates at most %(days)s days apart", days=format_decimal(value))
    if parsed.kind == "tolerance" and parsed.relative:
        return _("within ±%(percent)s %%", percent=_percent(value))
    if parsed.kind == "tolerance":
        return _("within ±%(amount)s", amount=format_decimal(value))
    return parsed.kind


def _percent(share: float) -> str:
    return format_decimal(round(share * 100, 2))
