"""Comparison rules in words, in the interface language: the one place they are worded.

A rule is stored as the questionnaire file writes it (`exact`, `{"tolerance": {"rel":
0.25}}`, `{"within_days": 31}`), or, for a question compared with another one on the other
side, as `{"compare": RULE, "mirror": KEY}`. People read it as "within 25 % of each
other" (UX.md 1: rules in words, never JSON): the comparison pages, the questionnaire
page, the CSV reports and the command line's tables all take it from `rule_words`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal as babel_decimal
from babel.support import NullTranslations, Translations
from flask import has_app_context
from flask_babel import format_decimal as flask_decimal
from flask_babel import gettext as flask_gettext

from survey.core.questionnaire import CompareRule
from survey.i18n import LOCALES, normalize, tag

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def rule_words(rule: Any, locale: str | None = None) -> str:
    """`rule` (a CompareRule or its stored form) in words, in `locale` or the current language.

    `locale` may be a locale (`zh_Hans`) or a language tag (`zh-Hant`); None speaks the
    request's language (English outside a request). An unknown rule is shown as it is.
    """
    chosen = normalize(locale) if locale else None
    if chosen is None and has_app_context():  # the request's language, through Flask-Babel
        return _words(rule, flask_gettext, flask_decimal)
    return _words(rule, *_in(chosen or "en"))


@functools.lru_cache(maxsize=8)
def _in(locale: str) -> tuple[Callable[..., str], Callable[[float], str]]:
    """gettext and number formatting in `locale`, straight from the catalogues.

    Commands run without a Flask context (no request, often no application context), and
    a page may ask for a language other than its own: both read the compiled catalogue.
    """
    found = Translations.load(str(TRANSLATIONS), [locale]) if locale != "en" else None
    catalogue = found or NullTranslations()

    def gettext(message: str, **values: Any) -> str:
        text = catalogue.ugettext(message)
        return text % values if values else text

    def decimal(number: float) -> str:
        return babel_decimal(number, locale=locale)

    return gettext, decimal


def N_(message: str) -> str:  # noqa: N802  (the extraction keyword: `pybabel extract -k N_`)
    """Mark `message` for translation where it is defined; it is translated where it is used."""
    return message


def in_every_language(message: str) -> dict[str, str]:
    """`message` translated into each interface language, by language tag (en, zh-Hans, zh-Hant).

    For words stored beside data in several languages at once (the audit log's labels are
    kept per language, as questionnaire texts are, and shown in the page's language).
    """
    return {tag(locale): _in(locale)[0](message) for locale in LOCALES}


def _words(rule: Any, _: Callable[..., str], format_decimal: Callable[[float], str]) -> str:
    if rule is None:
        return _("not compared")
    if isinstance(rule, dict) and "compare" in rule:
        words = _words(rule["compare"], _, format_decimal)
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
        return _(
            "at least %(percent)s %% of the choices in common",
            percent=_percent(value, format_decimal),
        )
    if parsed.kind == "within_days":
        return _("dates at most %(days)s days apart", days=format_decimal(value))
    if parsed.kind == "within_minutes":
        return _("times at most %(minutes)s minutes apart", minutes=format_decimal(value))
    if parsed.kind == "rank_agreement":
        return _(
            "orders alike: Spearman's rank correlation at least %(rho)s",
            rho=format_decimal(value),
        )
    if parsed.kind == "tolerance" and parsed.relative:
        return _("within ±%(percent)s %%", percent=_percent(value, format_decimal))
    if parsed.kind == "tolerance":
        return _("within ±%(amount)s", amount=format_decimal(value))
    if parsed.kind == "roster":
        return _roster_words(parsed, _)
    return parsed.kind


def _roster_words(rule: CompareRule, _: Callable[..., str]) -> str:
    """ "rows paired by year, direction (sent ↔ received); each column by its own rule"."""
    keys = ", ".join(rule.match)
    swaps = "; ".join(
        " ↔ ".join(sorted({code, other}))
        for _column, pairs in rule.mirror
        for code, other in pairs
        if code < other
    )
    if swaps:
        return _(
            "rows paired by %(keys)s (%(swaps)s on the other side); "
            "each column compared by its own rule",
            keys=keys,
            swaps=swaps,
        )
    return _("rows paired by %(keys)s; each column compared by its own rule", keys=keys)


def _percent(share: float, format_decimal: Callable[[float], str]) -> str:
    return format_decimal(round(share * 100, 2))
