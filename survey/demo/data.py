"""The demo's interview data: plausible, reproducible answers for both sides of each pair.

Each pair gets one "true" account drawn from a generator seeded by its code; each
side reports it in its own words, with the kind of differences a real study
finds (a delegation counted by one side and not the other, a founding year off
by one, different sectors remembered). A few sides are still missing, some were
interviewed by telephone, some by e-mail, some answered online.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

SECTORS = (
    "public_administration",
    "urban_planning",
    "health",
    "education",
    "environment",
    "water",
    "transport",
    "policing_emergency",
)
FUNDERS = (
    "us_local_government",
    "partner_local_government",
    "association",
    "national_government",
    "universities",
)
AREAS = (
    "air_quality",
    "water_treatment",
    "waste_management",
    "renewable_energy",
    "energy_efficiency",
    "green_building",
)
# What delegations came for, in each side's words (en, zh-Hans, zh-Hant).
PURPOSES = (
    ("Trade mission", "经贸考察", "經貿考察"),
    ("Mayor's visit", "市长访问", "市長訪問"),
    ("Cultural performance", "文化演出", "文化演出"),
    ("Teachers' exchange", "教师交流", "教師交流"),
    ("Urban planning study tour", "城市规划考察", "都市計畫考察"),
    ("Hospital training visit", "医院培训访问", "醫院培訓訪問"),
)
US_POSITIONS = ("association_president", "association_board", "association_staff")
CN_POSITIONS = ("fao_director", "fao_deputy_director", "fao_officer")

COMMENTS = {
    "en": (
        "Trust comes from the same people meeting year after year.",
        "Our exchanges continued quietly even when national relations were tense.",
        "Student and teacher exchanges are the backbone of the relationship.",
    ),
    "zh-Hans": (
        "多年来同一批人的往来建立了信任。",
        "即使国家关系紧张时，双方的交流也一直在默默进行。",
        "学生和教师交流是两市关系的基础。",
    ),
    "zh-Hant": (
        "多年來同一批人的往來建立了信任。",
        "即使國家關係緊張時，雙方的交流也一直在默默進行。",
        "學生和教師交流是兩市關係的基礎。",
    ),
}


@dataclass(frozen=True)
class SidePlan:
    """How one side of one pair took part: mode, whether submitted, and its answers."""

    mode: str
    submitted: bool
    answers: dict[str, Any]


def _rng(code: str, salt: str = "") -> random.Random:
    seed = int(hashlib.sha256(f"{code}:{salt}".encode()).hexdigest()[:12], 16)
    return random.Random(seed)  # noqa: S311 - reproducible demo data, not security


def _truth(code: str, kind: str, established: int) -> dict[str, Any]:
    rng = _rng(code)
    training = rng.random() < 0.47  # the seed: 15 of 32 city pairs ran governance training
    environment = rng.random() < 0.6
    truth: dict[str, Any] = {
        "established": established,
        "relationship_kind": kind if kind in ("city", "state", "cross-strait") else "city",
        "formal_agreement": "yes",
        "delegations_us_to_cn": rng.randint(0, 6),
        "delegations_cn_to_us": rng.randint(0, 8),
        "student_exchange": rng.choice(("yes", "yes", "no")),
        "students_count": rng.randint(4, 60),
        "mayor_visit": rng.choice(("yes", "no")),
        "expert_exchange": rng.choice(("yes", "no")),
        "last_visit_us": rng.randint(max(established, 2001), 2009),
        "last_visit_cn": rng.randint(max(established, 2001), 2009),
        "governance_training": "yes" if training else "no",
        "training_sectors": sorted(rng.sample(SECTORS, rng.randint(1, 3))),
        "officials_trained": rng.randint(5, 120),
        "training_funders": sorted(rng.sample(FUNDERS, rng.randint(1, 2))),
        "trade_missions": rng.randint(0, 5),
        "investment_facilitated": rng.choice(("yes", "no")),
        "environment_cooperation": "yes" if environment else "no",
        "climate_plan": rng.choice(("yes", "no")),
        "environmental_technology": "yes",
        "university_energy_research": rng.choice(("yes", "no")),
        "environment_areas": sorted(rng.sample(AREAS, rng.randint(1, 3))),
        "last_joint_event": f"2009-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}",
    }
    if established <= 1989:
        truth["response_1989"] = rng.choice(("continued", "continued", "reduced"))
    if established <= 2001:
        truth["response_2001"] = "continued"
        truth["exchanges_during_2001"] = rng.choice(("yes", "no"))
    truth["delegation_rows"] = _delegations(code, truth)
    return truth


def _delegations(code: str, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The main delegations of 2006-2008 (a generator of their own, so that the other
    answers stay as they were): direction from the U.S. side, size, purpose."""
    if truth["delegations_us_to_cn"] + truth["delegations_cn_to_us"] == 0:
        return []  # nobody travelled in 2008: the roster is not asked
    rng = _rng(code, "delegations")
    rows = []
    for year in (2006, 2007, 2008):
        for direction, in_2008 in (("us_to_cn", "delegations_us_to_cn"),
                                   ("cn_to_us", "delegations_cn_to_us")):  # fmt: skip
            count = min(truth[in_2008], 2) if year == 2008 else rng.randint(0, 1)
            for _ in range(count):
                purpose = rng.randrange(len(PURPOSES))
                rows.append({"year": year, "direction": direction,
                             "size": rng.randint(2, 25), "purpose": purpose})  # fmt: skip
    return rows


