"""A roster's calculate columns end to end: computed in each row when the respondent's page
is saved (never drawn, a posted value never taken), recomputed when a question outside the
roster changes, compared across sides, shown on the pair page and exported in the roster
file and the codebook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.core.compare import compare_pair
from survey.exports import services as exports
from survey.exports.codebook import codebook
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.responding.services import Actor
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import start
from tests.responding.test_rosters import press

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster_calc.yaml"


@pytest.fixture
def calc_rows(session, make_round):
    round_ = make_round(pairs=1, questionnaire=FIXTURE)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, by_side["us"], by_side["cn"], q


def test_the_respondent_page_computes_each_row_and_never_asks_or_takes_it(
    client, session, calc_rows
):
    _, us, _, q = calc_rows
    path = start(client, us)
    page = text_of(press(client, path, text_of(client.get(path)), "_roster=add:delegations",
                         nights="3"))  # fmt: skip
    assert 'name="delegations.0.size"' in page
    # no field to type in and no label: only the value as saved (none yet), hidden
    assert 'for="f-delegations.0.person_nights"' not in page
    assert '<input type="hidden" name="delegations.0.person_nights" value="">' in page
    page = text_of(
        press(
            client, path, page, "_roster=add:delegations",
            **{"delegations.0.year": "2009", "delegations.0.direction": "sent",
               "delegations.0.size": "5", "delegations.0.person_nights": "1000"},
        )
    )  # fmt: skip
    press(
        client, path, page, "_nav=save",
        **{"delegations.1.year": "2010", "delegations.1.direction": "received"},
    )  # fmt: skip
    page = text_of(client.get(path))
    assert answers.answers_of(session, us)["delegations"] == [
        {"year": 2009, "direction": "sent", "size": 5, "person_nights": "15", "tag": "2009-sent"},
        {"year": 2010, "direction": "received", "tag": "2010-received"},  # no size: no value
    ]
    # the page shows the saved values to its script, and asks who hosted only where the
    # row's person-nights (15) reach 10
    assert '<input type="hidden" name="delegations.0.person_nights" value="15">' in page
    assert '<input type="hidden" name="delegations.1.person_nights" value="">' in page
    hosts = [
        re.search(rf'<div class="question"[^>]*id="q-delegations\.{i}\.hosts"[^>]*>', page)[0]
        for i in (0, 1)
    ]
    assert [tag.endswith(" hidden>") for tag in hosts] == [False, True]


def test_a_changed_question_outside_the_roster_recomputes_its_rows(session, calc_rows):
    _, us, _, q = calc_rows
    rows = [{"year": "2009", "direction": "sent", "size": "5"}]
    answers.record_answers(session, us, q, {"nights": "2", "delegations": rows})
    assert answers.answers_of(session, us)["delegations"][0]["person_nights"] == "10"
    version = answers.answer_rows(session, us)["delegations"].version
    result = answers.record_answers(session, us, q, {"nights": "4"})
    assert result.saved["delegations"][0]["person_nights"] == "20"
    assert answers.answer_rows(session, us)["delegations"].version == version + 1
    result = answers.record_answers(session, us, q, {"nights": "4"})
    assert result.saved == {}  # nothing changed: the rows are not written again
    answers.record_answers(session, us, q, {"nights": ""})  # cleared: no person-nights
    assert "person_nights" not in answers.answers_of(session, us)["delegations"][0]


def test_a_refused_input_beside_the_roster_leaves_one_write_of_the_rows(session, calc_rows):
    _, us, _, q = calc_rows
    rows = [{"year": "2009", "direction": "sent", "size": "5"}]
    result = answers.record_answers(session, us, q, {"nights": "0", "delegations": rows})
    assert result.errors["nights"].code == "below_min"
    # the refused nights are not stored, so the row has no person-nights, written once
    assert result.saved["delegations"] == [
        {"year": 2009, "direction": "sent", "size": 5, "tag": "2009-sent"}
    ]
    stored = answers.answer_rows(session, us)["delegations"]
    assert (stored.value, stored.version) == (result.saved["delegations"], 1)


def test_an_imported_value_for_a_calculate_column_is_never_taken(session, calc_rows):
    _, us, _, q = calc_rows
    rows = '[{"year": 2010, "direction": "sent", "size": 2, "person_nights": "77"}]'
    answers.record_answers(session, us, q, {"nights": "3", "delegations": rows},
                           actor=Actor(source="import"))  # fmt: skip
    assert answers.answers_of(session, us)["delegations"][0]["person_nights"] == "6"


def test_a_column_whose_relevant_reads_a_calculated_cell_keeps_its_cell_only_there(
    session, calc_rows
):
    _, us, _, q = calc_rows
    rows = [
        {"year": "2009", "direction": "sent", "size": "5", "hosts": "City hall"},  # 15
        {"year": "2010", "direction": "sent", "size": "1", "hosts": "Nobody"},  # 3
    ]
    answers.record_answers(session, us, q, {"nights": "3", "delegations": rows})
    stored = answers.answers_of(session, us)["delegations"]
    assert [row.get("hosts") for row in stored] == ["City hall", None]
    assert [row["person_nights"] for row in stored] == ["15", "3"]


def _submitted(session, calc_rows):
    round_, us, cn, q = calc_rows
    answers.record_answers(session, us, q, {"nights": "2", "delegations": [
        {"year": "2009", "direction": "sent", "size": "5"},   # 10 person-nights
        {"year": "2010", "direction": "received", "size": "3"},  # 6
    ]})  # fmt: skip
    answers.record_answers(session, cn, q, {"nights": "3", "delegations": [
        {"year": "2009", "direction": "received", "size": "4"},  # 12: 2 apart
        {"year": "2010", "direction": "sent", "size": "2"},  # 6: the same
    ]})  # fmt: skip
    for invitation in (us, cn):
        answers.submit(session, invitation, q)
    comparison.compare_round(session, round_)
    return round_


def test_the_two_sides_calculated_columns_are_compared(session, calc_rows):
    _, us, cn, q = calc_rows
    _submitted(session, calc_rows)
    (outcome,) = [
        o
        for o in compare_pair(q, answers.answers_of(session, us), answers.answers_of(session, cn))
        if o.question == "delegations"
    ]
    assert (outcome.outcome, outcome.detail) == (
        "disagree",
        "matched rows: 2; 2009 sent: person_nights difference 2 > tolerance 1",
    )


def test_the_pair_page_shows_the_calculated_column_and_marks_it_differing(
    client, session, make_user, make_study, make_round
):
    from tests.fixtures.web import login

    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=FIXTURE)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    _submitted(session, (round_, by_side["us"], by_side["cn"], q))
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/comparison/{pair.code}"))
    table = page[page.index('id="delegations-rows"') :]
    table = table[: table.index("</table>")]
    assert ": person_nights</th>" in table  # a calculation has no text: its key heads it
    assert "differs: person_nights" in table
    assert '<td class="govuk-table__cell differs">10</td>' in table


def test_the_roster_file_the_long_export_and_the_codebook_hold_the_calculated_column(
    session, calc_rows, tmp_path
):
    import pandas as pd

    round_ = _submitted(session, calc_rows)
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    rows = pd.read_csv(tmp_path / "wide_delegations.csv")
    assert list(rows.columns)[-6:] == [
        "year", "direction", "size", "person_nights", "tag", "hosts"
    ]  # fmt: skip
    assert list(rows["side"]) == ["us", "us", "cn", "cn"]
    assert list(rows["person_nights"]) == [10, 6, 12, 6]
    assert list(rows["tag"]) == ["2009-sent", "2010-received", "2009-received", "2010-sent"]
    assert list(rows["row_agree"]) == [0, 1, 0, 1]
    out = tmp_path / "long.csv"
    exports.write(session, round_, exports.ExportRequest(layout="long"), out)
    long = pd.read_csv(out, dtype=str, keep_default_na=False)
    lines = long[long["question"] == "delegations.1"]
    assert list(lines["value_us"]) == [
        "year=2009; direction=sent; size=5; person_nights=10; tag=2009-sent"
    ]
    q, dataset, _ = exports.dataset_of(session, round_, exports.ExportRequest())
    by_name = {row.variable: row for row in codebook(q, dataset)}
    described = by_name["person_nights"]
    assert described.question == "delegations.person_nights"
    assert described.type == "calculate"
    assert described.text["en"] == "Calculated: ${size} * ${nights}"
    assert described.compare == "tolerance abs=1"


def test_interviewer_entry_draws_no_field_for_it_and_its_save_computes_it(
    client, session, make_user, make_study, make_round
):
    from tests.fixtures.web import login
    from tests.responding.test_flow import browser_fields

    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=FIXTURE)
    row = next(r for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    fields = browser_fields(text_of(client.get(path)))
    fields["_roster"] = "add:delegations"
    page = text_of(client.post(path, data=fields))
    assert 'name="delegations.0.size"' in page
    assert 'for="f-delegations.0.person_nights"' not in page
    fields = browser_fields(page)
    for name, value in (("nights", "2"), ("delegations.0.year", "2010"),
                        ("delegations.0.direction", "sent"), ("delegations.0.size", "12"),
                        ("delegations.0.person_nights", "5")):  # fmt: skip
        fields.setlist(name, [value])
    assert client.post(path, data=fields).status_code == 302  # saved
    assert answers.answers_of(session, row.invitation)["delegations"] == [
        {"year": 2010, "direction": "sent", "size": 12, "person_nights": "24",
         "tag": "2010-sent"},
    ]  # fmt: skip
