"""AAPOR dispositions and RR1, COOP1, REF1, CON1 against figures worked by hand."""

from __future__ import annotations

import json

import pytest

from survey.fieldwork import dispositions, rates, services
from tests.fieldwork.conftest import EXPECTED


def test_each_case_gets_its_hand_worked_disposition(session, field):
    _, round_, _ = field
    found = {
        (c.pair.code, c.side.code): (c.disposition.code, c.disposition.group)
        for c in services.cases(session, round_)
    }
    assert found == EXPECTED


def test_rates_overall_per_side_and_per_mode_match_the_hand_worked_figures(session, field):
    """I=2 P=1 R=1 NC=1 O=1 UH=1 UO=0 NE=1 (NE is left out of every denominator)."""
    _, round_, _ = field
    found = rates.round_rates(session, round_)
    assert found.overall.counts == {"I": 2, "P": 1, "R": 1, "NC": 1, "O": 1, "UH": 1, "NE": 1}
    assert found.overall.rr1 == pytest.approx(2 / 7)  # I / (I+P+R+NC+O+UH+UO)
    assert found.overall.coop1 == pytest.approx(2 / 5)  # I / (I+P+R+O)
    assert found.overall.ref1 == pytest.approx(1 / 7)
    assert found.overall.con1 == pytest.approx(5 / 7)  # (I+P+R+O) / (… + NC + UH + UO)
    us, cn = found.by_side["us"], found.by_side["cn"]  # us: I P NC UH; cn: I R O NE
    assert (us.rr1, us.coop1, us.ref1, us.con1) == pytest.approx((1 / 4, 1 / 2, 0, 2 / 4))
    assert (cn.rr1, cn.coop1, cn.ref1, cn.con1) == pytest.approx((1 / 3, 1 / 3, 1 / 3, 1))
    web, phone = found.by_mode["web"], found.by_mode["phone"]  # web: I P; phone: the rest
    assert (web.rr1, web.coop1, web.ref1, web.con1) == pytest.approx((1 / 2, 1 / 2, 0, 1))
    assert (phone.rr1, phone.coop1, phone.ref1, phone.con1) == pytest.approx(
        (1 / 5, 1 / 3, 1 / 5, 3 / 5)
    )
    assert dict(found.codes) == {
        ("1.1", "I"): 2,
        ("1.2", "P"): 1,
        ("2.11", "R"): 1,
        ("2.22", "NC"): 1,
        ("2.30", "O"): 1,
        ("3.13", "UH"): 1,
        ("4.70", "NE"): 1,
    }


def test_the_rates_command_prints_the_same_figures(runner, field):
    _, round_, _ = field
    result = runner.invoke(args=["contact", "rates", round_.slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["overall"]["rates"]["RR1"] == pytest.approx(2 / 7)
    assert shown["by_side"]["cn"]["rates"]["CON1"] == 1
    assert shown["by_mode"]["phone"]["counts"]["UH"] == 1
    assert [d["code"] for d in shown["dispositions"]] == [
        "1.1", "1.2", "2.11", "2.22", "2.30", "3.13", "4.70"
    ]  # fmt: skip


def test_a_refusal_stays_one_when_later_calls_go_unanswered_and_a_submission_wins():
    assert dispositions.disposition("sent", ["refused", "no_answer", "busy"]).code == "2.11"
    assert dispositions.disposition("submitted", ["refused"]).code == "1.1"
    assert dispositions.disposition("declined", ["started"]).code == "1.2"
    assert dispositions.disposition("pending", []).group == "UH"
    assert dispositions.disposition("bounced", ["wrong_number"]).code == "3.90"


def test_no_cases_means_no_rate_rather_than_a_division_by_zero():
    empty = dispositions.rates([])
    assert (empty.rr1, empty.coop1, empty.ref1, empty.con1) == (None, None, None, None)
    only_ineligible = dispositions.rates(["NE", "NE"])
    assert only_ineligible.rr1 is None
