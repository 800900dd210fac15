"""Semantic checks (survey.core.validate) and translation completeness, on models built in code.

The models here are built directly, as the XLSForm importer builds them, so these
tests show that validation does not depend on YAML.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from survey.core.completeness import completeness, text_slots
from survey.core.loader import load_file, load_yaml
from survey.core.questionnaire import (
    CHOICE_TYPES,
    CompareRule,
    Option,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)
from survey.core.validate import canonical_tag, suggest, validate

VALID = Path(__file__).parent / "fixtures" / "valid.yaml"
DEFAULT_RULE = {"multi": "set", "text": "review", "longtext": "none"}


def texts(word: str, languages: tuple[str, ...] = ("en",)) -> dict[str, str]:
    """The same text in every language."""
    return {language: word for language in languages}


def make_question(key: str = "q1", kind: str = "integer", line: int = 10, **fields) -> Question:
    """A valid question of `kind` unless `fields` override it."""
    fields.setdefault("text", texts(key))
    if kind in CHOICE_TYPES:
        fields.setdefault("options", (Option("a", texts("A")), Option("b", texts("B"))))
    if kind != "note":
        fields.setdefault("compare", CompareRule(DEFAULT_RULE.get(kind, "exact")))
    return Question(key=key, type=kind, line=line, **fields)


def make_questionnaire(*questions: Question, **fields) -> Questionnaire:
    """A one-section questionnaire holding `questions`."""
    languages = fields.pop("languages", ("en",))
    section = Section("main", texts("Main", languages), questions, line=5)
    defaults = {"key": "demo", "version": "1", "title": texts("Demo", languages)}
    return Questionnaire(languages=languages, **(defaults | {"sections": (section,)} | fields))


def messages(q: Questionnaire, **options) -> list[str]:
    """What validate reports, as the CLI prints it."""
    return [str(problem) for problem in validate(q, "x.yaml", **options)]


# ---------------------------------------------------------------------------- whole models


def test_valid_fixture_has_no_problems():
    assert validate(load_file(VALID), "valid.yaml") == []


def test_every_type_is_valid_with_its_defaults():
    kinds = ("single", "multi", "yesno", "scale", "integer", "number", "year", "date")
    kinds += ("text", "longtext", "note")
    q = make_questionnaire(*(make_question(f"q_{kind}", kind) for kind in kinds))
    assert messages(q) == []


def test_model_without_lines_reports_line_zero():
    q = Questionnaire.from_dict(
        {
            "key": "demo",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "Demo"},
            "sections": [{"key": "main", "title": {"en": "Main"}, "questions": [
                {"key": "n", "type": "integer", "text": {"en": "How many?"}},
            ]}],
        }
    )  # fmt: skip
    assert messages(q) == [
        "x.yaml:0: question 'n' has no compare rule (add compare: one of exact, tolerance, "
        "review, none)"
    ]


def test_top_level_problems_use_the_lines_given():
    q = make_questionnaire(make_question(), key="Sister Cities", default_language="fr")
    assert messages(q, lines={"key": 2, "default_language": 5}) == [
        "x.yaml:2: questionnaire key 'Sister Cities' is not valid (use lower-case letters, "
        "digits, '-' and '_', starting with a letter or digit, e.g. sister-cities)",
        "x.yaml:5: default_language 'fr' is not among the languages (expected one of: en)",
    ]


# ---------------------------------------------------------------------------- header


def test_language_listed_twice():
    q = make_questionnaire(make_question(), languages=("en", "en"))
    assert messages(q) == ["x.yaml:0: language 'en' is listed twice (list each language once)"]


def test_no_languages_is_one_problem_not_one_per_text():
    q = make_questionnaire(make_question(text={}), languages=())
    assert messages(q, lines={"languages": 3}) == [
        "x.yaml:3: questionnaire has no languages (add languages: e.g. [en, zh-Hans, zh-Hant])"
    ]


def test_missing_key_and_version():
    q = make_questionnaire(make_question(), key="", version=" ")
    assert messages(q) == [
        "x.yaml:0: questionnaire has no key (add key: e.g. sister-cities)",
        'x.yaml:0: questionnaire has no version (add version: e.g. "2009.1")',
    ]


@pytest.mark.parametrize(
    ("tag", "fixed"),
    [
        ("zh_hans", "zh-Hans"),
        ("EN-us", "en-US"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_canonical_tag(tag, fixed):
    assert canonical_tag(tag) == fixed


def test_suggest_offers_only_near_misses():
    assert suggest("requird", ("required", "refused")) == "did you mean 'required'? "
    assert suggest("zzz", ("required", "refused")) == ""


# ---------------------------------------------------------------------------- keys and structure


def test_keys_must_be_identifiers_and_unique():
    first = make_question("1st", line=10)
    again = make_question("q1", line=12)
    q = make_questionnaire(first, make_question("q1", line=11), again)
    assert messages(q) == [
        "x.yaml:10: question key '1st' is not valid (use letters, digits and '_', "
        "not starting with a digit)",
        "x.yaml:12: question key 'q1' appears twice (first at line 11; question keys must be "
        "unique in the questionnaire)",
    ]


def test_section_keys_are_unique_and_sections_need_questions():
    q = make_questionnaire(make_question())
    empty = Section("main", texts("Again"), (), line=20)
    q = replace(q, sections=(*q.sections, empty))
    assert messages(q) == [
        "x.yaml:20: section 'main' has no questions (add at least one question)",
        "x.yaml:20: section key 'main' appears twice (first at line 5; section keys must be "
        "unique in the questionnaire)",
    ]


def test_unknown_type_skips_the_checks_that_depend_on_the_type():
    q = make_questionnaire(make_question(kind="", options=(Option("a", texts("A")),)))
    assert messages(q) == [
        "x.yaml:10: question 'q1' has no type (add type: one of single, multi, yesno, scale, "
        "integer, number, year, date, time, datetime, range, rank, acknowledge, text, longtext, "
        "note, calculate, roster)"
    ]


# ---------------------------------------------------------------------------- options


def test_yesno_cannot_have_options():
    q = make_questionnaire(make_question(kind="yesno", options=(Option("y", texts("Y")),)))
    assert messages(q) == [
        "x.yaml:10: yesno question 'q1' cannot have options (yesno has the fixed codes yes and "
        "no) (remove options; only single, multi, scale and rank questions have them)"
    ]


def test_scale_needs_two_points():
    q = make_questionnaire(make_question(kind="scale", options=(Option("1", texts("Low")),)))
    assert messages(q) == [
        "x.yaml:10: scale question 'q1' needs at least 2 options (has 1; add options: "
        "- {code: …, label: …})"
    ]


def test_option_codes_must_be_usable_in_files():
    options = (Option("", texts("A")), Option("a b", texts("B")), Option("rf", texts("R")))
    q = make_questionnaire(make_question(kind="multi", options=options))
    assert messages(q) == [
        "x.yaml:10: option #1 of question 'q1' has no code (add code: e.g. a1)",
        "x.yaml:10: option code 'a b' in question 'q1' is not valid (use letters, digits, '_', "
        "'-' and '.', without spaces or ';')",
        "x.yaml:10: option code 'rf' in question 'q1' is reserved for don't know / refused "
        "(choose another code)",
    ]


# ---------------------------------------------------------------------------- bounds and lengths


def test_min_and_max_only_on_numbers_and_dates():
    q = make_questionnaire(make_question(kind="scale", min=1))
    assert messages(q) == [
        "x.yaml:10: min is not allowed on scale question 'q1' (min and max apply to integer, "
        "number, year, date and range questions)"
    ]


def test_numeric_bound_must_be_a_number():
    q = make_questionnaire(make_question(kind="number", max="lots"))
    assert messages(q) == [
        "x.yaml:10: max of number question 'q1' is not a number ('lots'; write a number such as 0)"
    ]


def test_date_bounds_are_iso_dates_in_order():
    ok = make_question("ok", "date", min="2009-01-01", max="2010-12-31")
    late = make_question("late", "date", line=11, min="2010-01-01", max="2009-01-01")
    short = make_question("short", "date", line=12, max="2009-1-1")
    assert messages(make_questionnaire(ok, late, short)) == [
        "x.yaml:11: min 2010-01-01 is greater than max 2009-01-01 in question 'late' "
        "(min must not exceed max)",
        "x.yaml:12: max of date question 'short' is not an ISO date ('2009-1-1'; write "
        "YYYY-MM-DD, e.g. 2009-01-31)",
    ]


def test_pattern_only_on_text_and_lengths_not_negative():
    q = make_questionnaire(
        make_question("n", "integer", pattern="^[0-9]+$"),
        make_question("t", "longtext", line=11, min_length=-1),
    )
    assert messages(q) == [
        "x.yaml:10: pattern is not allowed on integer question 'n' (pattern applies to text)",
        "x.yaml:11: min_length -1 of question 't' is negative (a length is 0 or more)",
    ]


# ---------------------------------------------------------------------------- compare rules


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("multi", CompareRule("overlap", 1)),
        ("integer", CompareRule("tolerance", 0)),
        ("number", CompareRule("tolerance", 0.1, relative=True)),
        ("date", CompareRule("within_days", 0)),
        ("text", CompareRule("exact")),
        ("yesno", CompareRule("review")),
        ("scale", CompareRule("none")),
    ],
)
def test_rules_that_fit(kind, rule):
    assert messages(make_questionnaire(make_question(kind=kind, compare=rule))) == []


@pytest.mark.parametrize(
    ("kind", "rule", "message"),
    [
        ("multi", CompareRule("overlap", 0), "overlap 0 of question 'q1' is out of range"),
        ("multi", CompareRule("overlap"), "compare rule 'overlap' of question 'q1' has no number"),
        ("date", CompareRule("within_days", -1), "within_days -1 of question 'q1' is not a whole"),
        ("multi", CompareRule("exact"), "compare rule 'exact' does not fit multi question 'q1'"),
        ("text", CompareRule("tolerance", 1), "compare rule 'tolerance' does not fit text"),
        ("integer", CompareRule("sets"), "(did you mean 'set'? allowed for integer: exact"),
        ("note", CompareRule("none"), "note question 'q1' cannot be compared"),
    ],
)
def test_rules_that_do_not_fit(kind, rule, message):
    (problem,) = messages(make_questionnaire(make_question(kind=kind, compare=rule)))
    assert message in problem


def test_notes_cannot_be_required_or_constrained_and_messages_need_constraints():
    note = make_question("intro", "note", required=True)
    lonely = make_question("n", line=11, constraint_message=texts("Too many"))
    assert messages(make_questionnaire(note, lonely)) == [
        "x.yaml:10: note question 'intro' cannot be required (remove required; a note has no "
        "answer)",
        "x.yaml:11: question 'n' has a constraint_message but no constraint (add constraint: or "
        "remove constraint_message)",
    ]


# ---------------------------------------------------------------------------- mirrors


def test_symmetric_mirror_pair_is_valid():
    sent = make_question("sent", mirror="received")
    received = make_question("received", line=11, mirror="sent")
    assert messages(make_questionnaire(sent, received)) == []


def test_a_symmetric_pair_problem_is_reported_once():
    sent = make_question("sent", mirror="received", compare=CompareRule("tolerance", 1))
    received = make_question("received", line=11, mirror="sent")
    assert messages(make_questionnaire(sent, received)) == [
        "x.yaml:10: question 'sent' and its mirror 'received' are compared differently "
        "(give both the same compare rule)"
    ]


def test_mirrored_scales_need_the_same_codes_in_the_same_order():
    low_high = (Option("low", texts("Low")), Option("high", texts("High")))
    sent = make_question("sent", "scale", mirror="received", options=low_high)
    received = make_question("received", "scale", line=11, mirror="sent", options=low_high[::-1])
    (problem,) = messages(make_questionnaire(sent, received))
    assert problem.startswith(
        "x.yaml:10: question 'sent' and its mirror 'received' have different option codes "
        "(low, high vs high, low;"
    )


def test_mirrored_single_choices_may_list_codes_in_any_order():
    options = (Option("x", texts("X")), Option("y", texts("Y")))
    sent = make_question("sent", "single", mirror="received", options=options)
    received = make_question("received", "single", line=11, mirror="sent", options=options[::-1])
    assert messages(make_questionnaire(sent, received)) == []


# ---------------------------------------------------------------------------- expressions


def test_constraint_may_name_its_own_question_but_relevant_may_not():
    own = make_question("n", constraint="${n} >= 0 and . < 100")
    loop = make_question("m", line=11, relevant="${m} > 0")
    assert messages(make_questionnaire(own, loop)) == [
        "x.yaml:11: relevant of question 'm' refers to ${m}, which does not come before it "
        "(a question can only depend on earlier questions)"
    ]


def test_expressions_are_type_checked_against_earlier_questions():
    note = make_question("intro", "note")
    answer = make_question("answer", "yesno", line=11)
    uses = make_question("uses", line=12, relevant="${intro} = 'x' or ${answer} * 2 > 1")
    found = messages(make_questionnaire(note, answer, uses))
    assert found == [
        "x.yaml:12: relevant of question 'uses': ${intro} is a note and has no answer",
        f"x.yaml:12: relevant of question 'uses': {found[1].split(': ', 2)[2]}",
    ]
    assert "${answer} is a yesno question" in found[1]


def test_section_relevant_sees_only_questions_before_the_section():
    first = make_questionnaire(make_question("a", "yesno"))
    second = Section("more", texts("More"), (make_question("b", line=21),), relevant=None, line=20)
    ok = replace(second, relevant="${a} = 'yes'")
    assert messages(replace(first, sections=(*first.sections, ok))) == []
    bad = replace(second, relevant="${b} > 0")
    assert messages(replace(first, sections=(*first.sections, bad))) == [
        "x.yaml:20: relevant of section 'more' refers to ${b}, which does not come before it "
        "(a question can only depend on earlier questions)"
    ]


# ---------------------------------------------------------------------------- translations


LANGUAGES = ("en", "zh-Hans", "zh-Hant")


def test_every_declared_language_needs_every_text():
    question = make_question(
        kind="single",
        text={"en": "Kind?", "zh-Hans": "类型？", "zh-Hant": "  "},
        help={"en": "Pick one"},
        options=(Option("a", texts("A", LANGUAGES)), Option("b", {"en": "B"}, line=12)),
    )
    q = make_questionnaire(question, languages=LANGUAGES)
    assert messages(q) == [
        "x.yaml:10: question 'q1' has no zh-Hant text (add text: {zh-Hant: …} or derive: "
        "{zh-Hant: zh-Hans})",
        "x.yaml:10: question 'q1' has no zh-Hans, zh-Hant help (add help: {zh-Hans: …, "
        "zh-Hant: …})",
        "x.yaml:12: option 'b' of question 'q1' has no zh-Hans, zh-Hant label (add label: "
        "{zh-Hans: …, zh-Hant: …})",
    ]


def test_texts_in_undeclared_languages_are_reported():
    q = make_questionnaire(make_question(), closing={"en": "Thanks", "de": "Danke"})
    assert messages(q, lines={"closing": 7}) == [
        "x.yaml:7: questionnaire has closing in 'de', which is not among the languages "
        "(add 'de' to languages or remove the text)"
    ]


# ---------------------------------------------------------------------------- completeness


def test_completeness_counts_expected_written_derived_and_missing():
    question = make_question(
        "delegations_sent",
        text={"en": "Sent?", "zh-Hans": "派出？", "zh-Hant": "派出？"},
        help={"en": "Official only", "zh-Hans": "仅官方"},
    )
    q = make_questionnaire(question, languages=LANGUAGES)
    q = replace(q, derived=frozenset({("sections.0.questions.0.text", "zh-Hant")}))
    report = completeness(q)
    # title, section title, question text and help are expected; help only because en has it
    assert [(r.total, r.written, r.derived) for r in report.values()] == [
        (4, 4, 0),
        (4, 4, 0),
        (4, 2, 1),
    ]
    assert report["zh-Hant"].missing == ["question delegations_sent: help"]
    assert report["en"].is_complete


def test_completeness_of_the_valid_fixture_is_full():
    report = completeness(load_file(VALID))
    assert list(report) == list(LANGUAGES)
    assert {r.total for r in report.values()} == {r.written for r in report.values()}
    assert all(r.is_complete and r.derived == 0 for r in report.values())


def test_text_slots_follow_the_derived_paths():
    q = load_file(VALID)
    paths = [slot.path for slot in text_slots(q)]
    assert paths[:3] == ["title", "introduction", "closing"]
    assert "sections.2.questions.2.options.1.label" in paths
    assert "sections.2.questions.1.constraint_message" in paths


def test_control_characters_in_texts_are_named_with_their_place():
    """U+0000 cannot be stored by PostgreSQL nor drawn in a page: refused at import."""
    q = make_questionnaire(make_question(text={"en": "How\x00 many?"}), title={"en": "A\x1bB"})
    assert messages(q) == [
        "x.yaml:0: title.en contains the control character U+001B (remove it)",
        "x.yaml:0: sections[0].questions[0].text.en contains the control character U+0000"
        " (remove it)",
    ]
    tabs = make_questionnaire(make_question(text={"en": "Line one\nline\ttwo\r\n"}))
    assert messages(tabs) == []


def test_a_calculation_may_add_numeric_choice_codes_and_be_selected_from():
    q = load_yaml(
        """\
