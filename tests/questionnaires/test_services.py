"""Storing questionnaire versions: immutable, hashed, no-op re-imports, refused conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.audit import AuditEntry
from survey.core.loader import load_file, load_yaml
from survey.core.questionnaire import QuestionnaireError
from survey.errors import ServiceError
from survey.questionnaires import services
from survey.questionnaires.models import QuestionnaireVersion

ROOT = Path(__file__).resolve().parents[2]
SISTER = ROOT / "questionnaires" / "sister-cities.yaml"

SMALL = """
key: small
version: "1"
languages: [en, zh-Hans]
title: {en: Small, zh-Hans: 小}
sections:
  - key: s
    title: {en: Part, zh-Hans: 部分}
    questions:
      - key: colour
        type: single
        text: {en: "Colour?", zh-Hans: 颜色？}
        options:
          - {code: red, label: {en: Red, zh-Hans: 红}}
          - {code: blue, label: {en: Blue, zh-Hans: 蓝}}
"""


def count(session, model=QuestionnaireVersion) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_stores_canonical_content_and_hash(session):
    q = load_file(SISTER)
    result = services.import_questionnaire(session, q, source_name="sister-cities.yaml")
    row = result.version
    assert result.created
    assert result.previous is None
    assert row.content_hash == q.content_hash()
    assert len(row.content_hash) == 64
    assert services.model_of(row) == q
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "questionnaire.import"))
    assert entry.details["hash"] == row.content_hash


def test_identical_reimport_is_a_no_op(session):
    q = load_yaml(SMALL, "small.yaml")
    first = services.import_questionnaire(session, q).version
    again = services.import_questionnaire(session, load_yaml(SMALL, "again.yaml"))
    assert not again.created
    assert again.version.id == first.id
    assert count(session) == 1


def test_changed_content_under_same_version_is_refused(session):
    services.import_questionnaire(session, load_yaml(SMALL, "small.yaml"))
    changed = load_yaml(SMALL.replace('Colour?"', 'Favourite colour?"'), "small.yaml")
    with pytest.raises(ServiceError) as error:
        services.import_questionnaire(session, changed)
    assert error.value.code == "version_conflict"
    assert count(session) == 1


def test_new_version_reports_its_impact(session):
    services.import_questionnaire(session, load_yaml(SMALL, "small.yaml"))
    v2 = (
        SMALL.replace('version: "1"', 'version: "2"')
        .replace("          - {code: blue, label: {en: Blue, zh-Hans: 蓝}}\n", "")
        .replace(
            "          - {code: red, label: {en: Red, zh-Hans: 红}}\n",
            "          - {code: red, label: {en: Red, zh-Hans: 红}}\n"
            "          - {code: green, label: {en: Green, zh-Hans: 绿}}\n",
        )
        .replace('Colour?"', 'Which colour?"')
    )
    result = services.import_questionnaire(session, load_yaml(v2, "small.yaml"))
    assert result.created
    assert result.previous.version == "1"
    lines = "\n".join(result.impact.lines())
    assert "blue" in lines
    assert "green" in lines
    assert result.impact.outdated_translations  # en changed, zh-Hans did not


def test_versions_are_scoped_by_study(session, make_study):
    study = make_study()
    q = load_yaml(SMALL, "small.yaml")
    services.import_questionnaire(session, q)
    in_study = services.import_questionnaire(session, q, study=study)
    assert in_study.created
    assert services.get_version(session, "small@1", study=study).id == in_study.version.id
    assert services.get_version(session, "small").scope == services.LIBRARY
    with pytest.raises(ServiceError):
        services.get_version(session, "small@9")


def test_unsupported_file_type_is_refused(tmp_path):
    path = tmp_path / "form.docx"
    path.write_text("x")
    with pytest.raises(QuestionnaireError) as error:
        services.load_source(path)
    assert "unsupported file type '.docx'" in str(error.value)
