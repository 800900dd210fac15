"""Chinese typography: full-width punctuation in Chinese text, language names, no repeated welcome.

The rule (UX.md 6): in a Chinese string, a colon, semicolon or bracket that stands
next to Chinese text is the full-width one (：；（）). A half-width one is allowed
only inside a Latin token where it belongs to the token: a placeholder
(`%(count)s`, `{link}`), a code such as `501(c)(3)`, `us:en` or `HH:mm`. "Next to"
means touching, or separated only by spaces, so "广州 (中方)" and "部分: 标题"
both fail. A full stop 。 is never followed by a space.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from survey.core.loader import load_file
from survey.rounds import services as rounds
from tests.fixtures.web import text_of

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "translations" / loc / "LC_MESSAGES" / "messages.po" for loc in ("zh_Hans", "zh_Hant")
]
SAMPLE = ROOT / "questionnaires" / "sister-cities.yaml"

CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]"
# Placeholders and Latin tokens whose punctuation is part of the token.
TOKENS = re.compile(r"%\(\w+\)[sd]|\$?\{\w+\}|[A-Za-z0-9_.-]+(?:[(:][A-Za-z0-9_.-]+\)?)+")
HALF_WIDTH = re.compile(rf"{CJK} *[:;()]|[:;()] *{CJK}")
SPACE_AFTER_FULL_STOP = re.compile(r"。 ")


def problems_in(text: str) -> list[str]:
    """The half-width marks next to Chinese text in `text`, and spaces after 。."""
    plain = TOKENS.sub("X", text)
    found = [m.group(0) for m in HALF_WIDTH.finditer(plain)]
    return found + [m.group(0) for m in SPACE_AFTER_FULL_STOP.finditer(plain)]


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("广州 (中方)", True),
        ("第 1 部分，共 9 部分: 标题", True),
        ("选项;其他", True),
        ("已保存。 下一步", True),
        ("广州（中方）", False),
        ("第 %(number)s 部分：%(title)s", False),
        ("如美国501(c)(3)类免税组织", False),
        ("例如 us:en。", False),
        ("时间 (UTC%(offset)s)", True),
        ("时间（UTC%(offset)s）", False),
    ],
)
def test_the_rule_catches_what_it_should(text, bad):
    assert bool(problems_in(text)) is bad, problems_in(text)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_chinese_catalogues_use_full_width_punctuation(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    bad = {}
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if string and problems_in(string):
                bad[string] = problems_in(string)
    assert bad == {}


def _texts(node, path=()):  # noqa: ANN001, ANN202
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, (*path, str(index)))
    elif isinstance(node, str) and path and path[-1] in ("zh-Hans", "zh-Hant"):
        yield ".".join(path), node


def test_sample_questionnaire_uses_full_width_punctuation():
    document = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    bad = {where: problems_in(text) for where, text in _texts(document) if problems_in(text)}
    assert bad == {}


@pytest.mark.parametrize(
    ("language", "phrase"),
    [("en", "stop at any time"), ("zh-Hans", "随时"), ("zh-Hant", "隨時")],
)
def test_the_welcome_page_says_you_may_stop_once(client, make_round, session, language, phrase):
    round_ = make_round(pairs=1)
    row = rounds.invitation_rows(session, round_)[0]
    row.respondent.language = language
    session.flush()
    link = rounds.link_of(row.invitation)
    assert client.get(link[link.index("/r/") :]).status_code == 303
    page = text_of(client.get("/respond/welcome"))
    assert page.count(phrase) == 1, page


def test_the_sample_speaks_of_stopping_only_where_the_page_does():
    q = load_file(SAMPLE)
    for language, phrase in (("en", "stop at any time"), ("zh-Hans", "随时"), ("zh-Hant", "隨時")):
        assert phrase not in q.introduction.get(language, "")
