"""Small helpers available in every template."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, get_template_attribute, render_template, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from survey import i18n
from survey.caching import Keyed, built
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

    def draw() -> tuple[str, ...]:
        marks = {name: _SLOT.join(("", name, "")) for name in names}  # `name` is escaped
        pieces = tuple(render_template(template, **marks, **context).split(_MARK))
        if sorted(pieces[1::2]) != sorted(names):  # each slot once, and nothing else marked
            raise _UnframedError  # not kept: lru_cache keeps no call that raised
        return pieces

    whole = (template, str(get_locale()), request.script_root, names, *key)
    try:
        pieces = _frame(Keyed(whole, draw))
    except _UnframedError:
        return render_template(template, **slots, **context)
    return "".join(piece if n % 2 == 0 else str(slots[piece]) for n, piece in enumerate(pieces))


class _UnframedError(Exception):
    """A frame that did not come out as expected."""


@functools.lru_cache(maxsize=4096)
def _frame(whole: Keyed) -> tuple[str, ...]:
    """A page's frame as its pieces."""
    return built(whole)


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


# Where browsers may end a line inside a word: after - – — or /, and before a bracket that
# follows a letter or digit ("501(c)(3)").
_BREAKS = re.compile(r"[-/–—]|\w[(\[]")
# A Latin word is a run of anything but spaces and CJK characters: Chinese text around it
# ("（2004—2008）") still wraps between its characters.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_LATIN_RUNS = re.compile(rf"([^\s{_CJK}]+)")
_NOT_LATIN = re.compile(rf"[\s{_CJK}]")


def keep_words(text: object) -> Markup:
    """Text whose hyphenated or slashed words never break at the hyphen, dash or slash.

    Browsers may end a line after "-", "–" or "/"; in a table cell that splits
    "cross-strait", "(2004–2008)," or "+1-303-555-0111" over two lines. Such words are
    kept whole; spaces and Chinese text (which has no spaces) still wrap as usual, also
    around such a word ("近五年（2004—2008），" keeps only "2004—2008" on one line).
    """
    parts = _LATIN_RUNS.split("" if text is None else str(text))
    return Markup("").join(
        Markup('<span class="nowrap">%s</span>') % part
        if len(part) > 1 and _BREAKS.search(part) and not _NOT_LATIN.search(part)
        else part
        for part in parts
    )


def sentences(*parts: object) -> Markup:
    """Sentences one after another: a space after a Latin full stop, none after 。！？ (UX.md 6)."""
    out = Markup("")
    for part in parts:
        text = escape(part)
        if out and text:
            out += Markup("") if str(out).rstrip()[-1:] in "。！？：" else Markup(" ")
        out += text
    return out


def side_name(side: Any, pair: Any = None, language: str | None = None) -> str:
    """A side's label in the page's language (or `language`): the one place pages take it from.

    For a `pair`, the label the study gives the side for pairs of that kind (a cross-strait
    pair's second side is "Taiwan" / "台湾" / "臺灣"), else the side's own.
    """
    kind = getattr(pair, "kind", None) if pair is not None else None
    label = side.label_for(kind) if kind and hasattr(side, "label_for") else side.label
    return text_in(label, language)


def place_name(pair_side: Any) -> str:
    """A pair side's place in the page's language: Chinese name in Chinese, else English.

    Pairs files give one Chinese name, usually in simplified characters; a page in
    traditional Chinese shows it converted (OpenCC `s2t`: 兰州 → 蘭州, 台南 → 臺南).
    """
    if pair_side is None:
        return ""
    locale = current_locale()
    if locale.startswith("zh") and pair_side.place_zh:
        return _traditional(pair_side.place_zh) if locale == "zh_Hant" else pair_side.place_zh
    return pair_side.place_en or pair_side.place_zh or ""


@functools.lru_cache(maxsize=4096)
def _traditional(text: str) -> str:
    return _s2t().convert(text)


@functools.lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc  # its dictionaries load slowly: once per process, when first needed

    return opencc.OpenCC("s2t")


def pair_places(pair: Any, sides: Any) -> str:
    """A pair's two places as people name it ("Los Angeles – Guangzhou"), in `sides` order."""
    by_side = {ps.side_id: ps for ps in pair.sides}
    names = [place_name(by_side.get(side.id)) for side in sides]
    return " – ".join(name for name in names if name) or pair.code


def local_date(moment: dt.datetime | None, zone: str | None = None) -> str:
    """The day of a timestamp in the viewer's (or the given) zone, as YYYY-MM-DD."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone) if zone else get_timezone()).date().isoformat()


def local_stamp(moment: dt.datetime | None) -> str:
    """A timestamp in the viewer's zone without the zone, for tables that name it once."""
    if moment is None:
        return ""
    return format_datetime(moment.astimezone(get_timezone()), "yyyy-MM-dd HH:mm")


def zone_name() -> str:
    """The viewer's time zone and its offset now, e.g. "Asia/Shanghai, UTC+0800"."""
    now = dt.datetime.now(get_timezone())
    return f"{get_timezone()}, UTC{now.strftime('%z')}"


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

