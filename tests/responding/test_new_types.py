"""time, datetime, range, rank and acknowledge end to end: asked on the respondent's page
without JavaScript, refused with a clear message when wrong, compared and exported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.exports import services as exports
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import start, submit_page

NEW_TYPES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "newtypes.yaml"
GOOD = {
    "met_at": "9:05",
    "signed_at": "2009-03-01T14:30",
    "warmth": "6",
    "priorities": ["culture", "trade", "education"],
    "consent": "OK",
}


@pytest.fixture
def new_types(session, make_round):
    round_ = make_round(pairs=1, questionnaire=NEW_TYPES)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, by_side["us"], by_side["cn"], q


def test_the_page_asks_each_new_type_with_a_widget_that_needs_no_script(client, new_types):
    _, us, _, _ = new_types
    page = text_of(client.get(start(client, us)))
    assert 'name="met_at" value="" type="time"' in page
    assert 'name="signed_at" value="" type="datetime-local"' in page
    # range 0..10 step 2: six choices in one row
    values = [f'name="warmth" value="{v}"' for v in ("0", "2", "4", "6", "8", "10")]
    assert all(value in page for value in values)
    assert 'name="warmth" value="1"' not in page
    # rank: one drop-down per place, each offering every option
    assert page.count('<select id="f-priorities-') == 3
    assert '<label for="f-priorities-1">Place 1</label>' in page
    # acknowledge: one box, no don't know / refused
    assert page.count('name="consent"') == 1
    assert 'type="checkbox" name="consent" value="OK"' in page


def test_the_respondent_saves_each_new_type_as_its_stored_value(client, session, new_types):
    _, us, _, _ = new_types
    path = start(client, us)
    response = submit_page(client, path, GOOD, nav="save")
    assert response.status_code == 303
    assert answers.answers_of(session, us) == {
        "met_at": "09:05",
        "signed_at": "2009-03-01T14:30",
        "warmth": 6,
        "priorities": ["culture", "trade", "education"],
        "consent": "OK",
    }
    page = text_of(client.get(path))  # drawn again with the saved answers
    assert 'value="09:05"' in page
    assert 'value="2009-03-01T14:30"' in page
    assert 'name="warmth" value="6" id="f-warmth-4" checked' in page
    assert '<option value="culture" selected>Culture</option>' in page
    assert 'value="OK" id="f-consent" checked' in page


@pytest.mark.parametrize(
    ("key", "given", "message"),
    [
        ("met_at", "25:00", "Enter a time as hours:minutes, for example 14:30."),
        ("signed_at", "2009-02-30T10:00", "Enter a date and a time as year-month-day"),
        ("warmth", "5", "Choose a value from 0 to 10 in steps of 2."),
        ("priorities", ["trade", "trade", ""], "Give every option a place of its own"),
        ("consent", "yes please", "Choose one of the options offered."),
    ],
)
def test_a_wrong_answer_is_refused_with_its_message_and_nothing_is_lost(
    client, session, new_types, key, given, message
):
    _, us, _, _ = new_types
    path = start(client, us)
    submit_page(client, path, {"met_at": "10:00"}, nav="save")
    response = submit_page(client, path, {key: given})
    assert response.status_code == 200
    assert message in text_of(response)
    assert answers.answers_of(session, us)["met_at"] == "10:00"  # what was saved stays


def test_zh_hant_page_shows_the_places_and_the_box_in_the_language(client, session, new_types):
    _, us, _, _ = new_types
    path = start(client, us)
    submit_page(client, path, {}, nav="", _lang="zh_Hant")
    page = text_of(client.get(path))
    assert '<label for="f-priorities-1">第 1 位</label>' in page
    assert 'value="OK" id="f-consent"> 確認</label>' in page


def test_the_new_types_are_compared_by_their_rules_and_exported(session, new_types, tmp_path):
    round_, us, cn, q = new_types
    answers.record_answers(session, us, q, GOOD)
    answers.record_answers(
        session,
        cn,
        q,
        {
            "met_at": "09:50",  # 45 minutes later: more than 30
            "signed_at": "2009-03-01 15:00",  # 30 minutes: within 60
            "warmth": "8",  # 2 apart: within the tolerance
            "priorities": ["trade", "culture", "education"],  # rho 0.5 < 0.8
            "consent": "OK",
        },
    )
    for invitation in (us, cn):
        answers.submit(session, invitation, q)
    comparison.compare_round(session, round_)
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["met_at_us"], row["met_at_cn"], row["met_at_agree"]) == ("09:05", "09:50", "0")
    assert (row["signed_at_us"], row["signed_at_agree"]) == ("2009-03-01T14:30", "1")
    assert (row["warmth_us"], row["warmth_cn"], row["warmth_agree"]) == ("6", "8", "1")
    assert row["priorities_us"] == "culture;trade;education"
    assert row["priorities_agree"] == "0"
    assert (row["consent_us"], row["consent_agree"]) == ("OK", "1")
    long_out = tmp_path / "long.csv"
    exports.write(session, round_, exports.ExportRequest(layout="long"), long_out)
    with long_out.open(encoding="utf-8", newline="") as handle:
        rows = {r["question"]: r for r in csv.DictReader(handle)}
    assert rows["priorities"]["rule"] == "rank_agreement 0.8"
    assert rows["met_at"]["rule"] == "within_minutes 30"
