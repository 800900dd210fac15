"""A follow-up round's default invitation and reminder texts, in English and both Chinese scripts.

Stored as the round's own texts when it is created, so that a researcher edits them on
the round's Texts page like any round's. Placeholders as in `rounds.texts`. With the
partner's answers shown (`reveal`), the invitation says so.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh-Hans", "zh-Hant")

_INVITATION = {
    "en": (
        "A few questions again: {study_title}",
        [
            "Dear {respondent_name},",
            "Thank you for taking part in {study_title}. A few of the answers given on behalf "
            "of {own_place} ({own_side}) differ from the account given by {partner_place}. "
            "Such differences are common and often come from different records or memories.",
            "Could you please check these few answers against your records? For each one you "
            "can confirm your earlier answer or change it, and tell us what it is based on. "
            "It takes only a few minutes, and your earlier answers stay on file as they were.",
            "{link}",
            "This link is for you alone; please do not forward it. If you have any questions, "
            "please reply to this e-mail.",
            "With kind regards,\nThe research team",
        ],
    ),
    "zh-Hans": (
        "{study_title}：请再核对几个问题",
        [
            "尊敬的{respondent_name}：",
            "您好！感谢您参加“{study_title}”。您代表{own_place}（{own_side}）所作的回答中，"
            "有几项与{partner_place}方面的记述不一致。这类差异很常见，往往源于双方记录或记忆的不同。",
            "恳请您对照贵单位的记录核对这几项回答：您可以确认原先的回答，也可以加以修改，"
            "并说明回答的依据。只需几分钟，您原先的回答仍会照原样保留。",
            "{link}",
            "此链接仅供您本人使用，请勿转发。如有任何疑问，请直接回复本邮件。",
            "此致\n敬礼！",
            "课题组",
        ],
    ),
    "zh-Hant": (
        "{study_title}：請再核對幾個問題",
        [
            "敬愛的{respondent_name}：",
            "您好！感謝您參加「{study_title}」。您代表{own_place}（{own_side}）所作的回答中，"
            "有幾項與{partner_place}方面的記述不一致。這類差異很常見，往往源於雙方記錄或記憶的不同。",
            "懇請您對照貴單位的記錄核對這幾項回答：您可以確認原先的回答，也可以加以修改，"
            "並說明回答的依據。只需幾分鐘，您原先的回答仍會照原樣保留。",
            "{link}",
            "此連結僅供您本人使用，請勿轉寄。如有任何疑問，請直接回覆本郵件。",
            "敬祝 安好",
            "研究團隊",
        ],
    ),
}

_REVEAL = {
    "en": "Beside each of your answers, the page also shows the answer given by "
    "{partner_place} ({partner_side}), and they will likewise see yours.",
    "zh-Hans": "页面上每项回答旁边还会显示{partner_place}（{partner_side}）方面的回答；"
    "对方同样会看到您的回答。",
    "zh-Hant": "頁面上每項回答旁邊還會顯示{partner_place}（{partner_side}）方面的回答；"
    "對方同樣會看到您的回答。",
}

_REMINDER = {
    "en": (
        "Reminder: a few questions again: {study_title}",
        [
            "Dear {respondent_name},",
            "We recently asked you to check a few answers given on behalf of {own_place} "
            "({own_side}) that differ from the account given by {partner_place}. We have not "
            "yet received your reply, so we are writing with a brief reminder.",
            "{link}",
            "If you have replied in the meantime, please disregard this message.",
            "With kind regards,\nThe research team",
        ],
    ),
    "zh-Hans": (
        "提醒：{study_title}：请再核对几个问题",
        [
            "尊敬的{respondent_name}：",
            "日前我们请您核对代表{own_place}（{own_side}）所作、与{partner_place}方面记述"
            "不一致的几项回答。截至目前尚未收到您的答复，特此提醒。",
            "{link}",
            "如您已经答复，请忽略本邮件。",
            "课题组",
        ],
    ),
    "zh-Hant": (
        "提醒：{study_title}：請再核對幾個問題",
        [
            "敬愛的{respondent_name}：",
            "日前我們請您核對代表{own_place}（{own_side}）所作、與{partner_place}方面記述"
            "不一致的幾項回答。截至目前尚未收到您的答覆，特此提醒。",
            "{link}",
            "如您已經答覆，請忽略本郵件。",
            "研究團隊",
        ],
    ),
}


def invitation_texts(*, reveal: bool) -> dict[str, dict[str, str]]:
    """language -> {subject, body} of a follow-up's invitation (saying so when it reveals)."""
    texts = {}
    for language, (subject, paragraphs) in _INVITATION.items():
        kept = list(paragraphs)
        if reveal:
            kept.insert(2, _REVEAL[language])
        texts[language] = {"subject": subject, "body": "\n\n".join(kept) + "\n"}
    return texts


def reminder_texts() -> dict[str, dict[str, str]]:
    """language -> {subject, body} of a follow-up's reminder."""
    return {
        language: {"subject": subject, "body": "\n\n".join(paragraphs) + "\n"}
        for language, (subject, paragraphs) in _REMINDER.items()
    }
