"""Invitation and reminder texts: the restricted placeholder syntax and the default texts."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.rounds.texts import (
    KINDS,
    LANGUAGES,
    PLACEHOLDERS,
    TemplateError,
    check_template,
    default_texts,
    format_closing_date,
    render_text,
)

CONTEXT = {
    "respondent_name": "Ann Smith",
    "study_title": "Sister city relationships",
    "pair": "boulder-lhasa",
    "partner_place": "Lhasa",
    "own_place": "Boulder",
    "own_side": "United States",
    "partner_side": "China",
    "link": "https://survey.example.org/r/abc",
    "closing_date": "Monday, June 30, 2025",
    "time_left": "12 days",
    "continue_note": "",
}


def test_placeholders_are_filled_and_braces_escaped():
    text = "Dear {respondent_name}, {own_place} and {partner_place}: {link} {{literal}} }}"
    assert render_text(text, CONTEXT) == (
        "Dear Ann Smith, Boulder and Lhasa: https://survey.example.org/r/abc {literal} }"
    )


def test_values_are_inserted_verbatim_and_never_parsed_again():
    context = {**CONTEXT, "respondent_name": "{link} {0.__class__} {{x}}"}
    assert render_text("{respondent_name}", context) == "{link} {0.__class__} {{x}}"


def test_unknown_placeholders_are_listed():
    with pytest.raises(TemplateError) as error:
        render_text("Hello {name} at {place}, see {link}", CONTEXT)
    assert len(error.value.problems) == 2
    assert "{name}" in error.value.problems[0]
    assert "{place}" in error.value.problems[1]
    assert "{respondent_name}" in error.value.problems[0]  # the allowed names are named


def test_a_near_miss_gets_a_hint():
    (problem,) = check_template("Dear { respondent_name },")
    assert "Did you mean {respondent_name}?" in problem


@pytest.mark.parametrize(
    "payload",
    [
        "{0.__class__}",
        "{link.__init__}",
        "{link.__init__.__globals__}",
        "{link[0]}",
        "{link!r}",
        "{link:>99999}",
        "${7*7}",
        "#{7*7}",
        "{__import__('os')}",
        "{config}",
    ],
)
def test_attribute_index_format_and_expressions_are_refused(payload):
    problems = check_template(payload)
    assert problems, payload
    with pytest.raises(TemplateError):
        render_text(payload, CONTEXT)


@pytest.mark.parametrize(
    ("payload", "rendered"),
    [
        ("{{ config.SECRET_KEY }}", "{ config.SECRET_KEY }"),
        ("{{ ''.__class__ }}", "{ ''.__class__ }"),
        ("{{7*7}}", "{7*7}"),
        ("{% for x in y %}", None),
        ("#{{7*7}} <%= 7*7 %>", "#{7*7} <%= 7*7 %>"),
    ],
)
def test_jinja_style_payloads_stay_literal(payload, rendered):
    if rendered is None:  # not a placeholder: refused, not evaluated
        assert check_template(payload)
        return
    assert check_template(payload) == []
    assert render_text(payload, CONTEXT) == rendered
    assert "49" not in render_text(payload, CONTEXT)


def test_unmatched_braces_are_refused_with_their_position():
    problems = check_template("a } b { c")
    assert len(problems) == 2
    assert "character 3" in problems[0]


def test_missing_value_is_an_error():
    with pytest.raises(TemplateError) as error:
        render_text("until {closing_date}", {"link": "x"})
    assert "{closing_date}" in str(error.value)


def test_required_placeholders():
    assert check_template("no link here", required=["link"]) == ["The text must contain {link}."]
    assert check_template("{link}", required=["link"]) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_default_texts_exist_render_and_contain_the_link(kind, language):
    subject, body = default_texts(kind, language)
    assert check_template(subject) == []
    assert check_template(body, required=["link", "closing_date", "respondent_name"]) == []
    assert "\n" not in subject
    rendered = render_text(body, CONTEXT)
    assert CONTEXT["link"] in rendered
    assert "{" not in rendered
    assert render_text(subject, CONTEXT).strip()
    # without a closing date the sentence about it is left out, nothing else
    _, short = default_texts(kind, language, closing_date=False)
    assert "{closing_date}" not in short
    assert "{link}" in short
    assert short.count("\n\n") == body.count("\n\n") - 1


def test_default_texts_are_in_their_language():
    assert "Dear" in default_texts("invitation", "en")[1]
    hans = default_texts("invitation", "zh-Hans")[1]
    hant = default_texts("invitation", "zh-Hant")[1]
    assert all(word in hans for word in ("链接", "保存", "设备", "转发"))
    assert all(word in hant for word in ("連結", "儲存", "裝置", "轉寄"))  # Taiwan usage
    assert not any(word in hant for word in ("链接", "鏈接", "保存", "設備", "轉發"))
    assert default_texts("reminder", "zh_Hant") == default_texts("reminder", "zh-TW")
    assert default_texts("reminder", "zh") == default_texts("reminder", "zh-Hans")
    # every placeholder in a default text is one of the allowed names
    for kind in KINDS:
        for language in LANGUAGES:
            for text in default_texts(kind, language):
                assert check_template(text) == []
    assert "link" in PLACEHOLDERS


def test_unknown_kind_or_language_is_refused():
    with pytest.raises(ValueError, match="kind|thanks"):
        default_texts("thanks", "en")
    with pytest.raises(ValueError, match="fr"):
        default_texts("invitation", "fr")


def test_closing_date_in_the_recipient_zone_with_the_offset():
    moment = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
    assert (
        format_closing_date(moment, "en", "America/Denver")
        == "Monday, June 30, 2025, 3:00 a.m. (UTC-06:00)"
    )
    assert format_closing_date(moment, "zh-Hans", "Asia/Shanghai") == (
        "2025年6月30日（星期一） 17:00（UTC+08:00）"
    )
    assert format_closing_date(moment, "zh-Hant", "Asia/Taipei").endswith("17:00（UTC+08:00）")
    assert format_closing_date(moment, "en").endswith("9:00 a.m. (UTC+00:00)")


def test_closing_date_across_daylight_saving_time():
    winter = dt.datetime(2025, 1, 15, 20, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2025, 7, 15, 20, 0, tzinfo=dt.UTC)
    assert "(UTC-05:00)" in format_closing_date(winter, "en", "America/New_York")
    assert "(UTC-04:00)" in format_closing_date(summer, "en", "America/New_York")


def test_closing_date_as_a_plain_date_never_shifts():
    day = dt.date(2025, 6, 30)
    assert format_closing_date(day, "en", "Pacific/Kiritimati") == "Monday, June 30, 2025"
    assert format_closing_date(day, "zh-Hant") == "2025年6月30日（星期一）"
    with pytest.raises(ValueError, match="naive"):
        format_closing_date(dt.datetime(2025, 6, 30, 12), "en")
