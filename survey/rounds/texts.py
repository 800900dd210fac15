"""Invitation and reminder texts: defaults in three languages and a restricted placeholder syntax.

A researcher's text may use only the names in PLACEHOLDERS, written `{name}`;
`{{` and `}}` give literal braces. There is no attribute or index access, no
conversion, no format spec and no expression: anything else inside braces is
refused with a TemplateError naming it, so `{0.__class__}`, `{link.__init__}`
and `${7*7}` are errors and `{{ config.SECRET_KEY }}` renders literally as
`{ config.SECRET_KEY }` (QUALITY.md INJ-03). Values are inserted verbatim and
never parsed again. The `{link}` value comes from the caller, which builds it
from the configured BASE_URL and never from the request's Host (AUTH-07).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from survey.i18n import TAGS, normalize
from survey.messages import translate

PLACEHOLDERS = (
    "respondent_name",
    "study_title",
    "pair",
    "partner_place",
    "own_place",
    "own_side",
    "partner_side",
    "link",
    "closing_date",
    "time_left",
    "continue_note",
)
KINDS = ("invitation", "reminder")
LANGUAGES = ("en", "zh-Hans", "zh-Hant")

# `{{`, `}}`, a `{…}` group without braces inside, or a lone brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """A text uses placeholders or braces it may not; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def _scan(template: str) -> tuple[list[str | tuple[str]], list[str]]:
    """Split a template into literal strings and (name,) placeholders, with the problems found."""
    parts: list[str | tuple[str]] = []
    problems: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        parts.append(template[position : match.start()])
        position = match.end()
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif name is None:
            problems.append(
                translate(
                    "Unmatched %(token)s at character %(position)s; write {{ or }} for a literal "
                    "brace.",
                    token=repr(token),
                    position=match.start() + 1,
                )
            )
        elif name in PLACEHOLDERS:
            parts.append((name,))
        else:
            problems.append(_unknown(token, name))
    parts.append(template[position:])
    return parts, problems


def _unknown(token: str, name: str) -> str:
    allowed = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
    if name.strip() in PLACEHOLDERS:
        return translate(
            "Unknown placeholder %(token)s. Did you mean %(suggestion)s? Use only %(allowed)s.",
            token=token,
            suggestion=f"{{{name.strip()}}}",
            allowed=allowed,
        )
    return translate(
        "Unknown placeholder %(token)s. Use only %(allowed)s.", token=token, allowed=allowed
    )


def check_template(template: str, *, required: Iterable[str] = ()) -> list[str]:
    """The problems of a text (empty when it is fine); `required` names placeholders it must use."""
    parts, problems = _scan(template)
    used = {part[0] for part in parts if isinstance(part, tuple)}
    problems.extend(
        translate("The text must contain %(placeholder)s.", placeholder=f"{{{name}}}")
        for name in required
        if name not in used
    )
    return problems


def render_text(template: str, context: Mapping[str, str]) -> str:
    """Fill the placeholders of `template` from `context`; raise TemplateError on any problem."""
    parts, problems = _scan(template)
    missing = sorted({p[0] for p in parts if isinstance(p, tuple) and p[0] not in context})
    problems.extend(f"No value was given for {{{name}}}." for name in missing)
    if problems:
        raise TemplateError(problems)
    return "".join(part if isinstance(part, str) else str(context[part[0]]) for part in parts)


def zone_name(*candidates: str | None) -> str:
    """The first of the candidates that is a known IANA zone (else UTC)."""
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"


def text_language(language: str) -> str:
    """The BCP 47 tag (en, zh-Hans, zh-Hant) of a language code such as zh-TW or zh_Hans."""
    locale = normalize(language)
    if locale is None:
        raise ValueError(f"No texts in language {language!r}; use one of {', '.join(LANGUAGES)}.")
    return TAGS[locale]


def default_texts(
    kind: str, language: str, *, closing_date: bool = True, started: bool = False
) -> tuple[str, str]:
    """The default (subject, body) of an invitation or reminder; without the closing-date line
    when the round has no closing date, and with the "continue where you left off" line only
    for a respondent who has started."""
    if kind not in KINDS:
        raise ValueError(f"No default texts for {kind!r}; use one of {', '.join(KINDS)}.")
    subject, paragraphs = _DEFAULTS[kind, text_language(language)]
    kept = [
        p
        for p in paragraphs
        if (closing_date or "{closing_date}" not in p) and (started or "{continue_note}" not in p)
    ]
    return subject, "\n\n".join(kept) + "\n"


