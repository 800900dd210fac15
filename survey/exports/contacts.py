"""The contacts export: one row per contact attempt of a round's selected pairs, and each
side's last disposition and number of attempts for the respondent layout.

Attempts are read in the export's snapshot like everything else; text cells (the note)
go through the writers' formula check like every export's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.core.questionnaire import Questionnaire, Text
from survey.exports.dataset import Dataset, Variable
from survey.exports.fixed import FIXED
from survey.fieldwork import dispositions
from survey.fieldwork.services import Case, attempts_of, cases
from survey.rounds.models import Round
from survey.studies.models import Pair

LABELS: dict[str, Text] = {
    "attempt": {"en": "Attempt number", "zh-Hans": "第几次联系", "zh-Hant": "第幾次聯絡"},
    "at": {"en": "Attempted at (UTC)", "zh-Hans": "联系时间（UTC）", "zh-Hant": "聯絡時間（UTC）"},
    "contact_mode": {"en": "Mode of contact", "zh-Hans": "联系方式", "zh-Hant": "聯絡方式"},
    "outcome": {"en": "Outcome", "zh-Hans": "结果", "zh-Hant": "結果"},
    "aapor": {"en": "AAPOR disposition", "zh-Hans": "AAPOR 处置", "zh-Hant": "AAPOR 處置"},
    "aapor_group": {"en": "AAPOR group", "zh-Hans": "AAPOR 类别", "zh-Hant": "AAPOR 類別"},
    "callback_at": {
        "en": "Agreed time (UTC)", "zh-Hans": "约定时间（UTC）", "zh-Hant": "約定時間（UTC）",
    },
    "callback_zone": {
        "en": "Respondent's time zone", "zh-Hans": "受访者时区", "zh-Hant": "受訪者時區",
    },
    "note": {"en": "Note", "zh-Hans": "备注", "zh-Hant": "備註"},
    "by": {"en": "Logged by", "zh-Hans": "记录人", "zh-Hant": "記錄人"},
}  # fmt: skip
OUTCOME_LABELS: dict[str, Text] = {
    "no_answer": {"en": "no answer", "zh-Hans": "无人接听", "zh-Hant": "無人接聽"},
    "busy": {"en": "busy", "zh-Hans": "占线", "zh-Hant": "忙線"},
    "answering_machine": {"en": "answering machine", "zh-Hans": "答录机", "zh-Hant": "答錄機"},
    "wrong_number": {"en": "wrong number", "zh-Hans": "号码错误", "zh-Hant": "號碼錯誤"},
    "callback": {"en": "callback requested", "zh-Hans": "要求回电", "zh-Hant": "要求回電"},
    "appointment": {"en": "appointment made", "zh-Hans": "已预约", "zh-Hant": "已預約"},
    "refused": {"en": "refused", "zh-Hans": "拒绝", "zh-Hant": "拒絕"},
    "started": {"en": "interview started", "zh-Hans": "访谈已开始", "zh-Hant": "訪談已開始"},
    "completed": {"en": "completed", "zh-Hans": "已完成", "zh-Hant": "已完成"},
    "ineligible": {"en": "ineligible", "zh-Hans": "不符合资格", "zh-Hant": "不符合資格"},
}
MODE_LABELS: dict[str, Text] = {
    "phone": {"en": "telephone", "zh-Hans": "电话", "zh-Hant": "電話"},
    "email": {"en": "e-mail", "zh-Hans": "电子邮件", "zh-Hant": "電子郵件"},
    "in_person": {"en": "in person", "zh-Hans": "面谈", "zh-Hant": "面談"},
    "other": {"en": "other", "zh-Hans": "其他", "zh-Hant": "其他"},
}


def side_contacts(session: Session, invitations: Sequence[Any]) -> dict[int, tuple[str, int]]:
    """Invitation id → (the case's AAPOR disposition code, its number of attempts)."""
    outcomes: dict[int, list[str]] = {i.id: [] for i in invitations}
    for attempt in attempts_of(session, list(outcomes)):
        outcomes[attempt.invitation_id].append(attempt.outcome)
    return {
        i.id: (dispositions.disposition(i.state, outcomes[i.id]).code, len(outcomes[i.id]))
        for i in invitations
    }


def _variables() -> tuple[Variable, ...]:
    def var(name: str, label: Text, kind: str = "string", role: str = "meta", **kw: Any):  # noqa: ANN202
        return Variable(name, label, kind, role=role, **kw)

    return (
        var("pair", FIXED["pair"], role="pair"),
        var("side", FIXED["side"], role="side"),
        var("respondent", FIXED["respondent"], role="side", identifying=True),
        var("attempt", LABELS["attempt"], "integer"),
        var("attempted_at", LABELS["at"], "datetime"),
        var("contact_mode", LABELS["contact_mode"], "code", value_labels=MODE_LABELS),
        var("outcome", LABELS["outcome"], "code", value_labels=OUTCOME_LABELS),
        var("aapor", LABELS["aapor"]),
        var("aapor_group", LABELS["aapor_group"]),
        var("callback_at", LABELS["callback_at"], "datetime"),
        var("callback_zone", LABELS["callback_zone"]),
        var("note", LABELS["note"]),
        var("logged_by", LABELS["by"]),
    )


def dataset(q: Questionnaire, session: Session, round_: Round, pairs: Sequence[Pair]) -> Dataset:
    """One row per attempt on the sides of `pairs`, by pair, side and time."""
    found = cases(session, round_, pair_codes={p.code for p in pairs})
    found.sort(key=lambda c: (c.pair.code, c.side.position))
    users = dict(session.execute(select(User.id, User.email)).all())
    return Dataset(_variables(), _rows(found, users), q, "contacts")


def _rows(found: list[Case], users: dict[int, str]) -> Iterator[list[Any]]:
    for case in found:
        for n, a in enumerate(case.attempts, start=1):
            disposition = dispositions.OUTCOMES[a.outcome]
            yield [
                case.pair.code, case.side.code, case.respondent.name, n, a.at, a.mode,
                a.outcome, disposition.code, disposition.group, a.callback_at, a.callback_zone,
                a.note, users.get(a.by_user_id or 0, ""),
            ]  # fmt: skip
