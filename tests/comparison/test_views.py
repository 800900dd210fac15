"""Comparison pages: dashboard, pair side by side, decisions (with conflicts), report, access."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.comparison import services as comparison
from survey.comparison.models import Discrepancy
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import csrf_token, login, text_of

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "mini.yaml"


@pytest.fixture
def compared(session, make_user, make_study, make_round):
    owner, viewer = make_user(), make_user()
    study = make_study(owner=owner, members={viewer: "viewer"})
    round_ = make_round(study, pairs=2, questionnaire=MINI)
    q = comparison.questionnaire_of(session, round_)
    values = [
        (
            {"established": "1987", "training": "yes", "sectors": ["health"], "sent": "2"},
            {
                "established": "1990",
                "training": "yes",
                "sectors": ["health", "water"],
                "received": "<b>9</b>"[3:4],
            },
        ),
        ({"established": "1987", "training": "no"}, {"established": "1987", "training": "yes"}),
    ]
    by_pair = rounds.by_pair(rounds.invitation_rows(session, round_))
    for (a, b), rows in zip(values, by_pair.values(), strict=True):
        for row, given in zip(sorted(rows, key=lambda r: r.side.position), (a, b), strict=True):
            answers.record_answers(session, row.invitation, q, given)
            answers.submit(session, row.invitation, q)
    base = f"/studies/{study.slug}/rounds/{round_.slug}/comparison"
    return {"owner": owner, "viewer": viewer, "study": study, "round": round_, "base": base}


def test_dashboard_ranks_pairs_and_questions(client, compared):
    login(client, compared["viewer"].email)
    page = text_of(client.get(compared["base"] + "/"))
    assert "Pairs with the most discrepancies" in page
    ranked = page[page.index('id="ranked"') : page.index('id="queue"')]
    assert re.search(
        r'Year established</a> <code class="key">established</code></th>'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">1</td>',
        ranked,
    )
    filtered = text_of(client.get(compared["base"] + "/?question=training"))
    queue = filtered[filtered.index('id="queue-table"') :]
    assert '<code class="key">training</code>' in queue
    assert '<code class="key">established</code>' not in queue


def test_pair_page_shows_both_sides_in_both_languages(client, session, compared):
    login(client, compared["viewer"].email)
    first = rounds.round_pairs(session, compared["round"])[0]
    page = text_of(client.get(f"{compared['base']}/{first.code}"))
    assert "Year established" in page
    assert "建立年份" in page
    assert "Health" in page
    assert "卫生" in page
    assert "Save decision" not in page  # viewers do not decide


def test_decision_then_stale_decision_conflicts(client, session, compared):
    login(client, compared["owner"].email)
    first = rounds.round_pairs(session, compared["round"])[0]
    item = session.scalar(
        select(Discrepancy).where(
            Discrepancy.pair_id == first.id, Discrepancy.question_key == "established"
        )
    )
    version = item.version
    path = f"{compared['base']}/{first.code}"
    token = csrf_token(client, path)
    url = f"{path}/established/decide"
    ok = client.post(
        url,
        data={
            "csrf_token": token,
            "status": "explained",
            "note": "founding vs. agreement year",
            "version": version,
        },
    )
    assert ok.status_code == 302
    stale = client.post(
        url, data={"csrf_token": token, "status": "dismissed", "note": "x", "version": version}
    )
    assert stale.status_code == 409
    session.expire_all()
    assert session.get(Discrepancy, item.id).status == "explained"
    viewer_client = client.application.test_client()
    login(viewer_client, compared["viewer"].email)
    token = csrf_token(viewer_client, path)
    assert (
        viewer_client.post(
            url, data={"csrf_token": token, "status": "confirmed", "version": version + 1}
        ).status_code
        == 403
    )


def test_next_open_walks_through_the_open_items(client, session, compared):
    login(client, compared["owner"].email)
    response = client.get(compared["base"] + "/next")
    assert response.status_code == 302
    assert "#q-" in response.headers["Location"]


def test_report_and_csv(client, compared):
    login(client, compared["viewer"].email)
    page = text_of(client.get(compared["base"] + "/report"))
    assert "Percent agreement per question" in page
    assert "<svg" in page
    csv_text = text_of(client.get(compared["base"] + "/report.csv?table=tabulation"))
    assert csv_text.splitlines()[0].startswith("question,option,both,only_a,only_b,neither")
    assert "training,yes,1,0,1,0" in csv_text


def test_other_study_gets_404(client, make_user, make_study, compared):
    outsider = make_user()
    make_study(owner=outsider)
    login(client, outsider.email)
    for suffix in ("/", "/report", "/next", "/report.csv"):
        assert client.get(compared["base"] + suffix).status_code == 404


def test_agreement_and_tabulate_commands(runner, compared):
    slug = compared["round"].slug
    result = runner.invoke(
        args=["agreement", slug, "--format", "json", "--boot", "200", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["question"]: r for r in json.loads(result.output)}
    assert rows["training"]["pairs_compared"] == 2
    assert rows["training"]["percent_agreement"] == 0.5
    again = json.loads(
        runner.invoke(
            args=["agreement", slug, "--format", "json", "--boot", "200", "--seed", "7"]
        ).output
    )
    assert again == list(rows.values())  # seeded: the same intervals every time
    table = runner.invoke(args=["tabulate", slug, "training", "--format", "json"])
    assert json.loads(table.output) == [
        {
            "question": "training",
            "option": "yes",
            "both": 1,
            "only_a": 0,
            "only_b": 1,
            "neither": 0,
            "usable_pairs": 2,
            "missing": 0,
            "skipped": 0,
        }
    ]
    bad = runner.invoke(args=["tabulate", slug, "sent"])
    assert bad.exit_code == 1
    assert "no options to count" in bad.output