def continue_note(language: str, started: bool) -> str:
    """The "continue where you left off" sentence for one who has started, else empty."""
    return _CONTINUE[text_language(language)] if started else ""


def time_left(until: dt.datetime, now: dt.datetime, language: str) -> str:
    """How long until `until`, in whole days, in `language` ("12 days", "不到一天")."""
    tag = text_language(language)
    days = (until - now) // dt.timedelta(days=1)
    if tag == "en":
        return "less than a day" if days < 1 else ("1 day" if days == 1 else f"{days} days")
    return "不到一天" if days < 1 else f"{days}天"


_CONTINUE = {
    "en": "You have already answered part of the questionnaire: the link takes you back to "
    "where you left off, and your earlier answers have been saved.",
    "zh-Hans": "您已填写了部分问卷：通过此链接可从上次中断处继续填写，此前填写的内容均已保存。",
    "zh-Hant": "您已填寫了部分問卷：透過此連結可從上次中斷處繼續填寫，先前填寫的內容皆已儲存。",
}


# Spelled out rather than taken from `calendar`, whose names follow the process locale.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
_MONTHS += ("September", "October", "November", "December")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_ZH = "一二三四五六日"


def format_closing_date(
    value: dt.datetime | dt.date, language: str, zone: str | None = None
) -> str:
    """A closing date for a message: a moment in the recipient's zone with the UTC offset shown,
    or a plain date (I18N-04)."""
    tag = text_language(language)
    if not isinstance(value, dt.datetime):
        return _date(value, tag)
    if value.tzinfo is None:
        raise ValueError("naive datetime given; closing dates are stored in UTC")
    local = value.astimezone(ZoneInfo(zone or "UTC"))
    offset = local.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    if tag == "en":
        hour = local.hour % 12 or 12
        noon = "a.m." if local.hour < 12 else "p.m."
        return f"{_date(local.date(), tag)}, {hour}:{local.minute:02d} {noon} ({utc})"
    return f"{_date(local.date(), tag)} {local:%H:%M}（{utc}）"


def _date(day: dt.date, tag: str) -> str:
    if tag == "en":
        return f"{_WEEKDAYS_EN[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS_ZH[day.weekday()]}）"


