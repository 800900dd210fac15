"""The impact report between two versions of a questionnaire (QUALITY.md SCHEMA-01)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from survey.core.impact import data_impact, impact, rule_text
from survey.core.questionnaire import CompareRule, Option, Question, Questionnaire, Section

LANGUAGES = ("en", "zh-Hans", "zh-Hant")


def text(en: str, hans: str, hant: str) -> dict[str, str]:
    return {"en": en, "zh-Hans": hans, "zh-Hant": hant}


SECTORS = (
    Option("trade", text("Trade", "贸易", "貿易")),
    Option("health", text("Health", "卫生", "衛生")),
    Option("culture", text("Culture", "文化", "文化")),
)
SENT = Question(
    key="delegations_sent",
    type="integer",
    text=text("How many delegations did you send?", "派出了多少个代表团？", "派出了多少個代表團？"),
    min=0,
    compare=CompareRule("exact"),
)
RECEIVED = replace(
    SENT,
    key="delegations_received",
    text=text(
        "How many delegations did you receive?", "接待了多少个代表团？", "接待了多少個代表團？"
    ),
)
SECTOR_Q = Question(
    key="sectors",
    type="multi",
    text=text("Which sectors?", "哪些领域？", "哪些領域？"),
    options=SECTORS,
    compare=CompareRule("set"),
)
OLD = Questionnaire(
    key="sister-cities",
    version="2009.1",
    languages=LANGUAGES,
    title=text("Sister city interview", "友好城市访谈", "友好城市訪談"),
    sections=(
        Section("exchanges", text("Exchanges", "交流", "交流"), (SENT, RECEIVED)),
        Section("trade", text("Trade", "贸易", "貿易"), (SECTOR_Q,)),
    ),
)


def with_question(questionnaire: Questionnaire, key: str, /, **changes: Any) -> Questionnaire:
    """A new version in which question `key` has `changes`."""
    sections = tuple(
        replace(
            s, questions=tuple(replace(q, **changes) if q.key == key else q for q in s.questions)
        )
        for s in questionnaire.sections
    )
    return replace(questionnaire, version="2009.2", sections=sections)


def with_sections(*sections: Section, **changes: Any) -> Questionnaire:
    return replace(OLD, version="2009.2", sections=sections, **changes)


def relabel(code: str, **labels: str) -> tuple[Option, ...]:
    return tuple(replace(o, label={**o.label, **labels}) if o.code == code else o for o in SECTORS)


# ---------------------------------------------------------------------------- no change


def test_identical_versions_have_no_impact():
    result = impact(OLD, replace(OLD, version="2009.2"))
    assert result.lines() == []
    assert not result.is_structural
    assert result.to_dict()["is_structural"] is False


# ---------------------------------------------------------------------------- questions


def test_added_question_is_structural():
    extra = replace(SENT, key="visits", text=text("Visits?", "访问？", "訪問？"))
    new = with_sections(OLD.sections[0], replace(OLD.sections[1], questions=(SECTOR_Q, extra)))
    result = impact(OLD, new)
    assert result.added == ["visits"]
    assert result.is_structural
    assert result.lines() == ["added question visits"]


def test_removed_question_is_structural():
    new = with_sections(replace(OLD.sections[0], questions=(RECEIVED,)), OLD.sections[1])
    result = impact(OLD, new)
    assert result.removed == ["delegations_sent"]
    assert result.is_structural
    assert result.lines() == ["removed question delegations_sent"]


def test_renamed_question_is_removed_and_added():
    new = with_question(OLD, "sectors", key="areas")
    result = impact(OLD, new)
    assert (result.added, result.removed) == (["areas"], ["sectors"])


def test_retyped_question():
    result = impact(OLD, with_question(OLD, "delegations_sent", type="number"))
    assert result.retyped == [("delegations_sent", "integer", "number")]
    assert result.lines() == ["question delegations_sent: type changed from integer to number"]
    assert result.is_structural


def test_question_moved_to_another_section():
    new = with_sections(
        replace(OLD.sections[0], questions=(SENT,)),
        replace(OLD.sections[1], questions=(RECEIVED, SECTOR_Q)),
    )
    result = impact(OLD, new)
    assert result.moved == [("delegations_received", "exchanges", "trade")]
    assert not result.reordered
    assert result.is_structural


def test_questions_reordered_within_a_section():
    new = with_sections(replace(OLD.sections[0], questions=(RECEIVED, SENT)), OLD.sections[1])
    result = impact(OLD, new)
    assert result.reordered
    assert result.moved == []
    assert result.lines() == ["questions reordered"]


# ---------------------------------------------------------------------------- options


def test_option_removed_and_added():
    options = (*SECTORS[:1], SECTORS[2], Option("tourism", text("Tourism", "旅游", "旅遊")))
    result = impact(OLD, with_question(OLD, "sectors", options=options))
    assert result.options_removed == [("sectors", "health")]
    assert result.options_added == [("sectors", "tourism")]
    assert result.is_structural
    assert result.lines() == ["option sectors/tourism added", "option sectors/health removed"]


def test_option_relabelled_only_is_not_structural():
    new = with_question(OLD, "sectors", options=relabel("trade", en="Trade and investment"))
    result = impact(OLD, new)
    assert result.options_relabelled == [("sectors", "trade")]
    assert result.texts_changed == [("option sectors/trade: label", "en")]
    assert not result.is_structural
    assert "option sectors/trade relabelled" in result.lines()


def test_options_reordered_is_structural():
    new = with_question(OLD, "sectors", options=tuple(reversed(SECTORS)))
    result = impact(OLD, new)
    assert result.options_reordered == ["sectors"]
    assert result.options_removed == result.options_added == []
    assert result.is_structural
    assert result.lines() == ["options of question sectors reordered"]


# ---------------------------------------------------------------------------- rules


def test_compare_rule_changed():
    rule = CompareRule("tolerance", 1.0)
    result = impact(OLD, with_question(OLD, "delegations_sent", compare=rule))
    assert result.rules_changed == [("delegations_sent", "exact", "tolerance abs 1")]
    assert result.is_structural
    assert result.lines() == [
        "question delegations_sent: compare rule changed from exact to tolerance abs 1"
    ]


def test_rule_text():
    assert rule_text(CompareRule("tolerance", 0.1, relative=True)) == "tolerance rel 0.1"
    assert rule_text(CompareRule("overlap", 0.5)) == "overlap 0.5"
    assert rule_text(CompareRule("within_days", 31)) == "within_days 31"
    assert rule_text(None) == "(not compared)"


def test_settings_changed_are_structural():
    new = with_question(OLD, "delegations_sent", min=1, required=True, relevant="${sectors} != ''")
    result = impact(OLD, new)
    assert result.settings_changed == [
        ("question delegations_sent", "required", False, True),
        ("question delegations_sent", "min", 0, 1),
        ("question delegations_sent", "relevant", None, "${sectors} != ''"),
    ]
    assert result.is_structural
    assert result.lines() == [
        "question delegations_sent: required changed from false to true",
        "question delegations_sent: min changed from 0 to 1",
        "question delegations_sent: relevant changed from (not set) to \"${sectors} != ''\"",
    ]


def test_special_answers_turned_off_is_a_setting_change():
    result = impact(OLD, with_question(OLD, "sectors", dont_know=False))
    assert result.settings_changed == [("question sectors", "dont_know", True, False)]


def test_section_condition_changed():
    new = with_sections(
        OLD.sections[0], replace(OLD.sections[1], relevant="${delegations_sent} > 0")
    )
    result = impact(OLD, new)
    assert result.settings_changed == [
        ("section trade", "relevant", None, "${delegations_sent} > 0")
    ]
    assert result.is_structural


# ---------------------------------------------------------------------------- texts


def test_base_text_changed_alone_outdates_the_translations():
    wording = {**SENT.text, "en": "How many official delegations did your city send?"}
    result = impact(OLD, with_question(OLD, "delegations_sent", text=wording))
    assert result.texts_changed == [("question delegations_sent: text", "en")]
    assert result.outdated_translations == [
        ("question delegations_sent: text", "zh-Hans"),
        ("question delegations_sent: text", "zh-Hant"),
    ]
    assert not result.is_structural
    assert result.lines()[-1] == (
        "zh-Hant translation of question delegations_sent: text is outdated "
        "(the en text changed, this one did not)"
    )


def test_translation_updated_with_the_base_text_is_not_outdated():
    wording = text(
        "How many official delegations?", "派出了多少个官方代表团？", SENT.text["zh-Hant"]
    )
    result = impact(OLD, with_question(OLD, "delegations_sent", text=wording))
    assert result.texts_changed == [
        ("question delegations_sent: text", "en"),
        ("question delegations_sent: text", "zh-Hans"),
    ]
    assert result.outdated_translations == [("question delegations_sent: text", "zh-Hant")]


def test_translation_fixed_alone_is_a_text_change_only():
    wording = {**SENT.text, "zh-Hans": "贵市派出了多少个代表团？"}
    result = impact(OLD, with_question(OLD, "delegations_sent", text=wording))
    assert result.texts_changed == [("question delegations_sent: text", "zh-Hans")]
    assert result.outdated_translations == []
    assert result.lines() == ["zh-Hans text of question delegations_sent: text changed"]


def test_missing_translation_is_not_outdated():
    old = with_question(OLD, "delegations_sent", help={"en": "Count each visit once."})
    new = with_question(OLD, "delegations_sent", help={"en": "Count each delegation once."})
    result = impact(old, new)
    assert result.texts_changed == [("question delegations_sent: help", "en")]
    assert result.outdated_translations == []


def test_empty_and_absent_texts_are_the_same():
    old = with_question(OLD, "delegations_sent", help={"en": "Hint", "zh-Hans": ""})
    new = with_question(OLD, "delegations_sent", help={"en": "Hint"})
    assert impact(old, new).lines() == []


def test_outdated_is_measured_against_the_default_language():
    old = replace(OLD, default_language="zh-Hans")
    new = replace(
        with_question(old, "delegations_sent", text={**SENT.text, "zh-Hans": "派出了几个代表团？"}),
        default_language="zh-Hans",
    )
    result = impact(old, new)
    assert result.outdated_translations == [
        ("question delegations_sent: text", "en"),
        ("question delegations_sent: text", "zh-Hant"),
    ]
    assert "(the zh-Hans text changed, this one did not)" in result.lines()[-1]


def test_title_and_section_texts_are_located():
    new = with_sections(
        replace(OLD.sections[0], title=text("Personnel exchanges", "交流", "交流")),
        OLD.sections[1],
        title=text("Sister city relationship interview", "友好城市关系访谈", "友好城市訪談"),
    )
    result = impact(OLD, new)
    assert result.texts_changed == [
        ("title", "en"),
        ("title", "zh-Hans"),
        ("section exchanges: title", "en"),
    ]
    assert result.outdated_translations == [
        ("title", "zh-Hant"),
        ("section exchanges: title", "zh-Hans"),
        ("section exchanges: title", "zh-Hant"),
    ]
    assert not result.is_structural


def test_language_added_is_not_structural():
    old = Questionnaire(
        key="k", version="1", languages=("en",), title={"en": "T"},
        sections=(Section("s", {"en": "S"}, (Question("x", "text", {"en": "X?"}),)),),
    )  # fmt: skip
    new = Questionnaire(
        key="k", version="2", languages=("en", "zh-Hans"), title={"en": "T", "zh-Hans": "题"},
        sections=(Section("s", {"en": "S"}, (Question("x", "text", {"en": "X?"}),)),),
    )  # fmt: skip
    result = impact(old, new)
    assert result.languages_added == ["zh-Hans"]
    assert result.texts_changed == [("title", "zh-Hans")]
    assert not result.is_structural
    assert result.lines() == ["language zh-Hans added", "zh-Hans text of title changed"]


# ---------------------------------------------------------------------------- output


def test_to_dict_is_json():
    new = with_question(OLD, "sectors", options=SECTORS[:2], type="single")
    data = json.loads(json.dumps(impact(OLD, new).to_dict()))
    assert data["is_structural"] is True
    assert data["retyped"] == [["sectors", "multi", "single"]]
    assert data["options_removed"] == [["sectors", "culture"]]
    assert data["base_language"] == "en"
    assert data["outdated_translations"] == []


def test_data_impact_counts_answers_that_would_be_lost():
    new = with_sections(
        replace(OLD.sections[0], questions=(SENT,)),
        replace(OLD.sections[1], questions=(replace(SECTOR_Q, options=SECTORS[:2]),)),
    )
    counts = {("delegations_received", None): 12, ("sectors", "culture"): 8, ("sectors", None): 30}
    assert data_impact(impact(OLD, new), counts) == [
        "Data WILL be lost: 12 answers to question 'delegations_received', now removed",
        "Data WILL be lost: 8 answers hold option 'culture' of question 'sectors'",
    ]


def test_data_impact_is_silent_without_answers_and_singular_for_one():
    new = with_question(OLD, "delegations_sent", type="number")
    result = impact(OLD, new)
    assert data_impact(result, {}) == []
    assert data_impact(result, {("delegations_sent", None): 1}) == [
        "Data may not fit: 1 answer to question 'delegations_sent' was given as integer; now number"
    ]
