"""Small helpers available in every template."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, get_template_attribute, render_template, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from survey import i18n
from survey.core.questionnaire import FALLBACKS
from survey.core.questionnaire import text_in as _text_in


def fragment(template: str, macro: str, *args: str) -> Markup:
    """A macro of `template`, drawn once per interface language and arguments, then reused.

    For the parts of the respondent's pages that change only with the language and a
    title (the header with the language switch, the buttons): drawing them through
    Jinja on every request was a good part of serving a page. Arguments are strings.
    """
    if current_app.jinja_env.auto_reload:  # a developer editing templates sees each edit
        return get_template_attribute(template, macro)(*args)
    return _fragment(str(get_locale()), template, macro, *args)


@functools.lru_cache(maxsize=4096)
def _fragment(locale: str, template: str, macro: str, *args: str) -> Markup:
    return get_template_attribute(template, macro)(*args)  # in `locale`: the caller's current one


_MARK = "\x00"  # not in a page (HTML forbids it); a frame with a stray one is not kept
_SLOT = Markup("\x00")
_FRAMES: dict[tuple[Any, ...], tuple[str, ...]] = {}
_FRAMES_MAX = 4096


def framed(template: str, key: tuple[Any, ...], slots: Mapping[str, Markup], **context: Any) -> str:
    """`render_template(template, **slots, **context)`, the frame drawn once per `key`.

    For a page drawn on every request whose parts outside `slots` depend only on
    `key` (and the interface language): the template is rendered once with a
    placeholder in each slot and kept as its pieces; a request then only joins the
    pieces with its slots. Slots are HTML already (escaped or `Markup` built from
    escaped parts), each used once by the template. Should a frame not come out as
    expected (a slot used twice or not at all, a placeholder character in a text),
    the page is rendered in full instead, every time; so it is while templates are
    reloaded on change (debug), so that every edit shows.
    """
    if current_app.jinja_env.auto_reload:
        return render_template(template, **slots, **context)
    names = tuple(slots)
    whole = (template, str(get_locale()), request.script_root, names, *key)
    pieces = _FRAMES.get(whole)
    if pieces is None:
        marks = {name: _SLOT.join(("", name, "")) for name in names}  # `name` is escaped
        pieces = tuple(render_template(template, **marks, **context).split(_MARK))
        if sorted(pieces[1::2]) != sorted(names):  # each slot once, and nothing else marked
            return render_template(template, **slots, **context)
        if len(_FRAMES) >= _FRAMES_MAX:
            _FRAMES.clear()
        _FRAMES[whole] = pieces
    return "".join(piece if n % 2 == 0 else str(slots[piece]) for n, piece in enumerate(pieces))


def url(endpoint: str, **values: str) -> str:
    """`url_for` remembered per script root, for the addresses the hottest pages draw.

    The respondent's pages ask for the same few addresses (the style sheet, the
    script, the section's own) on every request; building them cost more than
    drawing the rest of the page's frame. Values are strings.
    """
    return _url(request.script_root, endpoint, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=1024)
def _url(_root: str, endpoint: str, values: tuple[tuple[str, str], ...]) -> str:
    return url_for(endpoint, **dict(values))


def current_locale() -> str:
    """The request's locale as one of i18n.LOCALES."""
    return str(get_locale() or "en")


def lang_tag() -> str:
    """The BCP 47 tag for the page's `lang` attribute."""
    return i18n.tag(current_locale())


def text_in(text: Mapping[str, str], language: str | None = None) -> str:
    """A per-language text in `language` (default: the page's), with the documented fallback."""
    language = language or lang_tag()
    return _text_in(text, language, FALLBACKS.get(language, ("en",)))[0]


def local_time(moment: dt.datetime | None, zone: str | None = None) -> str:
    """A timestamp in the viewer's (or the given) zone, with the offset shown (I18N-04)."""
    if moment is None:
        return ""
    tz = ZoneInfo(zone) if zone else get_timezone()
    local = moment.astimezone(tz)
    return f"{format_datetime(local, 'yyyy-MM-dd HH:mm')} ({local.strftime('%Z, UTC%z')})"


# Labels of the special answers and of yes/no, in the interface language of the page.
SPECIAL_LABELS = {"dk": _l("Don't know"), "rf": _l("Prefer not to answer")}
YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}

STATE_NAMES = {
    "draft": _l("draft"),
    "open": _l("open"),
    "closed": _l("closed"),
    "pending": _l("pending"),
    "sent": _l("sent"),
    "opened": _l("opened"),
    "in_progress": _l("in progress"),
    "submitted": _l("submitted"),
    "declined": _l("declined"),
    "bounced": _l("bounced"),
}

MAIL_STATE_NAMES = {
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "unknown": _l("outcome unknown"),
}

OUTCOME_NAMES = {
    "agree": _l("agree"),
    "disagree": _l("disagree"),
    "missing": _l("missing"),
    "skipped": _l("skipped"),
    "review": _l("for review"),
}


def plain_value(value: object) -> str:
    """A stored answer as short text for tables: codes joined by '; ', nothing for None."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


# Punctuation that differs between English and Chinese (UX.md 6: ：（） in Chinese text),
# kept in the catalogues so that a template never writes a half-width mark itself.
_LABEL_VALUE = _l("%(label)s: %(value)s")
_WITH_DETAIL = _l("%(name)s (%(detail)s)")


def label_value(label: object, value: object) -> Markup:
    """`label: value` with the interface language's colon; both parts escaped."""
    return escape(str(_LABEL_VALUE)) % {"label": label, "value": value}


def with_detail(name: object, detail: object) -> Markup:
    """`name (detail)` with the interface language's brackets; both parts escaped."""
    return escape(str(_WITH_DETAIL)) % {"name": name, "detail": detail}
