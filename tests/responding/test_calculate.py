"""calculate end to end: computed on every save, never asked, exported and compared."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from survey.comparison import services as comparison
from survey.exports import services as exports
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.responding.services import Actor
from survey.rounds import services as rounds
from survey.studies import services as studies
from survey.studies.models import Study
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import start, submit_page

CALC = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "calc.yaml"


@pytest.fixture
def calc(session, make_round):
    round_ = make_round(pairs=1, questionnaire=CALC)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, by_side["us"], by_side["cn"], q


def test_a_calculation_is_stored_with_the_answers_and_recomputed_when_they_change(session, calc):
    _, us, _, q = calc
    result = answers.record_answers(session, us, q, {"sent": "3", "received": "4"})
    assert result.saved == {"sent": 3, "received": 4, "total": "7"}
    assert "busy" not in answers.answers_of(session, us)  # not relevant: no value
    answers.record_answers(session, us, q, {"received": "9"})
    stored = answers.answers_of(session, us)
    assert stored["total"] == "12"
    assert stored["busy"] == "busy"
    answers.record_answers(session, us, q, {"sent": ""})  # cleared: recomputed, and not busy
    stored = answers.answers_of(session, us)
    assert stored["total"] == "9"
    assert "busy" not in stored


def test_a_value_given_for_a_calculation_is_never_taken(session, calc):
    _, us, _, q = calc
    for actor in (Actor(), Actor(source="import")):
        answers.record_answers(session, us, q, {"sent": "1", "total": "500"}, actor=actor)
        assert answers.answers_of(session, us)["total"] == "1"


def test_the_respondent_is_never_asked_and_their_save_stores_it(client, session, calc):
    _, us, _, q = calc
    path = start(client, us)
    page = text_of(client.get(path))
    assert 'name="sent"' in page
    assert 'name="total"' not in page
    assert "_v.total" not in page
    submit_page(client, path, {"sent": "2", "received": "5"}, nav="save")
    assert answers.answers_of(session, us)["total"] == "7"


def test_a_calculation_is_compared_and_exported_like_any_question(session, calc, tmp_path):
    round_, us, cn, q = calc
    answers.record_answers(session, us, q, {"sent": "3", "received": "4"})
    answers.record_answers(session, cn, q, {"sent": "4", "received": "8"})
    for invitation in (us, cn):
        answers.submit(session, invitation, q)
    comparison.compare_round(session, round_)
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["total_us"], row["total_cn"]) == ("7", "12")
    assert row["total_agree"] == "0"  # 5 apart, tolerance 2


def test_a_calculation_in_the_long_export_the_codebook_and_the_pair_page(
    client, session, calc, tmp_path, make_user
):
    round_, us, cn, q = calc
    answers.record_answers(session, us, q, {"sent": "3", "received": "4"})
    answers.record_answers(session, cn, q, {"sent": "4", "received": "8"})
    for invitation in (us, cn):
        answers.submit(session, invitation, q)
    comparison.compare_round(session, round_)
    out = tmp_path / "long.csv"
    exports.write(session, round_, exports.ExportRequest(layout="long"), out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["question"] == "total"]
    assert [(r["value_us"], r["value_cn"], r["outcome"]) for r in rows] == [("7", "12", "disagree")]
    book = tmp_path / "codebook.csv"
    exports.write_codebook(session, round_, "csv", book)
    described = book.read_text(encoding="utf-8")
    assert "Calculated: coalesce(${sent}, 0) + coalesce(${received}, 0)" in described
    assert "计算值：coalesce(${sent}, 0)" in described
    assert "計算值：coalesce(${sent}, 0)" in described
    viewer = make_user()
    study = session.get(Study, round_.study_id)
    studies.add_member(session, study, viewer.email, "viewer")
    session.commit()
    login(client, viewer.email)
    pair = rows[0]["pair"]
    page = text_of(client.get(f"/studies/{study.slug}/rounds/{round_.slug}/comparison/{pair}"))
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S) if "total" in r)
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert "7" in cells
    assert "12" in cells


def test_piping_shows_the_current_answers_and_calculations_escaped(client, session, calc):
    _, us, _, q = calc
    path = start(client, us)
    response = submit_page(
        client, path, {"sent": "2", "received": "5", "partner": "<b>Lyon</b> & Co"}
    )
    summary = response.headers["Location"]
    page = text_of(client.get(summary))
    assert "With &lt;b&gt;Lyon&lt;/b&gt; &amp; Co: 7 delegations in total, 2 of them sent." in page
    assert "Anything to add about the 7 delegations?" in page
    assert "For example what &lt;b&gt;Lyon&lt;/b&gt; &amp; Co asked for." in page
    assert "${" not in page
    assert "<b>Lyon" not in page


def test_a_text_answer_that_looks_like_piping_is_shown_as_typed(client, session, calc):
    _, us, _, q = calc
    answers.record_answers(session, us, q, {"sent": "1", "partner": "${sent}"})
    path = start(client, us)
    page = text_of(client.get(path))
    assert 'value="${sent}"' in page  # the answer itself is never piped into


CALC_SECTION = CALC.parent / "calc_section.yaml"


def test_a_section_of_only_calculations_is_no_page_and_still_computed(client, session, make_round):
    round_ = make_round(pairs=1, questionnaire=CALC_SECTION)
    us = next(r.invitation for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    path = start(client, us)
    assert path.endswith("/counts")
    assert "Part 1 of 2" in text_of(client.get(path))
    moved = submit_page(client, path, {"sent": "3"})
    assert moved.headers["Location"].endswith("/closing")  # straight past "derived"
    page = text_of(client.get(moved.headers["Location"]))
    assert "Part 2 of 2" in page
    assert "Anything to add about the 6?" in page
    assert answers.answers_of(session, us)["doubled"] == "6"
