"""Locale negotiation: explicit choice → cookie → Accept-Language → default."""

from __future__ import annotations

import pytest

from survey.i18n import normalize
from tests.fixtures.web import text_of


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("EN_gb", "en"),
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh_Hans_CN", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-MO", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("zh-Hant-TW", "zh_Hant"),
        ("zh_TW", "zh_Hant"),
        ("fr", None),
        ("", None),
        (None, None),
        ("xx-YY", None),
        ("en'--", None),
    ],
)
def test_language_codes_map_onto_known_locales(code, locale):
    assert normalize(code) == locale


@pytest.mark.parametrize(
    ("header", "lang", "word"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans", "登录"),
        ("zh-TW", "zh-Hant", "登入"),
        ("zh-HK,en;q=0.5", "zh-Hant", "登入"),
        ("fr-FR,de;q=0.8", "en", "Sign in"),
        ("fr-FR,zh;q=0.5", "zh-Hans", "登录"),
        ("", "en", "Sign in"),
    ],
)
def test_accept_language_picks_the_page_language(client, header, lang, word):
    page = text_of(client.get("/login", headers={"Accept-Language": header}))
    assert f'<html lang="{lang}">' in page
    assert word in page


def test_explicit_choice_beats_cookie_beats_header(client):
    client.set_cookie("lang", "zh_Hant")
    headers = {"Accept-Language": "en"}
    assert '<html lang="zh-Hant">' in text_of(client.get("/login", headers=headers))
    assert '<html lang="zh-Hans">' in text_of(client.get("/login?lang=zh-CN", headers=headers))


def test_language_switch_sets_cookie_and_returns_safely(client):
    response = client.get("/lang/zh-TW?next=/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert '<html lang="zh-Hant">' in text_of(client.get("/login"))
    evil = client.get("/lang/en?next=//evil.example/")
    assert "evil.example" not in evil.headers["Location"]


def test_unknown_language_value_falls_back_to_english(client):
    page = text_of(client.get("/login?lang=en'--<script>", headers={"Accept-Language": "de"}))
    assert '<html lang="en">' in page
    assert "<script>" not in page


def test_every_page_offers_the_language_switch(client):
    page = text_of(client.get("/login"))
    for name in ("English", "简体中文", "繁體中文"):
        assert name in page
