"""The respondent page's evaluator (survey/static/expressions.js) gives what the server gives,
run in Node on the same trees and answers: every case of ODK's math, string, select and time
functions (tests/core/test_expression_odk.py), and each of those functions over a grid of
awkward arguments (empty, NaN, ±Infinity, -0, huge, whole and fractional, text).

The functions that call the platform's own sin, cos, tan, asin, acos, atan, atan2, exp,
log, log10 and a fractional pow may differ in the last binary digit (glibc against V8's
fdlibm, as ODK Collect and Enketo differ); there the test allows a few units in the last
place and nothing else. Everything else must be identical, down to the sign of zero.
(tests/e2e/test_respondent_browser.py runs the same cases in Chromium.)
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from survey.core.expressions import Env, evaluate, parse
from survey.core.expressions.functions import ARITIES
from survey.core.expressions.tree import Call, Ref
from tests.core.test_expression_odk import CASES, NOW, NOW_TEXT

SCRIPT = Path(__file__).resolve().parents[2] / "survey" / "static" / "expressions.js"
NODE = shutil.which("node")
TODAY = "2009-03-01"
# The platform's own: a browser may differ from the server in the last binary digit.
PLATFORM = frozenset(
    {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "log", "log10", "pow", "exp10"}
)

_RUNNER = """
const fs = require("fs");
global.window = {};
global.document = { getElementById: () => null };
eval(fs.readFileSync(process.argv[1], "utf8"));
const revive = (key, value) =>
  value && typeof value === "object" && "$num" in value ? Number(value.$num) : value;
