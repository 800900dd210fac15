"""regex() patterns as ODK and the browser read them: a hyphen next to a class escape in a
character class is a literal hyphen, on the server as in the respondent page's JavaScript."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from survey.core.expressions import ExpressionError, parse
from survey.core.expressions.patterns import python_pattern

EMAIL = r"^[\w-\.]+@([\w-]+\.)+[\w-]{2,4}$"  # xlsform2lstsv__testB.xlsx's e-mail constraint
CASES = [
    (EMAIL, "jane.doe@example.org", True),
    (EMAIL, "jane-doe@mail.example.cn", True),
    (EMAIL, "jane doe@example.org", False),
    (EMAIL, "jane@example", False),
    (r"^[.-\d]+$", "-1.5", True),  # before a class escape
    (r"^[.-\d]+$", "1,5", False),
    (r"^[^\s-]+$", "a-b", False),
    (r"^[a-c]+$", "abc", True),  # an ordinary range stays a range
    (r"^[a-c]+$", "-", False),
]
RESPONDENT_JS = Path(__file__).resolve().parents[2] / "survey" / "static" / "expressions.js"


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        (r"[\w-\.]", r"[\w\-\.]"),
        (r"[.-\w]", r"[.\-\w]"),
        (r"[^\d-x]", r"[^\d\-x]"),
        (r"[\w-]", r"[\w-]"),  # last in the class: literal already
        (r"[a-z0-9]", r"[a-z0-9]"),
        (r"\[\w-\.]", r"\[\w-\.]"),  # no class: nothing to do
        (r"([\w-]+\.)+[\w-\d]", r"([\w-]+\.)+[\w\-\d]"),
    ],
)
def test_a_hyphen_next_to_a_class_escape_is_escaped_and_nothing_else(pattern, translated):
    assert python_pattern(pattern) == translated


@pytest.mark.parametrize(("pattern", "text", "matches"), CASES)
def test_regex_reads_a_hyphen_next_to_a_class_escape_as_a_hyphen(pattern, text, matches):
    expression = parse(f"regex(., '{pattern}')")
    assert expression.test({}, current=text) is matches


def test_a_pattern_that_is_wrong_everywhere_is_still_refused():
    with pytest.raises(ExpressionError, match="invalid regular expression"):
        parse(r"regex(., '[z-a\w]')")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_browser_reads_the_same_patterns_the_same_way():
    # expressions.js compiles a pattern so: new RegExp(pattern) without flags.
    assert "return new RegExp(toString(pattern)).test(toString(value));" in (
        RESPONDENT_JS.read_text(encoding="utf-8")
    )
    script = (
        "const cases = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(cases.map(([p, t]) => new RegExp(p).test(t))));"
    )
    cases = [[pattern, text] for pattern, text, _ in CASES]
    done = subprocess.run(
        ["node", "-e", script, json.dumps(cases)], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [matches for _, _, matches in CASES]
