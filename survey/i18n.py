"""Interface languages: the locale chain and the mapping of Chinese variants.

Chain (STYLE.md 14): an explicit choice (`?lang=`), then the `lang` cookie, then
the user's saved preference, then Accept-Language over the known locales, then
the default. `zh`, `zh-CN`, `zh-SG`, `zh-Hans` map onto zh_Hans; `zh-TW`, `zh-HK`,
`zh-MO`, `zh-Hant` onto zh_Hant.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations

LOCALES = ("en", "zh_Hans", "zh_Hant")
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}
TAGS = {"en": "en", "zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}  # locale -> BCP 47 tag
COOKIE = "lang"
# The zones offered in forms: UTC, then every Area/City zone (no legacy aliases).
TIME_ZONES = (
    "UTC",
    *sorted(
        z
        for z in available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    ),
)

_HANT_REGIONS = {"tw", "hk", "mo", "hant"}


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def zone_key(value: str | None) -> str | None:
    """The IANA name of a time zone as written (any case: `asia/shanghai`), else None.

    Only names the zone database lists: never a path, an offset or an abbreviation
    such as CST, which names several zones (I18N-04)."""
    if not value:
        return None
    return _zones_by_folded_name().get(value.strip().casefold())


def normalize(code: str | None) -> str | None:
    """Map a language code from any source onto one of LOCALES, or None when unknown."""
    if not code:
        return None
    parts = code.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    if any(p in _HANT_REGIONS for p in parts[1:]):
        return "zh_Hant"
    return "zh_Hans"


def tag(locale: str) -> str:
    """The BCP 47 tag of a locale (for `lang` attributes and questionnaire texts)."""
    return TAGS.get(locale, "en")


def _accept_language() -> str | None:
    for value, _quality in request.accept_languages:
        locale = normalize(value)
        if locale:
            return locale
    return None


def select_locale() -> str:
    """The request's locale by the documented chain."""
    explicit = getattr(g, "locale_override", None)
    if explicit:
        return explicit
    if not has_request_context():
        return "en"  # commands and background work speak English unless forced
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        locale = normalize(candidate)
        if locale:
            return locale
    user = getattr(g, "user", None)
    preferred = normalize(user.language) if user is not None else None
    return preferred or _accept_language() or "en"


def select_timezone() -> str:
    """The viewer's time zone: the user's setting, else UTC."""
    user = getattr(g, "user", None) if has_request_context() else None
    return user.timezone if user is not None else "UTC"


babel = Babel()


def template_gettext(message: str) -> str:
    """Templates' `_()`: Flask-Babel's gettext, remembered per locale and message.

    A respondent page calls `_()` a dozen times; looking the translations up through
    Flask-Babel's contexts each time cost about a sixth of drawing the page. The locale
    is still read on every call, so `force_locale` and a switch of language hold.
    """
    return _translated(str(get_locale()), message)


@functools.lru_cache(maxsize=20_000)
def _translated(locale: str, message: str) -> str:
    return get_translations().ugettext(message)  # in `locale`: the caller's current one


def install_template_gettext(app: Flask) -> None:
    """Replace the Jinja `_`/`gettext` Flask-Babel installed with `template_gettext`."""
    app.jinja_env.install_gettext_callables(
        gettext=template_gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
