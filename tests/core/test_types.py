"""The question-type registry: parsing input, validating stored values, display, numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from survey.core import questionnaire, types
from survey.core.questionnaire import CompareRule, Option, Question, Special
from survey.core.types import (
    ERROR_MESSAGES,
    TYPES,
    AnswerError,
    check_answer,
    format_number,
    is_blank,
    type_of,
)
from survey.exports.dataset import KINDS as EXPORT_KINDS

SECTORS = (
    Option("trade", {"en": "Trade", "zh-Hans": "贸易", "zh-Hant": "貿易"}),
    Option("health", {"en": "Health", "zh-Hans": "卫生"}),
    Option("culture", {"en": "Culture"}),
)
AGREEMENT = tuple(
    Option(code, {"en": label}) for code, label in [("1", "Low"), ("2", "Mid"), ("3", "High")]
)


def make_q(type_: str, **overrides: Any) -> Question:
    """A question of `type_` with options for the choice types, overridable per test."""
    options = {"single": SECTORS, "multi": SECTORS, "scale": AGREEMENT}.get(type_, ())
    fields: dict[str, Any] = {
        "key": "q",
        "type": type_,
        "text": {"en": "Question?"},
        "options": options,
        "compare": None if type_ == "note" else CompareRule("review"),
    }
    fields.update(overrides)
    return Question(**fields)


def parse(type_: str, raw: Any, **overrides: Any) -> Any:
    q = make_q(type_, **overrides)
    return type_of(q).parse(q, raw)


def parse_error(type_: str, raw: Any, **overrides: Any) -> AnswerError:
    with pytest.raises(AnswerError) as caught:
        parse(type_, raw, **overrides)
    return caught.value


def validate_error(type_: str, value: Any, **overrides: Any) -> AnswerError:
    q = make_q(type_, **overrides)
    with pytest.raises(AnswerError) as caught:
        type_of(q).validate(q, value)
    return caught.value


def display(type_: str, value: Any, language: str = "en", **overrides: Any) -> str:
    q = make_q(type_, **overrides)
    return type_of(q).display(q, value, language)


def as_number(type_: str, value: Any, **overrides: Any) -> float | None:
    q = make_q(type_, **overrides)
    return type_of(q).as_number(q, value)


ANSWERABLE = [t for t in questionnaire.TYPES if t not in ("note", "calculate")]  # asked


# ---------------------------------------------------------------------------- registry


def test_every_model_type_is_registered_under_its_own_name():
    assert set(TYPES) == set(questionnaire.TYPES)
    for name, question_type in TYPES.items():
        assert question_type.name == name
        assert type_of(make_q(name)) is question_type


def test_unknown_type_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown type 'slider'"):
        type_of(make_q("text", type="slider"))


def test_is_blank():
    assert all(is_blank(v) for v in (None, "", []))
    assert not any(is_blank(v) for v in (0, "0", ["a"], " x", Special.REFUSED, False))


# ---------------------------------------------------------------------------- blank and special


@pytest.mark.parametrize("type_", ANSWERABLE)
@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", [], [""], ["  "]])
def test_blank_input_is_no_answer(type_, raw):
    assert parse(type_, raw) is None


@pytest.mark.parametrize("type_", ANSWERABLE)
def test_dk_and_rf_are_the_special_answers(type_):
    assert parse(type_, "dk") is Special.DONT_KNOW
    assert parse(type_, " rf ") is Special.REFUSED


@pytest.mark.parametrize("type_", ["integer", "single", "multi", "date", "yesno"])
def test_special_codes_are_case_and_width_insensitive_outside_free_text(type_):
    assert parse(type_, "DK") is Special.DONT_KNOW
    assert parse(type_, "ｒｆ") is Special.REFUSED


@pytest.mark.parametrize("type_", ["text", "longtext"])
def test_free_text_dk_must_be_exact_otherwise_it_is_text(type_):
    assert parse(type_, "DK") == "DK"
    assert parse(type_, "Rf.") == "Rf."


@pytest.mark.parametrize("type_", ANSWERABLE)
def test_special_answers_refused_when_the_question_turns_them_off(type_):
    error = parse_error(type_, "dk", dont_know=False)
    assert error.code == "special_not_allowed"
    assert error.params == {"special": "dk"}
    assert parse(type_, "rf", dont_know=False) is Special.REFUSED
    assert parse_error(type_, "rf", refused=False).code == "special_not_allowed"


def test_a_calculation_takes_no_answer_and_stores_its_value_as_text():
    assert parse("calculate", "") is None
    assert parse_error("calculate", "12").code == "not_answerable"
    assert parse_error("calculate", "dk").code == "not_answerable"
    assert validate_error("calculate", 12).code == "not_text"


def test_note_takes_no_answer_not_even_a_special_one():
    assert parse("note", "") is None
    assert parse_error("note", "hello").code == "not_answerable"
    assert parse_error("note", "dk").code == "not_answerable"
    assert validate_error("note", Special.DONT_KNOW).code == "not_answerable"


def test_one_value_expected_but_several_given():
    assert parse("integer", ["", "5"]) == 5
    assert parse_error("single", ["trade", "health"]).code == "multiple_values"


# ---------------------------------------------------------------------------- integer


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("42", 42),
        ("  42\t", 42),
        ("+7", 7),
        ("-3", -3),
        ("007", 7),
        ("１２３", 123),  # full-width digits from a Chinese input method
        ("－５", -5),  # full-width minus
        ("\u22125", -5),  # the typographic minus sign
        ("\u3000８\u3000", 8),  # ideographic spaces around
        ("9" * 15, int("9" * 15)),
    ],
)
def test_integer_parses(raw, value):
    parsed = parse("integer", raw)
    assert parsed == value
    assert type(parsed) is int


@pytest.mark.parametrize("raw", ["1,000", "1.5", "1.0", "1e3", "1_000", "abc", "٣", "5 6", "--1"])
def test_integer_rejects(raw):
    assert parse_error("integer", raw).code == "not_integer"


def test_integer_rejects_more_digits_than_can_be_kept_exactly():
    error = parse_error("integer", "1" + "0" * 15)
    assert error.code == "too_many_digits"
    assert str(error) == "Enter a number with no more than 15 digits."


# ---------------------------------------------------------------------------- number


@pytest.mark.parametrize(
    ("raw", "value", "kind"),
    [
        ("12", 12, int),
        ("3.25", 3.25, float),
        ("12.0", 12.0, float),
        (".5", 0.5, float),
        ("-0.75", -0.75, float),
        ("１２．５", 12.5, float),
        ("0.000000000000001", 1e-15, float),
    ],
)
def test_number_parses(raw, value, kind):
    parsed = parse("number", raw)
    assert parsed == value
    assert type(parsed) is kind


@pytest.mark.parametrize("raw", ["1,5", "1,000.5", "1e5", "nan", "inf", "1.2.3", "½", "$5"])
def test_number_rejects(raw):
    assert parse_error("number", raw).code == "not_number"


def test_number_rejects_digits_a_float_would_lose():
    assert parse("number", "0.123456789012345") == 0.123456789012345
    assert parse_error("number", "0.1234567890123456").code == "too_many_digits"


# ---------------------------------------------------------------------------- year and date


@pytest.mark.parametrize(("raw", "value"), [("2009", 2009), ("２００９", 2009), (" 1989 ", 1989)])
def test_year_parses(raw, value):
    assert parse("year", raw) == value


@pytest.mark.parametrize("raw", ["09", "0999", "20090", "2009.0", "2009年", "MMIX"])
def test_year_rejects(raw):
    assert parse_error("year", raw).code == "not_year"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2009-03-01", "2009-03-01"),
        ("２００８－０２－２９", "2008-02-29"),
        (" 2001-04-01 ", "2001-04-01"),
    ],
)
def test_date_parses_to_iso_text(raw, value):
    assert parse("date", raw) == value


@pytest.mark.parametrize(
    "raw",
    [
        "2009-02-29",
        "2009-02-30",
        "2009-13-01",
        "2009/03/01",
        "2009-3-1",
        "09-03-01",
        "2009年3月1日",
    ],
)
def test_date_rejects_other_formats_and_impossible_dates(raw):
    assert parse_error("date", raw).code == "not_date"


# ---------------------------------------------------------------------------- choices


def test_single_parses_an_option_code():
    assert parse("single", "health") == "health"
    assert parse("single", ["  trade "]) == "trade"


def test_single_rejects_an_unknown_code_naming_it():
    error = parse_error("single", "Health")
    assert error.code == "unknown_option"
    assert error.params == {"code": "Health"}


def test_scale_accepts_a_full_width_code():
    assert parse("scale", "３") == "3"
    assert parse_error("scale", "4").code == "unknown_option"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("culture;trade", ["trade", "culture"]),
        (["culture", "trade", "culture"], ["trade", "culture"]),
        (" health ; ; trade ", ["trade", "health"]),
        ("health；culture", ["health", "culture"]),  # full-width semicolon
        ("health", ["health"]),
    ],
)
def test_multi_stores_codes_in_option_order_without_duplicates(raw, value):
    assert parse("multi", raw) == value


def test_multi_rejects_an_unknown_code_naming_it():
    error = parse_error("multi", "trade;tourism")
    assert error.code == "unknown_option"
    assert error.params == {"code": "tourism"}


def test_multi_special_answer_stands_alone():
    assert parse("multi", ["dk"]) is Special.DONT_KNOW
    assert parse_error("multi", "trade;dk").code == "special_not_alone"
    assert parse_error("multi", "dk", dont_know=False).code == "special_not_allowed"


@pytest.mark.parametrize("raw", ["yes", "YES", "Yes", "1", "true", "TRUE", "是", "１"])
def test_yesno_yes(raw):
    assert parse("yesno", raw) == "yes"


@pytest.mark.parametrize("raw", ["no", "No", "0", "false", "False", "否"])
def test_yesno_no(raw):
    assert parse("yesno", raw) == "no"


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "对"])
def test_yesno_rejects(raw):
    assert parse_error("yesno", raw).code == "unknown_option"


# ---------------------------------------------------------------------------- text


CJK_WITH_EMOJI = "  友好城市关係 🤝🏽 交流：２００８年\r\n第二行 e\u0301  "


@pytest.mark.parametrize("type_", ["text", "longtext"])
def test_text_is_stored_exactly_as_typed(type_):
    stored = parse(type_, CJK_WITH_EMOJI)
    assert stored == CJK_WITH_EMOJI
    assert stored.encode("utf-8") == CJK_WITH_EMOJI.encode("utf-8")
    assert display(type_, stored) == CJK_WITH_EMOJI


@given(st.text(min_size=1))
def test_any_clean_text_round_trips_unchanged(text):
    assume(text.strip() and text.strip() not in ("dk", "rf"))
    assume(not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", text))
    assert parse("text", text) == text


@pytest.mark.parametrize("raw", ["a\x00b", "bell\x07", "esc\x1b[31m", "half \ud83e"])
def test_text_rejects_characters_storage_and_exports_cannot_hold(raw):
    assert parse_error("text", raw).code == "bad_character"
    assert validate_error("longtext", raw).code == "bad_character"


def test_text_lengths_count_characters_not_bytes():
    q = make_q("text", min_length=2, max_length=4)
    type_of(q).validate(q, "友好城市")
    type_of(q).validate(q, "🤝交")
    assert validate_error("text", "友好城市们", max_length=4).params == {"max_length": 4}


def test_text_length_errors():
    short = validate_error("text", "a", min_length=3)
    assert (short.code, short.params) == ("too_short", {"min_length": 3})
    assert str(short) == "Enter at least 3 characters."
    assert validate_error("longtext", "abcdef", max_length=5).code == "too_long"


def test_text_pattern():
    q = make_q("text", pattern="^[A-Z]{2}$")
    type_of(q).validate(q, "CO")
    assert validate_error("text", "Co", pattern="^[A-Z]{2}$").code == "pattern"
    assert validate_error("text", "COL", pattern="^[A-Z]{2}$").code == "pattern"


# ---------------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("type_", "limits", "value", "code", "params"),
    [
        ("integer", {"min": 0.0}, -1, "below_min", {"min": "0"}),
        ("integer", {"max": 100}, 101, "above_max", {"max": "100"}),
        ("number", {"min": 0.5}, 0.25, "below_min", {"min": "0.5"}),
        ("number", {"max": 2.5}, 3, "above_max", {"max": "2.5"}),
        ("year", {"min": 1979}, 1978, "year_too_early", {"min": "1979"}),
        ("year", {"max": 2009}, 2010, "year_too_late", {"max": "2009"}),
        ("date", {"min": "1979-01-01"}, "1978-12-31", "date_too_early", {"min": "1979-01-01"}),
        ("date", {"max": "2009-12-31"}, "2010-01-01", "date_too_late", {"max": "2009-12-31"}),
    ],
)
def test_limits(type_, limits, value, code, params):
    error = validate_error(type_, value, **limits)
    assert (error.code, error.params) == (code, params)


@pytest.mark.parametrize(
    ("type_", "limits", "value"),
    [
        ("integer", {"min": 0, "max": 100}, 0),
        ("integer", {"min": 0, "max": 100}, 100),
        ("number", {"min": 0.5}, 0.5),
        ("year", {"max": 2009}, 2009),
        ("date", {"min": "1979-01-01", "max": "1979-01-01"}, "1979-01-01"),
    ],
)
def test_limits_are_inclusive(type_, limits, value):
    assert check_answer(make_q(type_, **limits), value, {}) is None


def test_limit_messages_read_as_sentences():
    assert str(validate_error("integer", -1, min=0)) == "Enter a number no smaller than 0."
    assert str(validate_error("year", 2010, max=2009)) == "Enter a year no later than 2009."


@pytest.mark.parametrize(
    ("type_", "value", "code"),
    [
        ("integer", "5", "not_integer"),
        ("integer", 5.0, "not_integer"),
        ("integer", True, "not_integer"),
        ("number", "5", "not_number"),
        ("number", float("nan"), "not_number"),
        ("number", float("inf"), "not_number"),
        ("year", 999, "not_year"),
        ("year", "2009", "not_year"),
        ("date", "2009-02-30", "not_date"),
        ("date", date(2009, 3, 1), "not_date"),
        ("text", 5, "not_text"),
        ("single", "tourism", "unknown_option"),
        ("scale", 3, "unknown_option"),
        ("yesno", "true", "unknown_option"),
        ("multi", "trade", "unknown_option"),
        ("multi", ["trade", "tourism"], "unknown_option"),
    ],
)
def test_validate_rejects_values_of_the_wrong_shape(type_, value, code):
    assert validate_error(type_, value).code == code


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("integer", 5),
        ("number", 2),
        ("number", 2.5),
        ("year", 2009),
        ("date", "2009-03-01"),
        ("text", "文本"),
        ("single", "trade"),
        ("scale", "2"),
        ("yesno", "no"),
        ("multi", ["trade", "culture"]),
    ],
)
def test_validate_accepts_well_formed_values(type_, value):
    q = make_q(type_)
    type_of(q).validate(q, value)
    assert check_answer(q, value, {}) is None


def test_validate_checks_special_answers_against_the_question():
    assert validate_error("integer", "rf", refused=False).code == "special_not_allowed"
    q = make_q("integer", min=10)
    type_of(q).validate(q, Special.DONT_KNOW)  # a special answer is outside the limits' reach


# ---------------------------------------------------------------------------- display


def test_single_display_uses_the_label_in_the_language():
    assert display("single", "trade", "en") == "Trade"
    assert display("single", "trade", "zh-Hans") == "贸易"
    assert display("single", "trade", "zh-Hant") == "貿易"


def test_single_display_falls_back_between_languages_then_to_the_code():
    assert display("single", "health", "zh-Hant") == "卫生"  # zh-Hant → zh-Hans
    assert display("single", "culture", "zh-Hant") == "Culture"  # → en
    assert display("single", "gone", "en") == "gone"  # an answer from an older version


def test_multi_display_joins_labels_in_stored_order():
    assert display("multi", ["trade", "health"], "zh-Hans") == "贸易; 卫生"


def test_yesno_display_has_built_in_labels():
    assert display("yesno", "yes", "en") == "Yes"
    assert display("yesno", "no", "zh-Hans") == "否"
    assert display("yesno", "no", "fr") == "No"


def test_yesno_display_prefers_the_questionnaires_own_labels():
    options = (Option("yes", {"en": "Yes, we did"}), Option("no", {"en": "No, never"}))
    assert display("yesno", "no", "en", options=options) == "No, never"


@pytest.mark.parametrize(
    ("type_", "value", "shown"),
    [
        ("integer", 42, "42"),
        ("integer", -1200000, "-1200000"),
        ("number", 12.0, "12"),
        ("number", 12.5, "12.5"),
        ("number", 1e-05, "0.00001"),
        ("number", 1e16, "10000000000000000"),
        ("year", 2009, "2009"),
        ("date", "2009-03-01", "2009-03-01"),
        ("scale", "3", "High"),
    ],
)
def test_display_values(type_, value, shown):
    assert display(type_, value) == shown


@pytest.mark.parametrize("type_", ANSWERABLE)
@pytest.mark.parametrize("value", [None, Special.DONT_KNOW, Special.REFUSED, "rf"])
def test_no_answer_and_special_answers_display_empty(type_, value):
    assert display(type_, value) == ""


def test_format_number():
    assert [format_number(v) for v in (3, 3.0, -0.5, 0.1 + 0.2)] == [
        "3",
        "3",
        "-0.5",
        "0.30000000000000004",
    ]


# ---------------------------------------------------------------------------- as_number


@pytest.mark.parametrize(
    ("type_", "value", "number"),
    [("integer", 5, 5.0), ("number", 2.5, 2.5), ("year", 2009, 2009.0), ("scale", "3", 3.0)],
)
def test_as_number(type_, value, number):
    assert as_number(type_, value) == number


def test_scale_with_word_codes_counts_positions():
    options = tuple(Option(c, {"en": c}) for c in ("low", "mid", "high"))
    assert as_number("scale", "high", options=options) == 3.0
    assert as_number("scale", "low", options=options) == 1.0


def test_scale_with_numeric_codes_uses_the_codes():
    options = tuple(Option(c, {"en": c}) for c in ("-2", "0", "2"))
    assert as_number("scale", "-2", options=options) == -2.0


def test_scale_with_partly_numeric_codes_counts_positions():
    options = tuple(Option(c, {"en": c}) for c in ("5", "4", "none"))
    assert [as_number("scale", c, options=options) for c in ("5", "4", "none")] == [1, 2, 3]


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("integer", Special.DONT_KNOW),
        ("number", None),
        ("scale", "rf"),
        ("scale", "9"),
        ("single", "trade"),
        ("multi", ["trade"]),
        ("yesno", "yes"),
        ("text", "5"),
        ("date", "2009-03-01"),
    ],
)
def test_as_number_is_none_for_no_number(type_, value):
    assert as_number(type_, value) is None


# ---------------------------------------------------------------------------- check_answer


@pytest.mark.parametrize(("type_", "blank"), [("integer", None), ("multi", []), ("text", "")])
def test_required_answer_missing(type_, blank):
    error = check_answer(make_q(type_, required=True), blank, {})
    assert error is not None
    assert error.code == "required"
    assert str(error) == "Please answer this question."


def test_optional_blank_and_required_note_pass():
    assert check_answer(make_q("integer"), None, {}) is None
    assert check_answer(make_q("note", required=True), None, {}) is None


def test_special_answer_satisfies_required():
    assert check_answer(make_q("integer", required=True), Special.DONT_KNOW, {}) is None


def test_special_answer_turned_off_is_reported():
    error = check_answer(make_q("integer", dont_know=False), Special.DONT_KNOW, {})
    assert error is not None
    assert error.code == "special_not_allowed"


def test_check_answer_reports_limits():
    error = check_answer(make_q("integer", max=10), 11, {})
    assert error is not None
    assert (error.code, error.params) == ("above_max", {"max": "10"})


def test_constraint_reads_the_answer_as_dot_and_other_answers():
    q = make_q("integer", key="received", constraint=". >= ${sent}")
    error = check_answer(q, 3, {"sent": 5, "received": 3})
    assert error is not None
    assert error.code == "constraint"
    assert check_answer(q, 5, {"sent": 5}) is None


def test_constraint_is_skipped_for_blank_and_special_answers():
    q = make_q("integer", constraint=". > 100")
    assert check_answer(q, None, {}) is None
    assert check_answer(q, Special.REFUSED, {}) is None
    assert check_answer(q, 5, {}) is not None


def test_constraint_uses_the_given_today():
    q = make_q("date", constraint=". <= today()")
    assert check_answer(q, "2009-06-01", {}, today=date(2009, 6, 1)) is None
    error = check_answer(q, "2009-06-02", {}, today=date(2009, 6, 1))
    assert error is not None
    assert error.code == "constraint"


def test_constraint_on_multi_answer():
    q = make_q("multi", constraint="count-selected(.) <= 2")
    assert check_answer(q, ["trade", "health"], {}) is None
    assert check_answer(q, ["trade", "health", "culture"], {}) is not None


# ---------------------------------------------------------------------------- messages


def test_every_message_is_a_sentence_with_named_string_placeholders():
    for code, message in ERROR_MESSAGES.items():
        assert message[0].isupper(), code
        assert message.endswith("."), code
        assert re.findall(r"%\(\w+\)(.)", message) == ["s"] * message.count("%"), code


def test_every_error_code_raised_has_a_message_and_every_message_is_used():
    package = Path(types.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    raised = set(re.findall(r'AnswerError\(\s*"(\w+)"', source))
    raised |= set(re.findall(r'super\(\).__init__\(\s*"(\w+)"', source))  # RosterError
    raised |= set(re.findall(r'too_(?:small|large)(?:: ClassVar\[str\])? = "(\w+)"', source))
    assert raised == set(ERROR_MESSAGES)


# ---------------------------------------------------------------------------- one class each


def test_each_type_carries_its_rules_widget_and_export_encoding():
    for name, question_type in TYPES.items():
        compared = [rule for rule in question_type.rules if rule not in ("review", "none")]
        assert set(compared) <= set(question_type.comparators), name  # the engine applies them
        if question_type.default_rule is not None:
            assert question_type.default_rule in question_type.rules, name
        widgets = {"radio", "checkbox", "yesno", "input", "textarea", "note", "calculate", "rank"}
        widgets.add("roster")  # rows of the column questions' own widgets
        assert question_type.widget in widgets, name
        # a kind every export writer knows (the dataset refuses others), or none (a note)
        assert question_type.export_kind in {*EXPORT_KINDS, None}, name
        if name != "note":
            assert question_type.rules, name
        if name not in ("note", "roster"):  # a roster's agreement is its columns'
            assert question_type.agreement_levels, name


def test_a_new_type_is_one_class_that_the_registry_finds():
    from survey.core.types import _discovered
    from survey.core.types.scale import ScaleType

    class RatingType(ScaleType):
        """A type a later module might add: found without touching any other module."""

        name = "rating"
        widget = "radio"

    found = _discovered()
    assert isinstance(found["rating"], RatingType)
    assert list(found)[: len(TYPES)] == list(TYPES)  # the documented order first
    assert "rating" not in TYPES  # the registry in use is the one built at import
