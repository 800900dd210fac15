"""`identifying: true` marks free text that may name a person: YAML, validator, hash, XLSForm."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import Questionnaire, QuestionnaireError
from survey.core.xlsform import dump_xlsform, load_xlsform

ROOT = Path(__file__).resolve().parents[2]
BASE = """\
key: q
version: "1"
languages: [en]
title: {en: T}
sections:
  - key: s
    title: {en: S}
    questions:
      - key: who
        type: %s
        text: {en: Who told you}
        identifying: %s
"""


def test_identifying_free_text_is_kept_in_canonical_json_and_hash(identifying_questionnaire):
    marked = load_file(identifying_questionnaire)
    plain = load_file(ROOT / "tests" / "fixtures" / "questionnaires" / "mini.yaml")
    assert marked.question("comment").identifying
    assert '"identifying":true' in marked.canonical_json()
    assert marked.content_hash() != plain.content_hash()  # a different version
    assert '"identifying"' not in plain.canonical_json()  # unmarked files hash as before
    again = Questionnaire.from_dict(marked.to_dict())
    assert again.content_hash() == marked.content_hash()
    dumped = load_yaml(dump_yaml(marked), "dump.yaml")
    assert dumped.content_hash() == marked.content_hash()


def test_identifying_only_on_free_text_types():
    assert load_yaml(BASE % ("text", "true"), "ok.yaml").question("who").identifying
    assert load_yaml(BASE % ("longtext", "true"), "ok.yaml").question("who").identifying
    with pytest.raises(QuestionnaireError) as refused:
        load_yaml(BASE % ("integer", "true"), "bad.yaml")
    assert "cannot be identifying" in str(refused.value)
    assert "only text and longtext" in str(refused.value)
    with pytest.raises(QuestionnaireError) as wrong:
        load_yaml(BASE % ("text", "perhaps"), "bad.yaml")
    assert "bad.yaml:" in str(wrong.value)


def test_identifying_round_trips_through_xlsform(identifying_questionnaire, tmp_path):
    marked = load_file(identifying_questionnaire)
    book = tmp_path / "form.xlsx"
    dump_xlsform(marked, book)
    sheet = openpyxl.load_workbook(book)["survey"]
    headers = [cell.value for cell in sheet[1]]
    assert "identifying" in headers
    back = load_xlsform(book)
    assert back.question("comment").identifying
    assert not back.question("established").identifying
    assert back.content_hash() == marked.content_hash()


def test_xlsform_identifying_cell_must_be_yes_or_no(identifying_questionnaire, tmp_path):
    book = tmp_path / "form.xlsx"
    dump_xlsform(load_file(identifying_questionnaire), book)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["survey"]
    column = [cell.value for cell in sheet[1]].index("identifying") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, column).value == "yes":
            sheet.cell(row, column).value = "maybe"
    workbook.save(book)
    with pytest.raises(QuestionnaireError) as refused:
        load_xlsform(book)
    assert "identifying must be yes or no, not 'maybe'" in str(refused.value)


def test_shipped_sister_city_questionnaire_marks_its_personal_accounts():
    q = load_file(ROOT / "questionnaires" / "sister-cities.yaml")
    marked = {question.key for question in q.questions() if question.identifying}
    assert marked == {"trust_comment", "politics_account", "anything_else"}
    assert all(q.question(key).type == "longtext" for key in marked)
