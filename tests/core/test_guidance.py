"""`guidance` (XLSForm's `guidance_hint`): guidance for interviewers per language, in the
YAML format, the XLSForm reader and writer, and the translation check."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from survey.core.loader import dump_yaml, load_file, load_yaml
from survey.core.questionnaire import QuestionnaireError
from survey.core.xlsform import dump_xlsform, load_xlsform
from tests.core.test_xlsform import write_form

GUIDANCE = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "guidance.yaml"


def test_guidance_per_language_reads_and_dumps_back():
    q = load_file(GUIDANCE)
    assert q.question("home").guidance["zh-Hant"] == "請詢問正式名稱。"
    assert q.question("home").to_dict()["guidance"]["en"] == "Ask for the official name."
    assert "guidance" not in q.question("has_partner").to_dict()  # older hashes stay
    assert load_yaml(dump_yaml(q), "again.yaml").content_hash() == q.content_hash()


def test_guidance_missing_in_a_language_is_reported():
    text = GUIDANCE.read_text(encoding="utf-8").replace("          zh-Hant: 請詢問正式名稱。\n", "")
    with pytest.raises(QuestionnaireError, match="guidance"):
        load_yaml(text, "src.yaml")


def test_guidance_hint_columns_import_and_export(tmp_path):
    survey = [
        ("type", "name", "label::English (en)", "guidance_hint::English (en)",
         "label::Chinese (zh-Hans)", "guidance_hint::Chinese (zh-Hans)"),
        ("text", "home", "Your city", "Ask for the official name.", "您的城市", "请询问正式名称。"),
    ]  # fmt: skip
    q = load_xlsform(write_form(tmp_path / "form.xlsx", survey))
    assert dict(q.question("home").guidance) == {
        "en": "Ask for the official name.",
        "zh-Hans": "请询问正式名称。",
    }
    dump_xlsform(q, tmp_path / "export.xlsx")
    assert load_xlsform(tmp_path / "export.xlsx").content_hash() == q.content_hash()
    xform = convert(tmp_path / "export.xlsx", validate=False, warnings=[]).xform
    assert 'form="guidance"' in xform


def test_a_yaml_questionnaire_with_guidance_round_trips_through_xlsform(tmp_path):
    q = load_file(GUIDANCE)
    dump_xlsform(q, tmp_path / "g.xlsx")
    assert load_xlsform(tmp_path / "g.xlsx").content_hash() == q.content_hash()
