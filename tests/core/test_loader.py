"""Loading, checking and dumping YAML questionnaires (survey.core.loader)."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.core.completeness import completeness
from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import TYPES, CompareRule, Option, QuestionnaireError

HERE = Path(__file__).parent
VALID = HERE / "fixtures" / "valid.yaml"
MALFORMED = sorted((HERE / "malformed").glob("*.yaml"))
# A malformed file marks each line where a problem is expected: `# expect: <message fragment>`.
EXPECT = re.compile(r"# expect: (.*?)(?= # expect: |$)")

ONE_LANGUAGE = """\
key: demo
version: "1"
languages: [en]
title: Demo
sections:
  - key: main
    title: Main
    questions:
"""
DERIVED = """\
key: demo
version: "1"
languages: [en, zh-Hans, zh-Hant]
derive: {zh-Hant: zh-Hans}
title: {en: Development, zh-Hans: 发展}
sections:
  - key: main
    title: {en: Main, zh-Hans: 主要, zh-Hant: 主要}
    questions:
      - key: q1
        type: yesno
        text: {en: "Development?", zh-Hans: 发展？, zh-Hant: 已寫好}
"""


def expectations(path: Path) -> list[tuple[int, str]]:
    """(line, fragment) for every `# expect:` marker in a fixture."""
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return [(number, text) for number, line in enumerate(lines, 1) for text in EXPECT.findall(line)]


def problems_of(text: str, **options: bool) -> list[str]:
    """The problem lines ('src:line: message') that loading `text` raises."""
    with pytest.raises(QuestionnaireError) as caught:
        load_yaml(text, "src.yaml", **options)
    return [str(problem) for problem in caught.value.problems]


def test_there_are_at_least_thirty_malformed_fixtures():
    assert len(MALFORMED) >= 30
    assert all(expectations(path) for path in MALFORMED)


@pytest.mark.parametrize("path", MALFORMED, ids=lambda path: path.stem)
def test_malformed_file_reports_exactly_the_expected_problems(path):
    with pytest.raises(QuestionnaireError) as caught:
        load_file(path)
    problems = caught.value.problems
    found = [(problem.line, problem.message) for problem in problems]
    for line, fragment in expectations(path):
        assert any(at == line and fragment in message for at, message in found), (line, found)
    assert len(problems) == len(expectations(path)), found  # nothing else, no follow-on noise
    assert all(str(problem).startswith(f"{path}:{problem.line}: ") for problem in problems)


def test_several_problems_are_all_reported_in_line_order():
    with pytest.raises(QuestionnaireError) as caught:
        load_file(HERE / "malformed" / "several_problems.yaml")
    lines = [problem.line for problem in caught.value.problems]
    assert len(lines) == 7
    assert lines == sorted(lines)
    assert str(caught.value).count("\n") == 6  # the error text lists every problem


def test_valid_fixture_loads_with_every_type_and_the_format_defaults():
    q = load_file(VALID)
    assert q.languages == ("en", "zh-Hans", "zh-Hant")
    assert {question.type for question in q.questions()} == set(TYPES)
    assert q.question("intro_note").compare is None
    assert q.question("established").compare == CompareRule("exact")
    assert q.question("organisation").compare == CompareRule("review")
    assert q.question("comments").compare == CompareRule("none")
    assert q.question("budget_share").compare == CompareRule("tolerance", 0.1, relative=True)
    assert q.question("first_visit").min == "1979-01-01"
    assert q.question("kind").option("gov").label["zh-Hant"] == "市政府"
    assert q.introduction["en"].endswith("about 20 minutes.\n")
    assert q.question("delegations_total").calculation.startswith("coalesce(")
    assert q.derived == frozenset()


def test_lines_are_recorded_on_sections_questions_and_options():
    q = load_file(VALID)
    lines = VALID.read_text(encoding="utf-8").splitlines()
    assert lines[q.sections[1].line - 1].strip() == "- key: exchanges"
    assert lines[q.question("delegations_sent").line - 1].strip() == "- key: delegations_sent"
    assert lines[q.question("areas").options[1].line - 1].strip().startswith("- {code: waste")


def test_values_keep_the_text_written_not_yaml_1_1_guesses():
    q = load_yaml(
        ONE_LANGUAGE.replace('"1"', "1.10")
        + "      - {key: ok, type: single, text: Ok, options: [{code: yes, label: Yes}, "
        "{code: 1, label: 1.0}]}\n",
        "src.yaml",
    )
    assert q.version == "1.10"
    assert q.question("ok").option_codes == ("yes", "1")
    assert q.question("ok").options[1].label == {"en": "1.0"}
    assert q.question("ok").options[0].label == {"en": "Yes"}


def test_plain_string_is_the_text_of_the_only_language():
    q = load_yaml(ONE_LANGUAGE + "      - {key: q1, type: integer, text: How many}\n", "src.yaml")
    assert q.question("q1").text == {"en": "How many"}
    assert q.title == {"en": "Demo"}


def test_derive_fills_missing_traditional_texts_with_opencc():
    q = load_yaml(DERIVED, "src.yaml")
    assert q.title["zh-Hant"] == "發展"
    assert q.sections[0].questions[0].text["zh-Hant"] == "已寫好"  # written texts stay
    assert q.derived == frozenset({("title", "zh-Hant")})
    report = completeness(q)["zh-Hant"]
    assert (report.total, report.written, report.derived, report.missing) == (3, 2, 1, [])


def test_derive_counts_as_a_translation_for_validation():
    broken = DERIVED.replace("derive: {zh-Hant: zh-Hans}\n", "")
    assert problems_of(broken) == [
        "src.yaml:4: questionnaire has no zh-Hant title "
        "(add title: {zh-Hant: …} or derive: {zh-Hant: zh-Hans})"
    ]
    assert load_yaml(DERIVED, "src.yaml").title["zh-Hant"] == "發展"


def test_dump_then_load_gives_the_same_hash():
    q = load_file(VALID)
    assert load_yaml(dump_yaml(q), "dump.yaml").content_hash() == q.content_hash()


def test_dump_writes_derived_texts_as_texts():
    q = load_yaml(DERIVED, "src.yaml")
    dumped = dump_yaml(q)
    again = load_yaml(dumped, "dump.yaml")
    assert "derive" not in dumped
    assert "zh-Hant: 發展" in dumped
    assert again.content_hash() == q.content_hash()
    assert again.derived == frozenset()


def test_dump_is_readable_block_yaml_in_the_format_order():
    dumped = dump_yaml(load_file(VALID))
    top = [line.split(":")[0] for line in dumped.splitlines() if re.match(r"[a-z_]+:", line)]
    assert top == ["key", "version", "languages", "default_language", "title"] + [
        "introduction",
        "sections",
    ]
    assert "友好城市关系访谈" in dumped  # not \u-escaped
    assert not re.search(r"(:|-) [{\[]", dumped)  # block style throughout, no {…} or […]
    assert "  en: |\n    Thank you for taking part.\n" in dumped
    question = dumped[dumped.index("- key: delegations_sent") :]
    keys = re.findall(
        r"^        ([a-z_]+):", question.split("- key: delegations_received")[0], re.M
    )
    assert keys == ["type", "text", "help", "min", "compare", "mirror"]


TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
CODES = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(title=TEXTS, text=TEXTS, code=CODES)
def test_any_text_survives_dump_and_load(title, text, code):
    body = "      - {key: q1, type: single, text: x, options: [{code: a, label: x}]}\n"
    q = load_yaml(ONE_LANGUAGE + body, "src.yaml", validate=False)
    options = (Option("a", {"en": title}), Option(code, {"en": text}))
    question = replace(q.question("q1"), text={"en": text}, options=options)
    changed = replace(
        q, title={"en": title}, sections=(replace(q.sections[0], questions=(question,)),)
    )
    again = load_yaml(dump_yaml(changed), "dump.yaml", validate=False)
    assert again.content_hash() == changed.content_hash()


def test_validate_false_returns_an_incomplete_model_for_the_preview():
    text = DERIVED.replace("derive: {zh-Hant: zh-Hans}\n", "").replace(", zh-Hant: 已寫好", "")
    q = load_yaml(text, "src.yaml", validate=False)
    report = completeness(q)["zh-Hant"]
    assert report.missing == ["questionnaire: title", "question q1: text"]
    assert not report.is_complete


def test_validate_false_still_raises_on_yaml_problems():
    assert problems_of(ONE_LANGUAGE + "      - {key: q1, typo: x}\n", validate=False) == [
        "src.yaml:9: unknown key 'typo' in question 'q1' (did you mean 'type'?)"
    ]


def test_several_documents_are_a_syntax_error():
    (problem,) = problems_of(ONE_LANGUAGE + "---\nkey: other\n")
    assert problem.startswith(
        "src.yaml:9: YAML syntax error: expected a single document in the stream, but found"
    )


def test_unquoted_question_mark_in_flow_mapping_gets_a_hint():
    (problem,) = problems_of(
        ONE_LANGUAGE + "      - {key: q1, type: integer, text: {en: Why?, x}}\n"
    )
    assert problem.startswith("src.yaml:9: YAML syntax error")
    assert "texts in {…} with '?'" in problem


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(
        b"\xef\xbb\xbf" + (ONE_LANGUAGE + "      - {key: q1, type: text, text: T}\n").encode()
    )
    assert load_file(path).question("q1").type == "text"


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_file(tmp_path / "nowhere.yaml")
    (problem,) = caught.value.problems
    assert "cannot read the file" in problem.message
    assert problem.source.endswith("nowhere.yaml")


def test_compare_forms_are_all_read():
    options = "options: [{code: x, label: X}, {code: y, label: Y}]"
    body = f"""\
      - {{key: a, type: multi, text: A, {options}, compare: {{overlap: 0.5}}}}
      - {{key: b, type: multi, text: B, {options}, compare: set}}
      - {{key: c, type: integer, text: C, compare: {{tolerance: {{abs: 2}}}}}}
      - {{key: d, type: date, text: D, compare: {{within_days: 0}}}}
      - {{key: e, type: text, text: E, compare: exact}}
