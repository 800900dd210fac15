"""Rosters end to end: the respondent adds and removes rows without JavaScript, each row's
questions checked; interviewer entry; stored as one answer of rows; compared across sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import browser_fields, start

ROSTER = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster.yaml"


@pytest.fixture
def rostered(session, make_round):
    round_ = make_round(pairs=1, questionnaire=ROSTER)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, by_side["us"], by_side["cn"], q


def press(client, path: str, page_html: str, button: str, **typed: str):
    """Post the page as a browser would when `button` (name=value) is pressed."""
    fields = browser_fields(page_html)
    for key, value in typed.items():
        fields.setlist(key, [value])
    name, _, value = button.partition("=")
    fields.setlist(name, [value])
    return client.post(path, data=fields)


def test_the_respondent_adds_two_rows_and_removes_one_without_javascript(client, session, rostered):
    _, us, _, q = rostered
    path = start(client, us)
    page = text_of(client.get(path))
    assert "No rows yet." in page
    assert 'name="delegations.rows" value="0"' in page
    response = press(client, path, page, "_roster=add:delegations", partner="Lyon")
    assert response.status_code == 200
    page = text_of(response)
    assert 'name="delegations.0.year"' in page
    assert "Row 1" in page
    assert answers.answers_of(session, us)["partner"] == "Lyon"  # the press saved the page
    page = text_of(
        press(
            client, path, page, "_roster=add:delegations",
            **{"delegations.0.year": "2009", "delegations.0.direction": "sent",
               "delegations.0.size": "5", "delegations.0.purpose": "Trade fair"},
        )
    )  # fmt: skip
    assert 'name="delegations.1.year"' in page
    page = text_of(
        press(
            client, path, page, "_roster=add:delegations",
            **{"delegations.1.year": "2010", "delegations.1.direction": "received",
               "delegations.1.size": "3"},
        )
    )  # fmt: skip
    rows = answers.answers_of(session, us)["delegations"]
    assert rows == [
        {"year": 2009, "direction": "sent", "size": 5, "purpose": "Trade fair"},
        {"year": 2010, "direction": "received", "size": 3},
    ]
    page = text_of(press(client, path, page, "_roster=remove:delegations:0"))
    assert answers.answers_of(session, us)["delegations"] == [
        {"year": 2010, "direction": "received", "size": 3}
    ]
    assert 'name="delegations.0.year" value="2010"' in page


def test_each_row_is_checked_and_a_bad_cell_is_shown_in_its_row_with_nothing_lost(
    client, session, rostered
):
    _, us, _, q = rostered
    path = start(client, us)
    page = text_of(press(client, path, text_of(client.get(path)), "_roster=add:delegations"))
    response = press(
        client, path, page, "_nav=next",
        **{"delegations.0.year": "1999", "delegations.0.size": "many"},
    )  # fmt: skip
    assert response.status_code == 200
    page = text_of(response)
    assert "Some rows have answers to correct; see the rows marked below." in page
    assert "Enter a year no earlier than 2009." in page
    assert "Enter a whole number using digits only" in page
    assert "Please answer this question." in page  # the direction, required
    assert 'value="many"' in page  # what was typed stays
    assert "delegations" not in answers.answers_of(session, us)


def test_a_roster_keeps_to_its_maximum(client, session, rostered):
    _, us, _, q = rostered
    rows = [{"year": "2009", "direction": "sent"}] * 7
    result = answers.record_answers(session, us, q, {"delegations": rows})
    assert result.errors["delegations"].code == "too_many_rows"
    six = [{"year": "2009", "direction": "sent"}] * 6
    answers.record_answers(session, us, q, {"delegations": six})
    path = start(client, us)
    page = text_of(client.get(path))
    assert "Add a row" not in page  # no seventh row offered
    assert 'name="delegations.5.year"' in page


def test_the_page_in_chinese_names_the_rows_and_buttons(client, session, rostered):
    _, us, _, q = rostered
    answers.record_answers(session, us, q, {"delegations": [{"year": "2009", "direction": "sent"}]})
    path = start(client, us)
    fields = browser_fields(text_of(client.get(path)))
    fields["_lang"] = "zh_Hant"
    page = text_of(client.post(path, data=fields, follow_redirects=True))
    assert "2009年和2010年的訪問團" in page
    assert "新增一列" in page


def test_rosters_are_compared_across_sides_with_the_direction_mirrored(session, rostered):
    from survey.core.compare import compare_pair

    _, us, cn, q = rostered
    _submitted_pair(session, rostered)
    (outcome,) = [
        o
        for o in compare_pair(q, answers.answers_of(session, us), answers.answers_of(session, cn))
        if o.question == "delegations"
    ]
    assert outcome.outcome == "disagree"
    assert outcome.detail == (
        "matched rows: 2; 2009 sent: size difference 4 > tolerance 2; only side B: 2010 received"
    )


def _submitted_pair(session, rostered):
    round_, us, cn, q = rostered
    answers.record_answers(session, us, q, {"partner": "Lyon", "delegations": [
        {"year": "2009", "direction": "sent", "size": "5", "purpose": "Trade, \"fair\""},
        {"year": "2010", "direction": "received", "size": "3"},
    ]})  # fmt: skip
    answers.record_answers(session, cn, q, {"delegations": [
        {"year": "2009", "direction": "received", "size": "9"},
        {"year": "2010", "direction": "sent", "size": "4"},
        {"year": "2010", "direction": "received", "size": "2"},
    ]})  # fmt: skip
    for invitation in (us, cn):
        answers.submit(session, invitation, q)
    comparison.compare_round(session, round_)
    return round_


def test_the_wide_export_holds_the_number_of_rows_read_back_with_pandas(
    session, rostered, tmp_path
):
    import pandas as pd

    from survey.exports import services as exports

    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    frame = pd.read_csv(out)
    assert (frame.loc[0, "delegations_us"], frame.loc[0, "delegations_cn"]) == (2, 3)
    assert frame.loc[0, "delegations_agree"] == 0
    out = tmp_path / "wide.sav"
    exports.write(session, round_, exports.ExportRequest(fmt="sav"), out)
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(out))
    assert (frame.loc[0, "delegations_us"], frame.loc[0, "delegations_cn"]) == (2, 3)


def test_the_long_export_has_one_row_per_roster_row_paired_across_sides(
    session, rostered, tmp_path
):
    import pandas as pd

    from survey.exports import services as exports

    round_ = _submitted_pair(session, rostered)
    out = tmp_path / "long.csv"
    exports.write(session, round_, exports.ExportRequest(layout="long"), out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    rows = frame[frame["question"].str.startswith("delegations")]
    assert list(rows["question"]) == [
        "delegations", "delegations.1", "delegations.2", "delegations.3"
    ]  # fmt: skip
    assert list(rows["value_us"]) == [
        "2",
        'year=2009; direction=sent; size=5; purpose=Trade, "fair"',
        "year=2010; direction=received; size=3",
        "",
    ]
    assert list(rows["value_cn"]) == [
        "3",
        "year=2009; direction=received; size=9",
        "year=2010; direction=sent; size=4",
        "year=2010; direction=received; size=2",
    ]
    assert list(rows["outcome"]) == ["disagree", "disagree", "agree", "disagree"]


def test_the_pair_page_shows_the_two_rosters_side_by_side_matched(
    client, session, make_user, make_study, make_round
):
    from tests.fixtures.web import login

    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=ROSTER)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    _submitted_pair(session, (round_, by_side["us"], by_side["cn"], q))
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/comparison/{pair.code}"))
    table = page[page.index('id="delegations-rows"') :]
    table = table[: table.index("</table>")]
    assert "rows paired by year, direction (received ↔ sent on the other side)" in page
    assert table.count("<tr") == 4  # the header and three pairs of rows
    assert "differs: People in the delegation" in table  # 2009: 5 against 9
    assert table.count("one side only") == 1  # the partner's 2010 received
    assert "No such row" in table
    assert "Trade, &#34;fair&#34;" in table or "Trade, &quot;fair&quot;" in table


def test_interviewer_entry_adds_a_row_and_saves_the_roster(
    client, session, make_user, make_study, make_round
):
    from tests.fixtures.web import login

    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=ROSTER)
    row = next(r for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    page = client.get(path)
    assert page.status_code == 200, path
    fields = browser_fields(text_of(page))
    fields["_roster"] = "add:delegations"
    page = text_of(client.post(path, data=fields))
    assert 'name="delegations.0.year"' in page
    fields = browser_fields(page)
    fields.setlist("delegations.0.year", ["2010"])
    fields.setlist("delegations.0.direction", ["sent"])
    fields.setlist("delegations.0.size", ["12"])
    response = client.post(path, data=fields)
    assert response.status_code == 302  # saved: back to the entry page
    assert answers.answers_of(session, row.invitation)["delegations"] == [
        {"year": 2010, "direction": "sent", "size": 12}
    ]


def test_the_codebook_documents_the_roster(session, rostered, tmp_path):
    from survey.exports import services as exports
    from survey.exports.codebook import codebook

    round_ = _submitted_pair(session, rostered)
    q, dataset, _ = exports.dataset_of(session, round_, exports.ExportRequest())
    rows = {row.variable: row for row in codebook(q, dataset)}
    row = rows["delegations_us"]
    assert row.type == "roster"
    assert row.compare == "roster match=year,direction"
    assert "the number of rows a side gave" in row.coding["en"]
    assert "columns: year, direction, size, purpose" in row.coding["en"]
    assert "各栏：year, direction, size, purpose" in row.coding["zh-Hans"]
    assert rows["delegations_agree"].coding["en"].startswith("1 = agree")


def test_agreement_statistics_leave_a_roster_out_and_keep_the_other_questions(session, rostered):
    """A roster has no level of measurement: the agreement report (page, CLI, API and the
    grouped report) computes its other questions and names no roster, instead of failing."""
    from survey.comparison import agreement_groups, reports

    round_ = _submitted_pair(session, rostered)
    found = reports.agreement(session, round_, n_boot=10)
    keys = [row.question for row in found]
    assert "delegations" not in keys
    compared = [x.key for x in rostered[3].questions() if x.is_compared and x.type != "roster"]
    assert set(keys) <= set(compared)
    grouped = agreement_groups.grouped(session, round_, by="mode", n_boot=10)
    assert grouped  # the overall row at least
    assert all(row.get("question") != "delegations" for row in grouped)