def side_answers(code: str, side: str, truth: dict[str, Any], language: str) -> dict[str, Any]:
    """One side's account of the truth, as raw form input."""
    rng = _rng(code, side)
    us = side == "us"
    sent = truth["delegations_us_to_cn" if us else "delegations_cn_to_us"]
    received = truth["delegations_cn_to_us" if us else "delegations_us_to_cn"]
    answers: dict[str, Any] = {
        "position": rng.choice(US_POSITIONS if us else CN_POSITIONS),
        "organization_type": "nonprofit_association" if us else "foreign_affairs_office",
        "years_involved": str(rng.randint(3, 25)),
        "longest_involved": rng.choice(("yes", "no")),
        "established": str(truth["established"]),
        "relationship_kind": truth["relationship_kind"],
        "formal_agreement": truth["formal_agreement"],
        "us_other_china": rng.choice(("yes", "no", "dk")),
        "us_other_taiwan": "no",
        "implementer": "nonprofit" if us else "government",
        "delegations_sent": str(sent),
        "delegations_received": str(received),
        "student_exchange": truth["student_exchange"],
        "mayor_visit": truth["mayor_visit"],
        "expert_exchange": truth["expert_exchange"],
        "last_visit_sent": str(truth["last_visit_us" if us else "last_visit_cn"]),
        "last_visit_received": str(truth["last_visit_cn" if us else "last_visit_us"]),
        "last_joint_event": truth["last_joint_event"],
        "trust_city_level": str(rng.randint(3, 5)),
        "exchanges_public_opinion": str(rng.randint(3, 5)),
        "personal_over_agreements": str(rng.randint(2, 5)),
        "trust_comment": rng.choice(COMMENTS.get(language, COMMENTS["en"])),
        "response_trade_war": "dk",
        "taiwan_tibet_raised": "no",
        "governance_training": truth["governance_training"],
        "trade_missions": str(truth["trade_missions"]),
        "investment_facilitated": truth["investment_facilitated"],
        "trade_importance": str(rng.randint(2, 5)),
        "environment_cooperation": truth["environment_cooperation"],
        "followup_contact": "yes",
    }
    for key in ("response_1989", "response_2001", "exchanges_during_2001"):
        if key in truth:
            answers[key] = truth[key]
    if sent + received and truth["delegation_rows"]:
        answers["delegations"] = _delegation_answers(truth["delegation_rows"], us, language, rng)
    if truth["student_exchange"] == "yes":
        answers["students_count"] = str(truth["students_count"])
    if truth["governance_training"] == "yes":
        answers.update(
            training_sectors=list(truth["training_sectors"]),
            officials_trained=str(truth["officials_trained"]),
            training_funders=list(truth["training_funders"]),
        )
    if truth["environment_cooperation"] == "yes":
        answers.update(
            {
                k: truth[k]
                for k in ("climate_plan", "environmental_technology", "university_energy_research")
            },
            environment_areas=list(truth["environment_areas"]),
        )
    return answers


def _delegation_answers(
    rows: list[dict[str, Any]], us: bool, language: str, rng: random.Random
) -> list[dict[str, str]]:
    """One side's rows: its own direction, the size as it counted it (an interpreter or a
    driver more or less now and then), the purpose in its own language."""
    column = {"en": 0, "zh-Hans": 1, "zh-Hant": 2}.get(language, 0)
    given = []
    for row in rows:
        sent = (row["direction"] == "us_to_cn") == us
        size = row["size"] if us else max(1, row["size"] + rng.choice((0, 0, 0, 1, -1)))
        given.append({
            "year": str(row["year"]),
            "direction": "sent" if sent else "received",
            "size": str(size),
            "purpose": PURPOSES[row["purpose"]][column],
        })  # fmt: skip
    return given


# Realistic differences between the two accounts, by pair position in the file.
DISAGREEMENTS = {
    2: {"cn": {"delegations_received": "+3"}},  # one side counted a delegation trip twice
    5: {"cn": {"established": "-1"}},  # founding year vs. agreement year
    9: {"us": {"training_sectors": ["health"]}},  # sectors remembered differently
    13: {"cn": {"response_2001": "reduced"}},
    17: {"us": {"student_exchange": "no"}},
    21: {"cn": {"trade_missions": "+4"}},
    26: {"us": {"last_joint_event": "2008-01-15"}},
}
# The delegations roster: a side that left out a delegation the other listed (a row of
# one side only), and one that counted a delegation's members quite differently.
ROSTER_DISAGREEMENTS = {23: ("cn", "left_out"), 31: ("us", "size+6")}
MISSING = {11: "cn", 30: "us"}  # sides still not submitted
IN_PROGRESS = {34: "cn"}


def _adjust(answers: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, change in changes.items():
        current = answers.get(key)
        if isinstance(change, str) and change[:1] in "+-" and current is not None:
            answers[key] = str(max(0, int(current) + int(change)))
        else:
            answers[key] = change


def plan(index: int, code: str, kind: str, established: int, side: str, language: str) -> SidePlan:
    """The demo's plan for one side of the pair at `index` (0-based) in the pairs file."""
    answers = side_answers(code, side, _truth(code, kind, established), language)
    _adjust(answers, DISAGREEMENTS.get(index, {}).get(side, {}))
    planted = ROSTER_DISAGREEMENTS.get(index)
    if planted and planted[0] == side and answers.get("delegations"):
        rows = answers["delegations"]
        if planted[1] == "left_out":
            answers["delegations"] = rows[1:]
        else:
            rows[0] = {**rows[0], "size": str(int(rows[0]["size"]) + 6)}
    if index == 17 and side == "us":
        answers.pop("students_count", None)
    mode = ("phone" if side == "us" else "email") if index % 4 else "web"
    if MISSING.get(index) == side:
        return SidePlan(mode, False, {})
    return SidePlan(mode, IN_PROGRESS.get(index) != side, answers)
