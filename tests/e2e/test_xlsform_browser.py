"""An XLSForm with what the import adapts or expands, answered in Chromium: a loop over a
list (one question per choice, its label substituted), a select_one_external filtered by
an earlier answer (a long list as one drop-down), a one-choice consent and a choice name
made a code; in English and both Chinese scripts at 1280 and 390 pixels, axe clean,
nothing off the screen."""

from __future__ import annotations

from collections.abc import Iterator

import openpyxl
import pytest

from survey.core.loader.files import dump_yaml
from survey.core.xlsform import load_xlsform
from tests.e2e.live import Live, scratch_database, seed_into, serve
from tests.e2e.test_respondent_browser import capture, fits_the_screen, link_of, press

LANGUAGES = ("English (en)", "Chinese (zh-Hans)", "Chinese (zh-Hant)")
SURVEY = (
    ("type", "name", *(f"label::{x}" for x in LANGUAGES), "choice_filter", "appearance"),
    ("select_multiple kinds", "kinds", "Kinds of exchange", "交流类型", "交流類型"),
    ("begin loop over kinds", "each_kind"),
    (
        "integer",
        "times",
        "How many %(label)s visits?",
        "%(label)s访问几次？",
        "%(label)s訪問幾次？",
    ),
    ("end loop",),
    ("select_one provinces", "province", "Province", "省份", "省份"),
    ("select_one_external cities", "city", "City", "城市", "城市", "province=${province}"),
    ("select_one consent", "consent", "Consent", "同意", "同意"),
)
CHOICES = (
    ("list_name", "name", *(f"label::{x}" for x in LANGUAGES)),
    ("kinds", "trade", "trade", "贸易", "貿易"),
    ("kinds", "culture", "culture", "文化", "文化"),
    ("provinces", "Jiang Su", "Jiangsu", "江苏", "江蘇"),  # no code: made one
    ("provinces", "zj", "Zhejiang", "浙江", "浙江"),
    ("consent", "yes", "I agree", "我同意", "我同意"),
)
EXTERNAL = (
    ("list_name", "name", *(f"label::{x}" for x in LANGUAGES), "province"),
    *(("cities", f"js{n}", f"Jiangsu {n}", f"江苏{n}", f"江蘇{n}", "Jiang Su") for n in range(15)),
    *(("cities", f"zj{n}", f"Zhejiang {n}", f"浙江{n}", f"浙江{n}", "zj") for n in range(15)),
)


@pytest.fixture(scope="module")
def xlsform_site(browser, app, tmp_path_factory) -> Iterator[Live]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("e2e-xlsform")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (("survey", SURVEY), ("choices", CHOICES), ("external_choices", EXTERNAL)):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    sheet = book.create_sheet("settings")
    sheet.append(["form_title", "form_id"])
    sheet.append(["Exchanges", "exchanges"])
    book.save(folder / "exchanges.xlsx")
    q = load_xlsform(folder / "exchanges.xlsx")
    (folder / "exchanges.yaml").write_text(dump_yaml(q), "utf-8")
    with (
        scratch_database("sqlite", folder) as url,
        serve(url, restore_url=app.config["DATABASE_URL"]) as live,
    ):
        seed_into(live, folder / "exchanges.yaml", pairs=6)
        yield live


def cities(page) -> list[str]:  # noqa: ANN001
    return page.eval_on_selector_all(
        "#f-city option[data-columns]",
        "options => options.filter(o => !o.hidden).map(o => o.value)",
    )


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("locale", "number"), [("en", 0), ("zh_Hans", 1), ("zh_Hant", 2)])
def test_an_imported_form_is_answered(xlsform_site, new_page, artifacts, width, locale, number):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(link_of(xlsform_site, "us", number + (3 if width == 390 else 0)))
    if locale != "en":
        press(page, f'button[name="_lang"][value="{locale}"]')
    press(page, 'main button[name="_nav"][value="start"]')
    expected = {
        "en": "How many trade visits?",
        "zh_Hans": "贸易访问几次？",
        "zh_Hant": "貿易訪問幾次？",
    }
    assert expected[locale] in page.inner_text("#q-times_trade")
    page.check('input[name="kinds"][value="trade"]')
    page.fill("#f-times_trade", "3")
    page.check('input[name="province"][value="Jiang_Su"]')
    assert cities(page) == [f"js{n}" for n in range(15)]  # one drop-down, filtered live
    page.select_option("#f-city", "js4")
    page.check('input[name="consent"][value="yes"]')
    assert fits_the_screen(page)
    capture(page, artifacts, f"xlsform-{locale}-{width}")
    press(page, 'main button[name="_nav"][value="next"]')
    assert page.url.endswith("/respond/review")