# Default texts: (subject, paragraphs). The paragraph holding {closing_date} is dropped
# when a round has no closing date. Written for a municipal Foreign Affairs Office or a
# sister-city association: formal, and neutral about the kind of partnership (city,
# state, province), since pair kinds come from data. zh-Hant follows Taiwan usage.
_DEFAULTS: dict[tuple[str, str], tuple[str, list[str]]] = {
    ("invitation", "en"): (
        "Invitation to take part in {study_title}",
        [
            "Dear {respondent_name},",
            "On behalf of the research team, we would like to invite you to take part "
            "in {study_title}.",
            "The study looks at the relationship between {own_place} and {partner_place}. "
            "The same questions are put to representatives on both sides, so that the two "
            "accounts of exchanges and joint activities can be read side by side. Your answers "
            "on behalf of {own_place} ({own_side}) are therefore an essential part of the picture.",
            "You can answer online at the personal link below. Your answers are saved as you "
            "go, so you may stop at any time and continue later from the same link, on any "
            "device.",
            "{link}",
            "The questionnaire will remain open until {closing_date}.",
            "This link is for you alone; please do not forward it. If someone else in your "
            "organization would be better placed to answer, or if you have any questions, "
            "please reply to this e-mail and we will be glad to help.",
            "Thank you very much for your time and support.",
            "With kind regards,\nThe research team",
        ],
    ),
    ("reminder", "en"): (
        "Reminder: invitation to take part in {study_title}",
        [
            "Dear {respondent_name},",
            "We recently invited you to take part in {study_title}, which looks at the "
            "relationship between {own_place} and {partner_place}. As we have not yet "
            "received your completed questionnaire, we are writing with a brief reminder.",
            "Because the same questions are put to both sides, the two accounts can only be "
            "compared once both have answered, so your answers on behalf of {own_place} "
            "({own_side}) are very important to us.",
            "{continue_note}",
            "{link}",
            "The questionnaire will remain open until {closing_date}, that is for another "
            "{time_left}.",
            "If you have completed the questionnaire in the meantime, please disregard this "
            "message. If you have any questions, simply reply to this e-mail.",
            "Thank you again for your time and support.",
            "With kind regards,\nThe research team",
        ],
    ),
    ("invitation", "zh-Hans"): (
        "诚邀参加{study_title}",
        [
            "尊敬的{respondent_name}：",
            "您好！",
            "我们谨代表课题组，诚挚邀请您参加“{study_title}”。",
            "本研究关注{own_place}与{partner_place}之间的交流与合作。我们将就同样的问题"
            "分别请双方代表作答，以便对照双方对人员往来及各项合作活动的记述。"
            "您代表{own_place}（{own_side}）提供的回答，对本研究十分重要。",
            "请通过以下专属链接在线填写问卷。您填写的内容会自动保存，您可以随时中断，"
            "之后通过同一链接在任何设备上继续填写。",
            "{link}",
            "问卷填写截止时间为{closing_date}。",
            "此链接仅供您本人使用，请勿转发。如您认为贵单位另有更合适的人选作答，"
            "或有任何疑问，请直接回复本邮件，我们将及时与您联系。",
            "衷心感谢您的支持与配合！",
            "此致\n敬礼！",
            "课题组",
        ],
    ),
    ("reminder", "zh-Hans"): (
        "再次诚邀参加{study_title}",
        [
            "尊敬的{respondent_name}：",
            "您好！",
            "日前我们曾邀请您参加“{study_title}”，就{own_place}与{partner_place}之间的"
            "交流与合作作答。截至目前，我们尚未收到您填写完成的问卷，特此再次致函提醒。",
            "由于本研究需要对照双方代表对同样问题的回答，只有双方均完成作答，才能进行比较，"
            "因此您代表{own_place}（{own_side}）提供的回答对我们十分重要。",
            "{continue_note}",
            "{link}",
            "问卷填写截止时间为{closing_date}，距截止还有{time_left}。",
            "如您近日已完成填写，请忽略本邮件。如有任何疑问，请直接回复本邮件。",
            "再次感谢您的支持与配合！",
            "此致\n敬礼！",
            "课题组",
        ],
    ),
    ("invitation", "zh-Hant"): (
        "敬邀參與{study_title}",
        [
            "{respondent_name} 您好：",
            "我們謹代表研究團隊，誠摯邀請您參與「{study_title}」。",
            "本研究關注{own_place}與{partner_place}之間的交流與合作。我們會以相同的問題"
            "分別請雙方代表作答，以便對照雙方對人員往來及各項合作活動的說明。"
            "您代表{own_place}（{own_side}）所提供的回覆，對本研究至關重要。",
            "請透過以下專屬連結線上填寫問卷。您填寫的內容會自動儲存，可隨時暫停，"
            "之後再以同一連結於任何裝置上繼續填寫。",
            "{link}",
            "問卷填寫截止時間為{closing_date}。",
            "此連結僅供您本人使用，請勿轉寄。如您認為貴單位有更適合的人選作答，"
            "或有任何疑問，歡迎直接回覆此信，我們將儘速與您聯繫。",
            "衷心感謝您的支持與協助！",
            "敬祝\n順心",
            "研究團隊 敬上",
        ],
    ),
    ("reminder", "zh-Hant"): (
        "再次敬邀參與{study_title}",
        [
            "{respondent_name} 您好：",
            "日前我們曾邀請您參與「{study_title}」，就{own_place}與{partner_place}之間的"
            "交流與合作提供回覆。目前我們尚未收到您填寫完成的問卷，特此再次來信提醒。",
            "由於本研究需對照雙方代表對相同問題的回答，唯有雙方皆完成作答，方能進行比較，"
            "因此您代表{own_place}（{own_side}）所提供的回覆對我們非常重要。",
            "{continue_note}",
            "{link}",
            "問卷填寫截止時間為{closing_date}，距截止尚有{time_left}。",
            "如您近日已完成填寫，請忽略此信。如有任何疑問，歡迎直接回覆此信。",
            "再次感謝您的支持與協助！",
            "敬祝\n順心",
            "研究團隊 敬上",
        ],
    ),
}
