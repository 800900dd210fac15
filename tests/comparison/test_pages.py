"""Comparison pages on the shared design: counts that add up, labels not codes, words kept whole."""

from __future__ import annotations

import html
import re

from survey.templating import keep_words
from tests.comparison.test_views import compared  # noqa: F401  (the fixture)
from tests.fixtures.web import login, text_of


def test_chinese_text_wraps_around_a_word_kept_whole():
    sentence = "近五年（2004—2008），双方"
    assert str(keep_words(sentence)) == '近五年（<span class="nowrap">2004—2008</span>），双方'
    assert str(keep_words("cross-strait pair")) == '<span class="nowrap">cross-strait</span> pair'


def _queue(page: str) -> str:
    return page[page.index('id="queue-table"') :]


def test_the_dashboard_counts_add_up_and_say_what_missing_and_skipped_mean(
    client,
    compared,  # noqa: F811
):
    login(client, compared["viewer"].email)
    page = text_of(client.get(compared["base"] + "/"))
    still_open = len(re.findall(r"govuk-tag--orange\">still open<", _queue(page)))
    assert still_open == 3
    assert f"Discrepancies still open: {still_open}" in page  # the headline is the table's count
    assert "3 discrepancies found: 3 open, 0 decided." in page
    start = page.index('id="outcomes-caption"')
    table = page[start : page.index("</table>", start)]
    counts = [int(n) for n in re.findall(r"govuk-table__cell--numeric\">(\d+)</td>", table)]
    assert sum(counts[:-1]) == counts[-1]  # the outcomes add up to the total shown
    total = re.search(r"every pair in the round: (\d+) comparisons", page).group(1)
    assert int(total) == counts[-1]
    assert "did not apply to at least one side" in page  # skipped, in words
    assert "gave no usable answer: blank, don't know or refused" in html.unescape(page)  # missing


def test_the_queue_names_pairs_questions_answers_and_sides_in_words(
    client,
    compared,  # noqa: F811
):
    login(client, compared["viewer"].email)
    queue = _queue(text_of(client.get(compared["base"] + "/")))
    assert "us city – cn city" in queue  # the pair by its two places, its code small beside it
    assert re.search(r'<code class="key">pair-\d+</code>', queue)
    assert 'Year established</span> <code class="key">established</code>' in queue
    assert ">No</td>" in queue
    assert ">Yes</td>" in queue
    client.get("/lang/zh_Hans?next=/")
    queue = _queue(text_of(client.get(compared["base"] + "/")))
    assert "城市 – 城市" in queue
    assert "建立年份" in queue
    assert ">否</td>" in queue
    assert "仍待处理" in queue


def test_the_pair_page_states_each_rule_in_words(client, session, compared):  # noqa: F811
    from survey.rounds import services as rounds

    login(client, compared["viewer"].email)
    first = rounds.round_pairs(session, compared["round"])[0]
    page = text_of(client.get(f"{compared['base']}/{first.code}"))
    assert "within ±1, against received on the other side" in page
    assert "at least 50 % of the choices in common" in page
    assert "tolerance" not in page
    assert "&#34;" not in page
    assert "us city – cn city" in page


def test_the_report_names_options_and_sides_and_explains_what_is_not_counted(
    client,
    compared,  # noqa: F811
):
    login(client, compared["viewer"].email)
    page = text_of(client.get(compared["base"] + "/report"))
    tabulation = page[page.index('id="tabulation"') :]
    assert "Only US" in tabulation  # side labels, not "Only us"
    assert "Only us" not in tabulation
    assert re.search(r'<th scope="row" class="govuk-table__header">Yes</th>', tabulation)
    assert re.search(r">Health</th>", tabulation)  # option labels, not codes
    assert ">health<" not in tabulation
    counted = "2 of 2 pairs counted; not counted: 0 where a side gave no usable answer"
    assert counted in html.unescape(tabulation)
    assert 'Any training held</span> <code class="key">training</code>' in tabulation
    client.get("/lang/zh_Hans?next=/")
    page = text_of(client.get(compared["base"] + "/report"))
    assert "卫生" in page
    assert "是否举办过培训" in page


def test_the_report_charts_and_tables_use_words_and_sort(client, compared):  # noqa: F811
    login(client, compared["viewer"].email)
    page = text_of(client.get(compared["base"] + "/report"))
    start = page.index('id="chart-agreement-title"')
    chart = page[start : page.index("</svg>", start)]
    assert "Year established" in chart  # questions by their text in the chart
    assert "50 % (n=2)" in chart
    table = page[page.index('id="agreement-table"') :]
    assert '<code class="key">training</code>' in table
    by_agreement = text_of(client.get(compared["base"] + "/report?sort=percent_agreement&dir=asc"))
    table = by_agreement[by_agreement.index('id="agreement-table"') :]
    assert table.index("Any training held") < table.index("Which sectors")  # 50 % before 100 %
    assert client.get(compared["base"] + "/report?sort=nonsense").status_code == 400


def test_the_report_csv_keeps_codes_and_adds_words(client, compared):  # noqa: F811
    login(client, compared["viewer"].email)
    tabulation = text_of(client.get(compared["base"] + "/report.csv?table=tabulation"))
    header = tabulation.splitlines()[0].split(",")
    assert header[:2] == ["question", "option"]
    assert header[-2:] == ["question_text", "option_label"]
    assert "training,yes,1,0,1,0,2,0,0,Any training held,Yes" in tabulation
    assert "sectors,health," in tabulation
    assert ",Which sectors,Health" in tabulation
    agreement = text_of(client.get(compared["base"] + "/report.csv?table=agreement"))
    assert agreement.splitlines()[0].endswith(",question_text")
    client.get("/lang/zh_Hant?next=/")
    zh = text_of(client.get(compared["base"] + "/report.csv?table=tabulation"))
    assert "是否舉辦過培訓,是" in zh
