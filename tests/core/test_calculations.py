"""Calculated values in the core: no "NaN" stored for arithmetic on a missing answer, and
jr:choice-name giving the option's label (base language), not its code."""

from __future__ import annotations

from survey.core.calculations import calculated, changed
from survey.core.loader.files import load_yaml

FORM = """
key: calcs
version: "1"
languages: [zh-Hans, en]
title: {en: Calculations, zh-Hans: 计算}
sections:
  - key: one
    title: {en: One, zh-Hans: 一}
    questions:
      - key: sent
        type: integer
        text: {en: Sent, zh-Hans: 派出}
      - key: received
        type: integer
        text: {en: Received, zh-Hans: 接待}
      - key: kind
        type: single
        text: {en: Kind, zh-Hans: 类型}
        options:
          - {code: sister, label: {en: Sister city, zh-Hans: 友好城市}}
          - {code: friendly, label: {en: Friendly exchange city, zh-Hans: 友好交流城市}}
      - key: total
        type: calculate
        calculation: "${sent} + ${received}"
      - key: safe_total
        type: calculate
        calculation: "coalesce(${sent}, 0) + coalesce(${received}, 0)"
      - key: ratio
        type: calculate
        calculation: "${sent} div ${received}"
      - key: kind_name
        type: calculate
        calculation: "jr:choice-name(${kind}, '${kind}')"
"""


def form():  # noqa: ANN201
    return load_yaml(FORM, "calcs.yaml")


def test_arithmetic_on_a_missing_answer_stores_no_value_not_nan():
    values = calculated(form(), {"sent": 3})
    assert values["total"] is None
    assert values["safe_total"] == "3"
    assert calculated(form(), {"sent": 3, "received": 4})["total"] == "7"


def test_a_division_by_zero_is_infinity_as_in_xpath_but_zero_by_zero_is_no_value():
    assert calculated(form(), {"sent": 3, "received": 0})["ratio"] == "Infinity"
    assert calculated(form(), {"sent": 0, "received": 0})["ratio"] is None


def test_a_cleared_input_clears_a_stored_nan_free_value():
    stored = {"sent": 3, "received": 4, "total": "7", "safe_total": "7"}
    now = {"sent": 3}
    assert changed(form(), stored, now)["total"] is None


def test_choice_name_gives_the_label_in_the_base_language_not_the_code():
    assert calculated(form(), {"kind": "sister"})["kind_name"] == "友好城市"
    assert calculated(form(), {})["kind_name"] is None
    english = calculated(form(), {"kind": "friendly"}, labels=lambda _k, c: c.upper())
    assert english["kind_name"] == "FRIENDLY"
