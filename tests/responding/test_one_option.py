"""A select with one option (an XLSForm consent's "I agree"): the respondent's page offers
it and stores it, and comparison, agreement statistics, tabulation and the export cope."""

from __future__ import annotations

import csv
import re

import pytest

from survey.comparison import reports
from survey.comparison import services as comparison
from survey.exports import services as exports
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import text_of
from tests.responding.test_flow import start, stored, submit_page

CONSENT = """
key: consent
version: "1"
languages: [en]
title: Consent
sections:
  - key: main
    title: Main
    questions:
      - key: agree
        type: single
        text: I have read the privacy policy
        required: true
        options: [{code: agreed, label: I agree}]
      - key: topics
        type: multi
        text: Topics you agree to be asked about
        options: [{code: health, label: Health}]
      - key: note
        type: text
        text: Anything else?
"""


@pytest.fixture
def consent_round(session, make_round, tmp_path):
    path = tmp_path / "consent.yaml"
    path.write_text(CONSENT, encoding="utf-8")
    round_ = make_round(pairs=2, questionnaire=path)
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    assert len(q.question("agree").options) == 1
    return round_, q


def test_the_respondent_page_offers_the_one_option_and_stores_it(client, session, consent_round):
    round_, _ = consent_round
    us = next(r.invitation for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    path = start(client, us)
    html = text_of(client.get(path))
    assert re.search(r'<input type="radio" name="agree" value="agreed"', html)
    assert re.search(r'<input type="checkbox" name="topics" value="health"', html)
    assert "I agree" in html
    response = submit_page(client, path, {"agree": "agreed", "topics": ["health"]})
    assert response.status_code == 303
    assert stored(session, us) == {"agree": "agreed", "topics": ["health"]}


def test_comparison_statistics_and_the_export_cope_with_one_option(
    session, consent_round, tmp_path
):
    round_, q = consent_round
    pairs = list(rounds.by_pair(rounds.invitation_rows(session, round_)).values())
    both = {"agree": "agreed", "topics": ["health"]}
    given = [(both, both), (both, {"agree": "agreed", "topics": []})]
    for rows, values in zip(pairs, given, strict=True):
        for row, value in zip(sorted(rows, key=lambda r: r.side.position), values, strict=True):
            answers.record_answers(session, row.invitation, q, value)
            answers.submit(session, row.invitation, q)
    report = comparison.compare_round(session, round_)
    assert report.pairs == 2
    statistics = {a.question: a for a in reports.agreement(session, round_, n_boot=0)}
    assert (statistics["agree"].pairs_compared, statistics["agree"].percent_agreement) == (2, 1)
    # an empty multi answer is no answer: one pair compared
    assert (statistics["topics"].pairs_compared, statistics["topics"].percent_agreement) == (1, 1)
    tables = {t.question: t for t in reports.tabulate(session, round_, ["agree", "topics"])}
    assert set(tables) == {"agree", "topics"}
    out = tmp_path / "wide.csv"
    exports.write(session, round_, exports.ExportRequest(), out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["agree_us"], r["agree_cn"], r["topics_us"], r["topics_cn"]) for r in rows) == [
        ("agreed", "agreed", "health", ""),
        ("agreed", "agreed", "health", "health"),
    ]