"""
    q = load_yaml(ONE_LANGUAGE + body, "src.yaml")
    rules = [question.compare for question in q.questions()]
    assert rules == [
        CompareRule("overlap", 0.5),
        CompareRule("set"),
        CompareRule("tolerance", 2),
        CompareRule("within_days", 0),
        CompareRule("exact"),
    ]


def test_compare_value_of_the_wrong_kind_is_reported_and_the_default_kept():
    body = "      - {key: a, type: integer, text: A, compare: {tolerance: {abs: lots}}}\n"
    assert problems_of(ONE_LANGUAGE + body) == [
        "src.yaml:9: tolerance abs in compare of question 'a' must be a number, "
        "not the value 'lots' (write e.g. {abs: 1})"
    ]


def test_list_items_that_are_not_mappings_are_left_out_and_reported():
    assert problems_of(ONE_LANGUAGE + "      - q1\n") == [
        "src.yaml:6: section 'main' has no questions (add at least one question)",
        "src.yaml:9: an item of questions of section 'main' is the value 'q1', not a mapping "
        "(write - key: … and the other keys below)",
    ]


def test_merge_keys_are_refused_with_a_reason():
    body = "      - &q {key: q1, type: integer, text: X}\n      - {<<: *q, key: q2, type: year}\n"
    assert problems_of(ONE_LANGUAGE + body) == [
        "src.yaml:10: merge keys (<<) are not supported in question 'q2' (write the keys out)",
        "src.yaml:10: question 'q2' has no en text (add text: {en: …})",
    ]


def test_control_character_is_reported_with_its_line():
    body = "      - {key: q1, type: integer, text: a\x07b}\n"
    assert problems_of(ONE_LANGUAGE + body) == [
        "src.yaml:9: character U+0007 is not allowed in YAML (remove it)"
    ]


def test_tags_never_run_code():
    body = "      - {key: q1, type: integer, text: X, min: !!python/object/apply:os.getcwd []}\n"
    assert problems_of(ONE_LANGUAGE + body) == [
        "src.yaml:9: min of question 'q1' must be a number or a date, not a list "
        "(e.g. min: 0 or min: 2009-01-01)"
    ]
