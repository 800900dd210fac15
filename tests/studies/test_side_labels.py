"""A side's label per pair kind: a cross-strait pair's second side is Taiwan / 台湾 / 臺灣 on
every page, in every message and export that names it for that pair, and never China; the
other pairs keep the side's own label; bad input is refused with a clear message."""

from __future__ import annotations

import json

import pyreadstat
import pytest
from openpyxl import load_workbook

from survey.errors import ServiceError
from survey.studies import side_labels
from tests.comparison.test_services import MINI
from tests.fixtures.web import csrf_token, login, text_of

TAIWAN = {"en": "Taiwan", "zh-Hans": "台湾", "zh-Hant": "臺灣"}
CHINA = {"en": "China", "zh-Hans": "中方", "zh-Hant": "中方"}
LOCALES = {"en": "en", "zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}


@pytest.fixture
def strait(session, make_study, make_round, make_pair, make_user):
    """A study whose `cn` side is China, with one cross-strait pair (Taiwan) and one city pair,
    and an open round over both; the owner gave the Taiwan side its label."""
    owner = make_user()
    study = make_study(owner=owner)
    study.sides[1].label = dict(CHINA)
    pairs = {kind: make_pair(study, f"{kind}-pair", kind=kind) for kind in ("cross-strait", "city")}
    round_ = make_round(study, pairs=0, questionnaire=MINI)
    side_labels.set_kind_label(session, study, "cn", "cross-strait", TAIWAN, user=owner)
    session.flush()
    return study, round_, pairs, owner


# ---------------------------------------------------------------- the service and bad input


def test_the_kind_label_names_the_side_for_that_kind_only(strait):
    study, _, pairs, _ = strait
    cn = study.sides[1]
    assert cn.label_for("cross-strait") == TAIWAN
    assert cn.label_for("city") == CHINA
    assert study.sides[0].label_for("cross-strait") == study.sides[0].label


def test_unknown_kind_empty_label_and_unknown_side_are_refused_clearly(session, strait):
    study = strait[0]
    cases = [
        (("cn", "cross-straits", {"en": "Taiwan"}), "kind", "cross-straits"),
        (("cn", "cross-strait", {"en": "  "}), "label", "en"),
        (("cn", "cross-strait", {"en": "Taiwan", "zh-Hans": ""}), "label", "zh-Hans"),
        (("cn", "cross-strait", {"zh-Hans": "台湾"}), "label", "en"),
        (("tw", "cross-strait", {"en": "Taiwan"}), "side", "tw"),
    ]
    for args, field, named in cases:
        with pytest.raises(ServiceError) as refused:
            side_labels.set_kind_label(session, study, *args)
        assert refused.value.field == field
        assert named in refused.value.message
    with pytest.raises(ServiceError) as refused:
        side_labels.set_kind_label(session, study, "cn", "nope", {"en": "x"})
    assert refused.value.message == (
        "No pair of this study is of kind nope; its kinds are city, cross-strait."
    )
    assert study.sides[1].label_for("cross-strait") == TAIWAN  # nothing changed


def test_cli_sets_removes_and_refuses(runner, session, strait):
    study = strait[0]
    slug = study.slug
    ok = runner.invoke(
        args=[
            "study",
            "side-label",
            slug,
            "us",
            "city",
            "--label",
            "en=America",
            "--label",
            "zh-Hans=美国",
            "--label",
            "zh-Hant=美國",
        ]  # fmt: skip
    )
    assert ok.exit_code == 0, ok.output
    assert "en: America, zh-Hans: 美国, zh-Hant: 美國" in ok.output
    listed = json.loads(runner.invoke(args=["study", "list", "--format", "json"]).output)
    sides = next(s for s in listed if s["slug"] == slug)["sides"]
    assert sides[1]["kind_labels"] == {"cross-strait": TAIWAN}
    assert sides[0]["kind_labels"]["city"]["en"] == "America"
    bad = runner.invoke(args=["study", "side-label", slug, "cn", "strait", "--label", "en=T"])
    assert bad.exit_code == 1
    assert bad.output == (
        "Error: No pair of this study is of kind strait; its kinds are city, cross-strait.\n"
    )
    empty = runner.invoke(args=["study", "side-label", slug, "cn", "city", "--label", "en="])
    assert empty.exit_code == 1
    assert empty.output == "Error: Write the label in en; it may not be empty.\n"
    removed = runner.invoke(args=["study", "side-label", slug, "us", "city", "--remove"])
    assert removed.exit_code == 0, removed.output
    assert "own label again" in removed.output
    again = runner.invoke(args=["study", "side-label", slug, "us", "city", "--remove"])
    assert again.exit_code == 1
    assert "has no label of its own for pairs of kind city" in again.output


# ---------------------------------------------------------------- the sides page


def test_the_sides_page_sets_a_label_with_csrf_and_only_for_researchers(
    client, session, strait, make_user
):
    from survey.studies import services

    study, _, _, owner = strait
    us = study.sides[0].id
    viewer = make_user()
    services.add_member(session, study, viewer.email, "viewer")
    page = f"/studies/{study.slug}/sides/"
    login(client, viewer.email)
    shown = text_of(client.get(page))
    assert "Taiwan" in shown
    assert "臺灣" in shown
    assert "Save the label" not in shown
    refused = client.post(
        f"{page}labels",
        data={
            "csrf_token": csrf_token(client, page),
            "side": "us",
            "kind": "city",
            "label_en": "America",
        },  # fmt: skip
    )
    assert refused.status_code in (403, 404)
    client.get("/logout")
    login(client, owner.email)
    no_token = client.post(f"{page}labels", data={"side": "us", "kind": "city", "label_en": "A"})
    assert no_token.status_code == 400
    empty = client.post(
        f"{page}labels",
        data={
            "csrf_token": csrf_token(client, page),
            "side": "cn",
            "kind": "city",
            "label_en": " ",
        },  # fmt: skip
    )
    assert empty.status_code == 400
    assert "Write the label in en; it may not be empty." in text_of(empty)
    saved = client.post(
        f"{page}labels",
        data={
            "csrf_token": csrf_token(client, page),
            "side": "us",
            "kind": "city",
            "label_en": "America",
            "label_zh_hans": "美国",
        },  # fmt: skip
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "The label for city pairs is saved." in text_of(saved)
    assert us_side(session, us).label_for("city") == {"en": "America", "zh-Hans": "美国"}
    gone = client.post(
        f"{page}labels/remove",
        data={"csrf_token": csrf_token(client, page), "side": "us", "kind": "city"},
        follow_redirects=True,
    )
    assert "The label for city pairs is removed." in text_of(gone)
    assert us_side(session, us).label_for("city") == us_side(session, us).label


def us_side(session, side_id):  # noqa: ANN001, ANN201
    """The side as stored now (the request's session ended; the test's objects are detached)."""
    from survey.studies.models import StudySide

    return session.get(StudySide, side_id)


def test_a_non_member_gets_404(client, strait, make_user):
    login(client, make_user().email)
    assert client.get(f"/studies/{strait[0].slug}/sides/").status_code == 404


# ---------------------------------------------------------------- pages, mail and exports


@pytest.mark.parametrize("locale", list(LOCALES))
def test_researcher_pages_name_the_taiwan_side_taiwan(client, strait, locale):
    study, _, pairs, owner = strait
    login(client, owner.email)
    language = LOCALES[locale]
    taiwan = text_of(client.get(f"/studies/{study.slug}/pairs/cross-strait-pair/?lang={locale}"))
    assert TAIWAN[language] in taiwan
    assert CHINA[language] not in taiwan
    assert "China" not in taiwan
    city = text_of(client.get(f"/studies/{study.slug}/pairs/city-pair/?lang={locale}"))
    assert CHINA[language] in city
    assert TAIWAN[language] not in city


def test_respondent_welcome_names_their_side_in_their_language(client, session, strait):
    from survey.rounds import services as rounds
    from survey.studies.models import Respondent
    from tests.responding.test_flow import link_path

    _, round_, _, _ = strait
    rows = {(r.pair.kind, r.side.code): r for r in rounds.invitation_rows(session, round_)}
    taiwan, city = rows["cross-strait", "cn"], rows["city", "cn"]
    links = {kind: link_path(row.invitation) for kind, row in (("strait", taiwan), ("city", city))}
    respondent = taiwan.respondent.id
    for language in TAIWAN:
        session.get(Respondent, respondent).language = language
        session.commit()
        client.get(links["strait"])
        page = text_of(client.get("/respond/welcome"))
        assert f'<html lang="{language}">' in page
        assert TAIWAN[language] in page
        assert "中方" not in page
        assert "China" not in page
    client.get(links["city"])
    assert "中方" in text_of(client.get("/respond/welcome"))


def test_invitations_and_reminders_name_the_side_in_the_respondents_language(session, strait):
    from survey.rounds import invite
    from survey.rounds import services as rounds

    _, round_, _, _ = strait
    rows = {(r.pair.kind, r.side.code): r for r in rounds.invitation_rows(session, round_)}
    for language in ("en", "zh-Hans", "zh-Hant"):
        for kind in ("invitation", "reminder"):
            _, body = invite.render(session, round_, rows["cross-strait", "cn"], kind, language)
            assert TAIWAN[language] in body, (language, kind)
            assert "China" not in body
            assert "中方" not in body
            _, city = invite.render(session, round_, rows["city", "cn"], kind, language)
            assert CHINA[language] in city


def _export(runner, round_, tmp_path, *args):  # noqa: ANN001, ANN202
    out = tmp_path / "data.sav"
    result = runner.invoke(args=["export", round_.slug, "--format", "sav", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("language", ["en", "zh-Hans", "zh-Hant"])
def test_spss_labels_and_codebooks_of_the_taiwan_pairs_say_taiwan(
    runner, strait, tmp_path, language
):
    round_ = strait[1]
    sav = _export(runner, round_, tmp_path, "--kind", "cross-strait", "--layout", "respondent",
                  "--lang", language, "--codebook", "html")  # fmt: skip
    _, meta = pyreadstat.read_sav(str(sav))
    assert meta.variable_value_labels["side"][2] == TAIWAN[language]
    labels = json.dumps([meta.column_labels, meta.variable_value_labels], ensure_ascii=False)
    assert "China" not in labels
    assert "中方" not in labels
    wide = _export(runner, round_, tmp_path, "--kind", "cross-strait", "--lang", language,
                   "--codebook", "none")  # fmt: skip
    _, meta = pyreadstat.read_sav(str(wide))
    named = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert TAIWAN[language] in named["established_cn"]
    assert "China" not in json.dumps(meta.column_labels)
    book = (tmp_path / "data.codebook.html").read_text(encoding="utf-8")
    assert all(name in book for name in TAIWAN.values())
    assert "China" not in _rows(book)
    assert "中方" not in _rows(book)


def _rows(book: str) -> str:
    """The codebook's table, without the note that lists every kind's labels."""
    return book[book.index("<table") :]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_the_codebook_of_one_kind_names_the_side_by_that_kind(runner, strait, tmp_path, fmt):
    slug = strait[1].slug
    out = tmp_path / f"book.{fmt}"
    for kind, present, absent in (("cross-strait", TAIWAN, CHINA), ("city", CHINA, TAIWAN)):
        result = runner.invoke(
            args=["codebook", slug, "--format", fmt, "--kind", kind, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        text = _text(out, fmt)
        assert all(name in text for name in present.values()), kind
        assert absent["en"] not in text, kind


def _text(path, fmt):  # noqa: ANN001, ANN202
    if fmt == "xlsx":
        book = load_workbook(path, read_only=True)
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    text = path.read_text(encoding="utf-8-sig")
    return _rows(text) if fmt == "html" else text


def test_an_export_over_both_kinds_names_both_and_documents_which(runner, strait, tmp_path):
    round_ = strait[1]
    sav = _export(runner, round_, tmp_path, "--layout", "respondent", "--codebook", "html")
    _, meta = pyreadstat.read_sav(str(sav))
    assert meta.variable_value_labels["side"][2] == "China / Taiwan"
    book = (tmp_path / "data.codebook.html").read_text(encoding="utf-8")
    assert "cn, cross-strait: Taiwan / 台湾 / 臺灣" in book