const cases = JSON.parse(fs.readFileSync(0, "utf8"), revive);
const out = cases.map(([tree, answers, today, now]) => {
  const got = window.surveyExpressions.evaluate(tree, { answers, current: null, today, now });
  if (typeof got !== "number") return got;
  return { $num: Object.is(got, -0) ? "-0" : String(got) };
});
process.stdout.write(JSON.stringify(out));
"""

needs_node = pytest.mark.skipif(NODE is None, reason="the parity test runs the script in Node")


def _encode(value: Any) -> Any:
    if isinstance(value, float):
        if value == 0 and math.copysign(1, value) < 0:
            return {"$num": "-0"}
        return {"$num": repr(value).replace("inf", "Infinity").replace("nan", "NaN")}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "$num" in value:
        return float(value["$num"].replace("Infinity", "inf"))
    return value


def run_script(cases: list[tuple[Any, dict, str, str]]) -> list[Any]:
    """Evaluate (tree, answers, today, now) cases with the page's script in Node."""
    payload = json.dumps(_encode([list(case) for case in cases]), allow_nan=False)
    done = subprocess.run(
        [NODE, "-e", _RUNNER, str(SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [_decode(item) for item in json.loads(done.stdout)]


def _exact(name: str, args: tuple) -> bool:
    """Whether numeric.py computes this pow or exp10 exactly (whole numbers, not too large)."""
    if not all(isinstance(arg, float) and arg.is_integer() for arg in args):
        return False
    base, exponent = args if name == "pow" else (10.0, args[0])
    return abs(base) < 2.0**53 and abs(exponent) <= 1100


def agree(name: str, server: Any, page: Any, args: tuple | None = None) -> bool:
    """Equal (NaN to NaN, -0 to -0 only), or a few units in the last place apart where the
    platform computes: never for pow and exp10 of whole numbers, which are exact."""
    if not isinstance(server, float):
        return type(page) is type(server) and page == server
    if not isinstance(page, float):
        return False
    if math.isnan(server) or math.isnan(page):
        return math.isnan(server) and math.isnan(page)
    if server == page:
        return math.copysign(1, server) == math.copysign(1, page)
    if name in ("pow", "exp10") and args is not None and _exact(name, args):
        return False
    return name in PLATFORM and math.isclose(server, page, rel_tol=4 * 2.0**-52, abs_tol=0)


@needs_node
def test_the_script_gives_what_the_server_gives_for_every_case():
    cases, expected, names = [], [], []
    for name, rows in sorted(CASES.items()):
        for source, answers, _ in rows:
            expression = parse(source)
            cases.append((expression.to_json(), answers, TODAY, NOW_TEXT))
            expected.append(expression.evaluate(answers, today=TODAY, now=NOW))
            names.append((name, source, answers))
    for (name, source, answers), server, page in zip(
        names, expected, run_script(cases), strict=True
    ):
        assert agree(name, server, page), (source, answers, server, page)


_NUMBERS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0, 10.0, 0.1, 7.25, 1e-300, 1e300,
            -1e300, math.inf, -math.inf, math.nan, 1100.0, -1101.0, 2.0**53, 1e22, -4.0, -5.0,
            23.0, 29.0, 1.1]  # fmt: skip
_TEXTS = ["", "x", "a b  c", " \t12:30\n", "\u00a012:30", "12:30\x1c", "12:30:15.25-03:30",
          "23:59+14:00", "2009-03-01", "2009-03-01T23:30:00-02:00", "true", "1", "好的👍", "-",
          "ab"]  # fmt: skip
_ONE = [*_NUMBERS, *_TEXTS, True, False]
# Each function over every argument (or pair of them; translate over a smaller set).
_GRID_ARGUMENTS = {1: [(a,) for a in _ONE], 2: list(itertools.product(_ONE, repeat=2))}
_SMALL = ["", "a", "ab", "好的👍", "ba-", 1.5]


@needs_node
def test_the_older_functions_agree_at_their_edges():
    sources = ["1 div int(-0.5)", "1 div round(-0.4)", "int(-1 div 0)", "1 div substr('', 0)"]
    cases = [(parse(source).to_json(), {}, TODAY, NOW_TEXT) for source in sources]
    expected = [parse(source).evaluate({}) for source in sources]
    for source, server, page in zip(sources, expected, run_script(cases), strict=True):
        assert agree("", server, page), (source, server, page)


@needs_node
def test_codes_split_alike_on_any_white_space():
    """selected(), count-selected() and selected-at() split a value where both platforms see
    white space (Python's and JavaScript's own lists differ at their edges)."""
    spaces = ["\x1c", "\x85", "\ufeff", "\u3000", "\u00a0", "\v", "\u2028"]
    cases, expected, sources = [], [], []
    for space in spaces:
        answers = {"m": f"a{space}b"}
        for source in ("count-selected(${m})", "selected(${m}, 'b')", "selected-at(${m}, 1)"):
            expression = parse(source)
            cases.append((expression.to_json(), answers, TODAY, NOW_TEXT))
            expected.append(expression.evaluate(answers))
            sources.append((source, space))
    for (source, space), server, page in zip(sources, expected, run_script(cases), strict=True):
        assert agree("", server, page), (source, space, server, page)
        assert server in (2.0, True, "b"), (source, space, server)


@needs_node
@pytest.mark.parametrize("arity", [0, 1, 2, 3])
def test_the_script_gives_what_the_server_gives_over_a_grid_of_arguments(arity: int) -> None:
    names = sorted(name for name in CASES if ARITIES[name][0] == arity)
    grid = {0: [()], 3: list(itertools.product(_SMALL, repeat=3))}.get(arity)
    grid = grid or _GRID_ARGUMENTS[arity]
    keys = ("a", "b", "c")[:arity]
    cases, expected, labels = [], [], []
    for name in names:
        tree = Call(name, tuple(Ref(key) for key in keys))
        json_tree = ["call", name, *(["ref", key] for key in keys)]
        for args in grid:
            answers = dict(zip(keys, args, strict=True))
            env = Env(answers, None, TODAY, None, None, NOW_TEXT)
            cases.append((json_tree, answers, TODAY, NOW_TEXT))
            expected.append(evaluate(tree, env))
            labels.append((name, args))
    assert names, "no function of this arity"
    for (name, args), server, page in zip(labels, expected, run_script(cases), strict=True):
        assert agree(name, server, page, args), (name, args, server, page)


def test_agreement_allows_the_last_digits_only_where_the_platform_computes():
    assert agree("sin", 0.9227746406462406, 0.9227746406462407)
    assert not agree("sqrt", 1.4142135623730951, 1.4142135623730954)
    assert not agree("sin", 0.922774640646, 0.9227746406462407)
    assert not agree("ceiling", -0.0, 0.0)
    assert agree("pow", 1.2100000000000002, 1.2100000000000004, (1.1, 2.0))
    assert not agree("exp10", 0.0001, 0.00009999999999999999, (-4.0,))
    assert agree("log", math.nan, math.nan)
    assert not agree("log", math.nan, 0.0)
    assert not agree("contains", True, 1.0)


def test_the_cases_cover_every_new_function():
    """Every function of numeric.py and strings.py, and the new time functions, has cases."""
    from survey.core.expressions.numeric import NUMERIC
    from survey.core.expressions.strings import STRINGS

    assert {*NUMERIC, *STRINGS, "now", "date-time", "decimal-time"} == set(CASES)
