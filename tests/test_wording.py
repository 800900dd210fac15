"""Comparison rules in words, in the interface language: one function for pages, CSV and CLI."""

from __future__ import annotations

import pytest

from survey.core.questionnaire import CompareRule
from survey.wording import rule_words


@pytest.mark.parametrize(
    ("rule", "en", "zh_hans", "zh_hant"),
    [
        ("exact", "same answer", "回答相同", "回答相同"),
        ("set", "same set of choices", "所选选项完全相同", "所選選項完全相同"),
        ({"tolerance": {"rel": 0.25}}, "within ±25 %", "相差在 ±25% 以内", "相差在 ±25% 以內"),
        ({"tolerance": {"abs": 1}}, "within ±1", "相差在 ±1 以内", "相差在 ±1 以內"),
        (
            {"within_days": 31},
            "dates at most 31 days apart",
            "日期相差不超过 31 天",
            "日期相差不超過 31 天",
        ),  # noqa: E501
        (
            {"overlap": 0.5},
            "at least 50 % of the choices in common",
            "至少 50% 的选项相同",
            "至少 50% 的選項相同",
        ),  # noqa: E501
        (
            {"within_minutes": 30},
            "times at most 30 minutes apart",
            "时间相差不超过 30 分钟",
            "時間相差不超過 30 分鐘",
        ),
        (
            {"rank_agreement": 0.8},
            "orders alike: Spearman's rank correlation at least 0.8",
            "排序相近：斯皮尔曼等级相关系数至少为 0.8",
            "排序相近：斯皮爾曼等級相關係數至少為 0.8",
        ),
        ("none", "not compared", "不比对", "不比對"),
        (None, "not compared", "不比对", "不比對"),
    ],
)
def test_rules_read_as_words_in_each_language(app, rule, en, zh_hans, zh_hant):
    with app.app_context():
        assert rule_words(rule) == en  # outside a request: English
        assert rule_words(rule, "zh_Hans") == zh_hans
        assert rule_words(rule, "zh-Hant") == zh_hant  # a language tag works too
        assert rule_words(CompareRule.from_dict(rule) if rule else None, "en") == en


def test_a_mirrored_rule_names_the_other_question(app):
    rule = {"compare": {"tolerance": {"abs": 1}}, "mirror": "received"}
    with app.app_context():
        assert rule_words(rule) == "within ±1, against received on the other side"
        assert rule_words(rule, "zh_Hans") == "相差在 ±1 以内，与另一方的 received 比对"


def test_the_page_language_is_the_default(client):
    with client.application.test_request_context("/?lang=zh_Hant"):
        assert rule_words("exact") == "回答相同"
        assert "{" not in rule_words({"tolerance": {"rel": 0.2}})
