"""The paradata layout: one row per invitation and section page (docs/exports.md, privacy.md).

How a respondent went through the form, from the tables `responding/paradata.py` writes:
the seconds on each page from the moment the server drew it to the moment it was saved
(each save capped at 30 minutes), how often it was saved, language switches on it, how
its answers were entered (the respondent on the web, an interviewer, an import or a
correction), and per invitation its visits, their device classes and languages. A row is
written for each section (and the welcome page) that has paradata or answers; the pair and
the side name the invitation, never the respondent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from survey.core.questionnaire import Questionnaire, Text
from survey.exports.dataset import Dataset, Variable
from survey.responding.models import Answer
from survey.rounds.models import Invitation, Round
from survey.rounds.paradata import ParadataPage, ParadataVisit
from survey.studies.models import Pair, StudySide

LAYOUT = "paradata"
WELCOME = "welcome"  # the pages that are no section, by their paradata names
REVIEW = "review"  # (responding/paradata.py)
THANKS = "thanks"
SOURCE_MODES = {"respondent": "web"}  # Answer.source → the mode named in the export


def _text(en: str, hans: str, hant: str) -> Text:
    return {"en": en, "zh-Hans": hans, "zh-Hant": hant}


COLUMNS: tuple[tuple[str, str, Text], ...] = (
    ("pair", "string", _text("Pair", "结对", "配對")),
    ("side", "string", _text("Side", "所属方", "所屬方")),
    ("mode", "string", _text(
        "Interview mode of the invitation", "邀请的访谈方式", "邀請的訪談方式")),
    ("state", "string", _text("Invitation state", "邀请状态", "邀請狀態")),
    ("section", "string", _text(
        "Section (page); 'welcome', 'review' and 'thanks' are the welcome, review and thank-you "
        "pages",
        "部分（页面）；welcome、review、thanks 分别为欢迎页、检查页和致谢页",
        "部分（頁面）；welcome、review、thanks 分別為歡迎頁、檢查頁和致謝頁")),
    ("position", "integer", _text(
        "Position of the page in the form (0: welcome; the review and thank-you pages last)",
        "该页在问卷中的顺序（0：欢迎页；检查页和致谢页在最后）",
        "該頁在問卷中的順序（0：歡迎頁；檢查頁和致謝頁在最後）")),
    ("seconds", "number", _text(
        "Seconds on the page: from the server drawing it to its saving, each save capped at "
        "30 minutes, summed",
        "在该页停留的秒数：从服务器生成页面到保存，每次最多计 30 分钟，累加",
        "在該頁停留的秒數：從伺服器產生頁面到儲存，每次最多計 30 分鐘，累加")),
    ("saves", "integer", _text("Times the page was saved", "该页保存次数", "該頁儲存次數")),
    ("autosaves", "integer", _text(
        "Autosaves while typing on the page (counted, not timed)",
        "在该页输入时的自动保存次数（只计次数，不计时间）",
        "在該頁輸入時的自動儲存次數（只計次數，不計時間）")),
    ("language_switches", "integer", _text(
        "Language switches on the page", "在该页切换语言的次数", "在該頁切換語言的次數")),
    ("first_shown", "datetime", _text(
        "First shown at (UTC)", "首次显示时间（UTC）", "首次顯示時間（UTC）")),
    ("last_saved", "datetime", _text(
        "Last saved at (UTC)", "最后保存时间（UTC）", "最後儲存時間（UTC）")),
    ("answers", "integer", _text(
        "Questions answered on the page", "该页已回答的问题数", "該頁已回答的問題數")),
    ("answer_modes", "string", _text(
        "How the page's answers were entered: web (the respondent), interviewer, import, "
        "correction; ';' between several",
        "该页回答的录入方式：web（受访者本人）、interviewer（访员）、import（导入）、"
        "correction（更正）；多种时以 ; 分隔",
        "該頁回答的輸入方式：web（受訪者本人）、interviewer（訪員）、import（匯入）、"
        "correction（更正）；多種時以 ; 分隔")),
    ("visits", "integer", _text(
        "Visits of the invitation (personal link opened)",
        "该邀请的访问次数（打开专属链接）", "該邀請的造訪次數（開啟專屬連結）")),
    ("devices", "string", _text(
        "Device classes of the visits (desktop, mobile, tablet, bot, unknown), ';' between",
        "各次访问的设备类别（desktop、mobile、tablet、bot、unknown），以 ; 分隔",
        "各次造訪的裝置類別（desktop、mobile、tablet、bot、unknown），以 ; 分隔")),
    ("visit_languages", "string", _text(
        "Languages the visits started in, ';' between",
        "各次访问开始时的语言，以 ; 分隔", "各次造訪開始時的語言，以 ; 分隔")),
    ("total_seconds", "number", _text(
        "Seconds on all pages of the invitation (as in seconds)",
        "该邀请所有页面的停留秒数（计法同 seconds）",
        "該邀請所有頁面的停留秒數（計法同 seconds）")),
)  # fmt: skip


def dataset(
    session: Session,
    round_: Round,
    q: Questionnaire,
    sides: Sequence[StudySide],
    pairs: Sequence[Pair],
) -> Dataset:
    """The paradata of the round's invitations of `pairs`, one row per invitation and page."""
    variables = tuple(
        Variable(name, label, kind, role="pair" if name == "pair" else "meta")
        for name, kind, label in COLUMNS
    )
    return Dataset(variables, _rows(session, round_, q, sides, pairs), q, LAYOUT)