# The colour of each state's tag (GOV.UK tag modifiers); states not named here are grey.
TAG_COLOURS = {
    "active": "green",
    "expired": "grey",
    "revoked": "red",
    "draft": "grey",
    "open": "green",
    "closed": "blue",
    "pending": "grey",
    "sent": "light-blue",
    "opened": "light-blue",
    "in_progress": "yellow",
    "submitted": "green",
    "declined": "orange",
    "bounced": "red",
    "queued": "grey",
    "claimed": "light-blue",
    "sending": "light-blue",
    "failed": "red",
    "unknown": "orange",
    "cancelled": "grey",
    "owner": "purple",
    "researcher": "blue",
    "interviewer": "turquoise",
    "viewer": "grey",
    "outcome-agree": "green",
    "outcome-disagree": "red",
    "outcome-missing": "grey",
    "outcome-skipped": "grey",
    "outcome-review": "yellow",
}

MAIL_STATE_NAMES = {
    "queued": _l("queued"),
    "claimed": _l("about to be sent"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "unknown": _l("outcome unknown"),
    "cancelled": _l("not sent (no longer due)"),
}

# What each audit action means, for the audit log and the study page (the code stays visible).
ACTION_NAMES = {
    "answer.save": _l("Answers saved"),
    "answer.refused": _l("Answers refused"),
    "answer.explain": _l("What answers are based on, written"),
    "comparison.run": _l("Comparison run"),
    "discrepancy.decide": _l("Discrepancy decided"),
    "discrepancy.remove": _l("Discrepancy removed"),
    "discrepancy.reopen": _l("Discrepancy reopened"),
    "discrepancy.resolve": _l("Discrepancy resolved by a follow-up"),
    "followup.create": _l("Follow-up round created"),
    "interviewer.assign": _l("Interviewer assigned"),
    "interviewer.unassign": _l("Interviewer withdrawn"),
    "invitation.decline": _l("Invitation declined"),
    "invitation.open": _l("Invitation opened"),
    "invitation.reissue": _l("Link reissued"),
    "invitation.reopen": _l("Invitation reopened"),
    "invitation.submit": _l("Answers submitted"),
    "mail.queue": _l("Mail queued"),
    "mail.requeue": _l("Mail queued again"),
    "mail.unknown": _l("Mail outcome unknown"),
    "member.add": _l("Member added"),
    "member.remove": _l("Member removed"),
    "member.role": _l("Member's role changed"),
    "pair.create": _l("Pair created"),
    "pair.update": _l("Pair changed"),
    "pairs.export": _l("Pairs file downloaded"),
    "pairs.import": _l("Pairs file imported"),
    "questionnaire.import": _l("Questionnaire imported"),
    "respondent.create": _l("Respondent added"),
    "respondent.update": _l("Respondent changed"),
    "round.create": _l("Round created"),
    "round.open": _l("Round opened"),
    "round.closed": _l("Round closed"),
    "round.draft": _l("Round back to draft"),
    "round.invite": _l("Invitations queued"),
    "round.remind": _l("Reminders queued"),
    "round.schedule": _l("Reminder schedule set"),
    "round.remind.scheduled": _l("Scheduled reminders queued"),
    "round.links_exported": _l("Respondent links downloaded"),
    "round.texts": _l("Invitation texts changed"),
    "round.export": _l("Data exported"),
    "round.codebook": _l("Codebook written"),
    "study.create": _l("Study created"),
    "side.label": _l("Side label changed"),
    "side.zone": _l("Time zone of a side set"),
    "user.create": _l("Account created"),
    "user.login": _l("Signed in"),
    "user.login_failed": _l("Sign-in failed"),
    "user.logout": _l("Signed out"),
    "user.password_set": _l("Password set"),
    "user.settings": _l("Settings changed"),
}


# What an audit row is about, in words (object types are model names in snake case).
OBJECT_NAMES = {
    "discrepancy": _l("discrepancy"),
    "invitation": _l("invitation"),
    "membership": _l("membership"),
    "outbox": _l("message"),
    "outbox_message": _l("message"),
    "pair": _l("pair"),
    "respondent": _l("respondent"),
    "questionnaire_version": _l("questionnaire version"),
    "round": _l("round"),
    "study": _l("study"),
    "user": _l("account"),
}


def object_name(code: str | None) -> str:
    """An audit row's object type in words, in the page's language; an unknown one as it is."""
    name = OBJECT_NAMES.get(code or "")
    return str(name) if name is not None else (code or "")


def action_name(code: str) -> str:
    """An audit action in words, in the page's language; an unknown code as it is."""
    name = ACTION_NAMES.get(code)
    return str(name) if name is not None else code


OUTCOME_NAMES = {
    "agree": _l("agree"),
    "disagree": _l("disagree"),
    "missing": _l("missing"),
    "skipped": _l("skipped"),
    "review": _l("read by a person"),
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
