"""A page's problems, remembered per section and answers, are always those of the answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from survey.core.loader import load_file
from survey.responding import flow
from survey.responding.services import Stored
from survey.responding.visit import State

SAMPLE = Path(__file__).resolve().parents[2] / "questionnaires" / "sister-cities.yaml"


@pytest.fixture(scope="module")
def q():  # noqa: ANN201
    return load_file(SAMPLE)


def _state(q, values: dict[str, Any], upto: str | None = None) -> State:  # noqa: ANN001
    return State(
        q, {key: Stored(n, value, 1) for n, (key, value) in enumerate(values.items())}, upto
    )


def _worked_out(q, values: dict[str, Any], upto: str | None) -> dict[str, Any]:  # noqa: ANN001
    """The problems as worked out afresh, not remembered."""
    order = [s.key for s in flow.pages(q, values)]
    sections = set(order[: order.index(upto) + 1]) if upto in order else None
    return flow.problems_by_section(q, values, sections=sections)


def _codes(problems: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        part: {key: error.code for key, error in found.items()} for part, found in problems.items()
    }


STEPS = [
    {},
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes"},
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "us_other_china": "yes"},  # brings up a question that applies now
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "us_other_china": "yes", "us_other_china_count": -3},  # out of range
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "us_other_china": "no", "us_other_china_count": -3},  # no longer applies: not counted
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "delegations_sent": 2, "delegations_received": "2"},  # text where a number belongs
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "delegations_sent": 2, "delegations_received": True},  # equal to 1 in Python, not an answer
    {"established": 1986, "relationship_kind": "sister_city", "formal_agreement": "yes",
     "delegations_sent": 2, "delegations_received": 1},
    {},
]  # fmt: skip


@pytest.mark.parametrize("upto", [None, "relationship", "exchanges", "closing"])
def test_problems_follow_every_change_of_the_answers_and_come_back_the_same(q, upto):
    seen = []
    for _round in range(2):  # the second time round, every section's problems are remembered
        for values in STEPS:
            state = _state(q, values, upto)
            assert _codes(state.problems) == _codes(_worked_out(q, values, upto)), values
            seen.append(_codes(state.problems))
    assert seen[: len(STEPS)] == seen[len(STEPS) :]
    assert len({repr(codes) for codes in seen}) > 2  # the steps do change the problems


def test_values_that_python_finds_equal_are_told_apart(q):
    base = dict(STEPS[1], delegations_sent=2)
    one, true, text = (
        _state(q, dict(base, delegations_received=v), "exchanges") for v in (1, True, "1")
    )
    assert "delegations_received" not in one.problems.get("exchanges", {})
    assert "delegations_received" in true.problems.get("exchanges", {})
    assert "delegations_received" in text.problems.get("exchanges", {})
    assert "delegations_received" not in _state(
        q, dict(base, delegations_received=1), "exchanges"
    ).problems.get("exchanges", {})


def test_a_changed_problem_list_does_not_change_what_is_remembered(q):
    state = _state(q, {}, "relationship")
    state.problems["relationship"].clear()
    again = _state(q, {}, "relationship").problems
    assert _codes(again) == _codes(_worked_out(q, {}, "relationship"))
    assert again["relationship"]
