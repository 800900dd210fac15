"""The agreement report by group on the web: before/after follow-up, mode pair, language
pair and pair kind, with n, intervals and small cells refused in words; CSV and JSON
downloads whose figures are those of `survey agreement ROUND --by … --format json`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from survey.comparison import agreement_groups, followups
from survey.comparison import services as comparison
from survey.responding import services as answers
from survey.responding.followup_answers import asked_part, one_page
from survey.rounds import services as rounds
from survey.studies import services as studies
from survey.studies.models import Study
from tests.comparison.test_agreement_groups import PAIRS, _reference, make_grouped_round
from tests.fixtures.web import login, text_of
from tests.responding.test_followup_entry import words_of


def _ask_again(session, round_):
    """A follow-up in which every cn side now gives the us side's account."""
    followup, found = followups.create(session, round_, "Again", followups.Selection())
    rounds.set_state(session, followup, "open")
    rounds.ensure_invitations(session, followup)
    q = comparison.questionnaire_of(session, round_)
    said = {
        r.pair.id: answers.answers_of(session, r.invitation)
        for r in rounds.invitation_rows(session, round_)
        if r.side.code == "us"
    }
    for row in rounds.invitation_rows(session, followup):
        if row.side.code == "cn":
            keys = found.asked[row.pair.code]
            values = {k: said[row.pair.id][k] for k in keys}
            answers.record_answers(session, row.invitation, q, values)
            answers.submit(session, row.invitation, one_page(q, asked_part(q, keys)))


@pytest.fixture
def grouped_round(session, make_round):
    return make_grouped_round(session, make_round)


@pytest.fixture
def viewer_on(session, make_user, client, grouped_round):
    study = session.get(Study, grouped_round.study_id)
    viewer = make_user()
    studies.add_member(session, study, viewer.email, "viewer")
    login(client, viewer.email)
    return f"/studies/{study.slug}/rounds/{grouped_round.slug}/comparison/report/groups"


def test_the_page_shows_n_intervals_and_refuses_small_cells(client, session, viewer_on):
    report = words_of(client.get(viewer_on.rsplit("/", 1)[0]))
    assert "Agreement by group: before and after follow-up" in report
    page = client.get(viewer_on + "?by=kind")
    assert page.status_code == 200
    shown = words_of(page)
    assert "Fewer than 5 pairs compared: no statistic shown." in shown  # state: 4 pairs
    percent, _kappa = _reference(range(4, PAIRS))
    assert f"{percent:.2f}" in shown  # city, 8 pairs
    by_mode = words_of(client.get(viewer_on + "?by=mode"))
    assert "Telephone–Online" in by_mode
    assert "Online–Online" in by_mode
    by_language = words_of(client.get(viewer_on + "?by=language"))
    assert "English–简体中文" in by_language
    chinese = words_of(client.get(viewer_on + "?by=kind", headers={"Accept-Language": "zh-CN"}))
    assert "少于 5" in chinese or "不足5" in chinese or "不足 5" in chinese
    assert client.get(viewer_on + "?by=height").status_code == 400
    assert client.get(viewer_on + "?by=kind&values=newest").status_code == 400
    assert client.get(viewer_on + ".xml?by=kind").status_code == 404
    assert client.get(viewer_on + ".json?by=height").status_code == 400


@pytest.mark.parametrize(
    ("by", "values"),
    [("followup", None), ("mode", "final"), ("kind", "original"), ("language", None)],
)
def test_downloads_equal_the_command_line(  # noqa: PLR0913
    client,
    runner,
    session,
    grouped_round,
    viewer_on,
    by,
    values,
):
    _ask_again(session, grouped_round)
    slug = grouped_round.slug
    query = f"?by={by}" + (f"&values={values}" if values else "")
    page = client.get(viewer_on + query)
    assert page.status_code == 200
    got = client.get(viewer_on + ".json" + query)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment")
    web = json.loads(got.get_data(as_text=True))
    table = client.get(viewer_on + ".csv" + query)
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    args = ["agreement", slug, "--by", by, "--format", "json"]
    if values:
        args += ["--values", values]
    shown = runner.invoke(args=args)
    assert shown.exit_code == 0, shown.output
    assert web == json.loads(shown.output)
    assert len(rows) == len(web)
    for row, figures in zip(rows, web, strict=True):
        assert row["group"] == figures["group"]
        assert int(row["pairs_compared"]) == figures["pairs_compared"]
        for key in ("percent_agreement", "percent_agreement_low", "cohen_kappa_high"):
            if figures[key] is None:
                assert row[key] == ""
            else:
                assert float(row[key]) == pytest.approx(figures[key])
        assert bool(row["note_text"]) == (not figures["shown"])
    if by == "followup":
        final = next(r for r in web if r["group"] == "final" and r["question"] == "training")
        assert final["percent_agreement"] == pytest.approx(1.0)
        original = next(r for r in web if r["group"] == "original" and r["question"] == "training")
        assert original["percent_agreement"] == pytest.approx(_reference(range(PAIRS))[0])
        shown_page = words_of(page)
        assert "Before follow-up (original values)" in shown_page
        assert "After follow-up (final values)" in shown_page
    assert agreement_groups.MIN_PAIRS == 5
    assert text_of(page)  # drawn
