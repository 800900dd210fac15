"""The fixed columns of the export layouts: their labels in every language, and which a
side or a respondent row carries (`layouts`, `contacts`)."""

from __future__ import annotations

from survey.core.questionnaire import Text

FIXED: dict[str, Text] = {
    "pair": {"en": "Pair", "zh-Hans": "结对", "zh-Hant": "配對"},
    "kind": {"en": "Pair kind", "zh-Hans": "结对类型", "zh-Hant": "配對類型"},
    "established": {"en": "Year established", "zh-Hans": "建立年份", "zh-Hant": "建立年份"},
    "side": {"en": "Side", "zh-Hans": "所属方", "zh-Hant": "所屬方"},
    "actor": {"en": "Actor side", "zh-Hans": "本方", "zh-Hant": "本方"},
    "partner": {"en": "Partner side", "zh-Hans": "对方", "zh-Hant": "對方"},
    "place_en": {"en": "Place (English)", "zh-Hans": "地点（英文）", "zh-Hant": "地點（英文）"},
    "place_zh": {"en": "Place (Chinese)", "zh-Hans": "地点（中文）", "zh-Hant": "地點（中文）"},
    "organization": {"en": "Organisation", "zh-Hans": "单位", "zh-Hant": "單位"},
    "respondent": {"en": "Respondent", "zh-Hans": "受访者", "zh-Hant": "受訪者"},
    "language": {"en": "Language", "zh-Hans": "语言", "zh-Hant": "語言"},
    "mode": {"en": "Interview mode", "zh-Hans": "访谈方式", "zh-Hant": "訪談方式"},
    "state": {"en": "Invitation state", "zh-Hans": "邀请状态", "zh-Hant": "邀請狀態"},
    "submitted_at": {
        "en": "Submitted at (UTC)", "zh-Hans": "提交时间（UTC）", "zh-Hant": "提交時間（UTC）",
    },
    "last_disposition": {
        "en": "Last disposition (AAPOR)", "zh-Hans": "最新处置（AAPOR）",
        "zh-Hant": "最新處置（AAPOR）",
    },
    "attempts": {"en": "Contact attempts", "zh-Hans": "联系次数", "zh-Hant": "聯絡次數"},
    "question": {"en": "Question", "zh-Hans": "问题", "zh-Hant": "問題"},
    "outcome": {"en": "Comparison outcome", "zh-Hans": "比对结果", "zh-Hant": "比對結果"},
    "status": {"en": "Discrepancy status", "zh-Hans": "差异处理状态", "zh-Hant": "差異處理狀態"},
    "rule": {"en": "Compare rule", "zh-Hans": "比对规则", "zh-Hant": "比對規則"},
    "value": {"en": "Answer", "zh-Hans": "回答", "zh-Hant": "回答"},
    "agree": {"en": "Agree: ", "zh-Hans": "是否一致：", "zh-Hant": "是否一致："},
    "status_of": {"en": "Status: ", "zh-Hans": "差异状态：", "zh-Hant": "差異狀態："},
    "partner_of": {"en": "[partner] ", "zh-Hans": "[对方] ", "zh-Hant": "[對方] "},
    "dkrf": {"en": "[dk/rf] ", "zh-Hans": "[不知道/不愿回答] ", "zh-Hant": "[不知道/不願回答] "},
    "round": {"en": "Round of the answers", "zh-Hans": "回答所属轮次", "zh-Hant": "回答所屬輪次"},
    "explanation": {"en": "Based on", "zh-Hans": "回答的依据", "zh-Hant": "回答的依據"},
    "followup_of": {"en": "From a follow-up: ", "zh-Hans": "来自追问：", "zh-Hant": "來自追問："},
}  # fmt: skip
SIDE_FIELDS = ("place_en", "place_zh", "organization", "respondent", "mode", "submitted_at")
RESPONDENT_FIELDS = (
    "place_en", "place_zh", "organization", "respondent", "language", "mode", "state",
    "submitted_at", "last_disposition", "attempts",
)  # fmt: skip
