"""Questionnaire pages: list, version page with completeness and impact, preview per language."""

from __future__ import annotations

from pathlib import Path

from survey.core.loader import load_file
from survey.questionnaires import services
from tests.fixtures.web import login, text_of

SISTER = Path(__file__).resolve().parents[2] / "questionnaires" / "sister-cities.yaml"


def test_list_and_version_page(client, session, make_user):
    user = make_user()
    row = services.import_questionnaire(session, load_file(SISTER)).version
    login(client, user.email)
    listing = text_of(client.get("/questionnaires/"))
    assert "sister-cities" in listing
    assert f"/questionnaires/{row.id}/" in listing
    page = text_of(client.get(f"/questionnaires/{row.id}/"))
    assert row.content_hash in page
    assert "Translation completeness" in page
    assert "This is the first version" in page
    assert "delegations_sent" in page


def test_preview_in_each_language_as_a_respondent_sees_it(client, session, make_user):
    user = make_user()
    q = load_file(SISTER)
    row = services.import_questionnaire(session, q).version
    login(client, user.email)
    question = q.question("delegations_sent")
    for language in q.languages:
        page = text_of(client.get(f"/questionnaires/{row.id}/preview?language={language}"))
        assert f'<div lang="{language}">' in page
        assert question.text[language] in page
    zh = text_of(client.get(f"/questionnaires/{row.id}/preview?language=zh-Hans"))
    assert "不知道" in zh
    assert "预览" in zh
    assert 'type="radio"' in zh
    assert "disabled" in zh
    assert "<fieldset" in zh


def test_study_versions_are_hidden_from_non_members(client, session, make_user, make_study):
    outsider = make_user()
    study = make_study()
    row = services.import_questionnaire(session, load_file(SISTER), study=study).version
    login(client, outsider.email)
    assert client.get(f"/questionnaires/{row.id}/").status_code == 404
    assert client.get(f"/questionnaires/{row.id}/preview").status_code == 404
    assert "sister-cities" not in text_of(client.get("/questionnaires/"))


def test_impact_between_versions_is_shown(client, session, make_user, tmp_path):
    user = make_user()
    text = SISTER.read_text(encoding="utf-8")
    services.import_questionnaire(session, load_file(SISTER))
    changed = tmp_path / "sister-cities.yaml"  # never inside the repository
    changed.write_text(text.replace('version: "2009.1"', 'version: "2010.1"', 1), encoding="utf-8")
    second = services.import_questionnaire(session, load_file(changed)).version
    login(client, user.email)
    page = text_of(client.get(f"/questionnaires/{second.id}/"))
    assert "Compared with version 2009.1" in page
    assert "No changes." in page or "Only texts changed." in page


def test_the_version_page_states_rules_in_words_not_json(client, session, make_user):
    user = make_user()
    row = services.import_questionnaire(session, load_file(SISTER)).version
    login(client, user.email)
    page = text_of(client.get(f"/questionnaires/{row.id}/"))
    assert "within ±25 %" in page
    assert "at least 50 % of the choices in common" in page
    assert "tolerance" not in page
    assert "{&#34;" not in page
    assert '{"' not in page
    client.get("/lang/zh_Hant?next=/")
    assert "相差在 ±25% 以內" in text_of(client.get(f"/questionnaires/{row.id}/"))