key: demo
version: "1"
languages: [en]
title: Demo
sections:
  - key: main
    title: Main
    questions:
      - key: a
        type: single
        text: A
        options: [{code: "1", label: Yes}, {code: "0", label: No}]
      - key: b
        type: single
        text: B
        options: [{code: "1", label: Yes}, {code: "0", label: No}]
      - key: both
        type: calculate
        calculation: "${a} + ${b}"
      - key: flags
        type: calculate
        calculation: "concat(${a}, ' ', ${b})"
      - key: note
        type: text
        text: Note
        relevant: "selected(${flags}, '1')"
""",
        "x.yaml",
    )
    assert q.question("both").calculation == "${a} + ${b}"  # loaded: validated, no problem


def test_arithmetic_on_codes_that_are_not_numbers_is_still_refused():
    text = """\
key: demo
version: "1"
languages: [en]
title: Demo
sections:
  - key: main
    title: Main
    questions:
      - key: a
        type: single
        text: A
        options: [{code: "yes", label: Yes}, {code: "0", label: No}]
      - key: twice
        type: calculate
        calculation: "${a} * 2"
"""
    with pytest.raises(QuestionnaireError) as caught:
        load_yaml(text, "x.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "x.yaml:13: calculation of question 'twice':"
        " ${a} is a single question: it cannot be used with '*'"
    ]