def _rows(
    session: Session,
    round_: Round,
    q: Questionnaire,
    sides: Sequence[StudySide],
    pairs: Sequence[Pair],
) -> Iterator[list[Any]]:
    codes = {pair.id: pair.code for pair in pairs}
    side_codes = {side.id: side.code for side in sides}
    order = [WELCOME, *(section.key for section in q.sections), REVIEW, THANKS]
    invitations = sorted(
        (
            invitation
            for invitation in session.scalars(
                select(Invitation).where(Invitation.round_id == round_.id)
            )
            if invitation.pair_id in codes
        ),
        key=lambda i: (codes[i.pair_id], [s.id for s in sides].index(i.side_id)),
    )
    pages = _pages(session, round_)
    visits = _visits(session, round_)
    answered = _answers(session, round_, q)
    for invitation in invitations:
        own_pages = pages.get(invitation.id, {})
        own_answers = answered.get(invitation.id, {})
        seen = [key for key in order if key in own_pages or key in own_answers]
        if not seen:
            continue
        own_visits = visits.get(invitation.id, [])
        total = round(sum(p[0] for p in own_pages.values()), 1)
        for key in seen:
            seconds, saves, autosaves, switches, first, last = own_pages.get(
                key, (0, 0, 0, 0, None, None)
            )
            modes = own_answers.get(key, {})
            yield [
                codes[invitation.pair_id],
                side_codes.get(invitation.side_id, ""),
                invitation.mode,
                invitation.state,
                key,
                order.index(key),
                seconds,
                saves,
                autosaves,
                switches,
                first,
                last,
                sum(modes.values()),
                ";".join(sorted(modes)),
                len(own_visits),
                ";".join(sorted({device for device, _ in own_visits})),
                ";".join(dict.fromkeys(language for _, language in own_visits)),
                total,
            ]


def _pages(session: Session, round_: Round) -> dict[int, dict[str, tuple]]:
    switch = case((ParadataPage.event == "language", 1), else_=0)
    autosave = case((ParadataPage.event == "autosave", 1), else_=0)
    timed = case((ParadataPage.event != "autosave", ParadataPage.shown_at), else_=None)
    query = (
        select(
            ParadataPage.invitation_id,
            ParadataPage.section,
            func.sum(ParadataPage.seconds),
            func.sum(1 - switch - autosave),
            func.sum(autosave),
            func.sum(switch),
            func.min(timed),  # an autosave's row says when it saved, not when the page showed
            func.max(ParadataPage.saved_at),
        )
        .join(Invitation, Invitation.id == ParadataPage.invitation_id)
        .where(Invitation.round_id == round_.id)
        .group_by(ParadataPage.invitation_id, ParadataPage.section)
    )
    found: dict[int, dict[str, tuple]] = defaultdict(dict)
    for invitation_id, section, seconds, saves, autosaves, switches, first, last in session.execute(
        query
    ):
        found[invitation_id][section] = (
            round(float(seconds), 1),
            int(saves),
            int(autosaves),
            int(switches),
            first,
            last,
        )
    return found


def _visits(session: Session, round_: Round) -> dict[int, list[tuple[str, str]]]:
    query = (
        select(ParadataVisit.invitation_id, ParadataVisit.device, ParadataVisit.language)
        .join(Invitation, Invitation.id == ParadataVisit.invitation_id)
        .where(Invitation.round_id == round_.id)
        .order_by(ParadataVisit.id)
    )
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for invitation_id, device, language in session.execute(query):
        found[invitation_id].append((device, language))
    return found


def _answers(session: Session, round_: Round, q: Questionnaire) -> dict[int, dict[str, dict]]:
    """Per invitation and section: how many answers came by each mode."""
    query = (
        select(Answer.invitation_id, Answer.question_key, Answer.source)
        .join(Invitation, Invitation.id == Answer.invitation_id)
        .where(Invitation.round_id == round_.id, Answer.value.is_not(None))
    )
    found: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for invitation_id, key, source in session.execute(query):
        section = q.section_of(key) if key in q.answerable_keys else None
        if section is None:
            continue
        modes = found[invitation_id].setdefault(section.key, {})
        mode = SOURCE_MODES.get(source, source)
        modes[mode] = modes.get(mode, 0) + 1
    return found
