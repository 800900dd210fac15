"""A roster's rows, each on its own: a column's `relevant` evaluated in its row (with the
row's own cells), the red border only on the rows and cells with an error, and the
interviewer's entry page naming each refused cell in its row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.core.loader import load_file
from survey.core.types import check_answer
from survey.core.types.roster import RosterError, relevant_rows, row_problems
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import model_of
from survey.responding import services as answers
from survey.rounds import services as rounds
from tests.fixtures.web import login, text_of
from tests.responding.test_flow import browser_fields, start
from tests.responding.test_rosters import press

ROSTER = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "roster.yaml"
# The purpose is asked of a delegation sent, and then required; a delegation received has
# none to give.
PURPOSE = """          - key: purpose
            type: text
            text: {en: Purpose, zh-Hans: 目的, zh-Hant: 目的}
            compare: none
"""
ASKED_IF_SENT = """          - key: purpose
            type: text
            text: {en: Purpose, zh-Hans: 目的, zh-Hant: 目的}
            compare: none
            required: true
            relevant: "${direction} = 'sent'"
"""


@pytest.fixture
def sent_only(tmp_path) -> Path:
    text = ROSTER.read_text(encoding="utf-8")
    assert PURPOSE in text
    path = tmp_path / "sent-only.yaml"
    path.write_text(
        text.replace(PURPOSE, ASKED_IF_SENT).replace("key: roster\n", "key: roster-sent\n"),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def rostered(session, make_round, sent_only):
    round_ = make_round(pairs=1, questionnaire=sent_only)
    by_side = {r.side.code: r.invitation for r in rounds.invitation_rows(session, round_)}
    q = model_of(session.get(QuestionnaireVersion, round_.questionnaire_version_id))
    return round_, by_side["us"], q


def test_a_column_applies_row_by_row_with_the_rows_own_cells(sent_only):
    roster = load_file(sent_only).question("delegations")
    rows = [
        {"year": 2009, "direction": "sent", "size": 5},  # purpose asked and required: missing
        {"year": 2010, "direction": "received", "size": 3, "purpose": "typed, then not asked"},
    ]
    kept = relevant_rows(roster, rows, {})
    assert kept == [rows[0], {"year": 2010, "direction": "received", "size": 3}]
    assert list(row_problems(roster, kept)) == [(0, "purpose")]
    error = check_answer(roster, kept, {})
    assert isinstance(error, RosterError)
    assert list(error.cells) == [(0, "purpose")]
    assert relevant_rows(roster, "dk", {}) == "dk"  # no rows: as it is
    assert relevant_rows(roster, [{"purpose": "x", "direction": "received"}], {}) == [
        {"direction": "received"}
    ]


def test_a_received_delegation_saves_without_its_purpose_and_the_typed_one_goes(
    client, session, rostered
):
    _, us, _ = rostered
    path = start(client, us)
    page = text_of(press(client, path, text_of(client.get(path)), "_roster=add:delegations"))
    page = text_of(
        press(
            client, path, page, "_roster=add:delegations",
            **{"delegations.0.year": "2010", "delegations.0.direction": "received",
               "delegations.0.size": "3", "delegations.0.purpose": "typed before choosing"},
        )
    )  # fmt: skip
    assert answers.answers_of(session, us)["delegations"] == [
        {"year": 2010, "direction": "received", "size": 3}
    ]
    first = _cell(page, "delegations.0.purpose")
    assert " hidden" in first  # drawn hidden in its row, shown by the script when it applies
    assert "data-relevant=" in first
    assert " hidden" in _cell(page, "delegations.1.purpose")  # a new row: not sent (yet)


def test_only_the_row_and_the_cell_with_an_error_have_the_red_border(client, session, rostered):
    _, us, _ = rostered
    path = start(client, us)
    page = text_of(press(client, path, text_of(client.get(path)), "_roster=add:delegations"))
    page = text_of(press(client, path, page, "_roster=add:delegations"))
    response = press(
        client, path, page, "_nav=next",
        **{"delegations.0.year": "2010", "delegations.0.direction": "received",
           "delegations.0.size": "3",
           "delegations.1.year": "2009", "delegations.1.direction": "sent",
           "delegations.1.size": "4"},
    )  # fmt: skip
    assert response.status_code == 200
    page = text_of(response)
    rows = re.findall(r'<li class="roster-row[^"]*"', page)
    assert rows == ['<li class="roster-row"', '<li class="roster-row roster-row-error"']
    assert 'class="question roster has-error"' not in page  # the roster's cells, not its own
    assert "Some rows have answers to correct; see the rows marked below." in page
    bad = _cell(page, "delegations.1.purpose")
    assert "has-error" in bad
    assert "Please answer this question." in bad
    assert " hidden" not in bad  # a delegation sent: its purpose is asked
    assert "has-error" not in _cell(page, "delegations.1.size")
    assert "has-error" not in _cell(page, "delegations.0.purpose")


def test_too_few_rows_is_the_rosters_own_error_with_its_border(app):
    from survey.roster_widgets import roster_html

    q = load_file(ROSTER).question("delegations")
    with app.test_request_context():
        drawn = str(roster_html(q, "en", [], errors=["Add at least 2 rows."]))
        with_cells = str(
            roster_html(q, "en", [{}], errors=["rows"], cells={(0, "year"): "Enter a year."})
        )
    assert 'class="question roster has-error"' in drawn
    assert 'class="question roster"' in with_cells


def test_interviewer_entry_names_each_refused_cell_in_its_row(
    client, session, make_user, make_study, make_round, sent_only
):
    owner = make_user()
    study = make_study(owner=owner)
    round_ = make_round(study, pairs=1, questionnaire=sent_only)
    row = next(r for r in rounds.invitation_rows(session, round_) if r.side.code == "us")
    pair = rounds.round_pairs(session, round_)[0]
    login(client, owner.email)
    path = f"/studies/{study.slug}/rounds/{round_.slug}/entry/{pair.code}/us"
    fields = browser_fields(text_of(client.get(path)))
    fields["_roster"] = "add:delegations"
    fields = browser_fields(text_of(client.post(path, data=fields)))
    fields["_roster"] = "add:delegations"
    fields = browser_fields(text_of(client.post(path, data=fields)))
    typed = {
        "delegations.0.year": "2009", "delegations.0.direction": "sent",
        "delegations.0.size": "many",
        "delegations.1.year": "2010", "delegations.1.direction": "received",
        "delegations.1.size": "2",
    }  # fmt: skip
    for name, value in typed.items():
        fields.setlist(name, [value])
    response = client.post(path, data=fields)
    assert response.status_code == 422
    page = text_of(response)
    size = _cell(page, "delegations.0.size")
    assert "Enter a whole number" in size
    assert 'value="many"' in size  # what was typed stays
    assert "Please answer this question." in _cell(page, "delegations.0.purpose")
    assert "has-error" not in _cell(page, "delegations.1.size")
    rows = re.findall(r'<li class="roster-row[^"]*"', page)
    assert rows == ['<li class="roster-row roster-row-error"', '<li class="roster-row"']
    assert "delegations" not in answers.answers_of(session, row.invitation)


def _cell(page: str, key: str) -> str:
    """The drawn question of one cell, from its opening tag to the next cell's."""
    start = page.index(f'data-key="{key}"')
    start = page.rindex("<", 0, start)
    following = page.find('data-key="', page.index(">", start) + 1)
    end = page.rindex("<", 0, following) if following != -1 else len(page)
    return page[start:end]


def test_xss04_a_roster_escapes_its_texts_typed_cells_and_errors(app):
    """The roster widget joins its pieces into one Markup: every text from the questionnaire,
    every typed cell, every message and its relevance tree must arrive escaped."""
    import dataclasses

    from survey.roster_widgets import roster_html

    hostile = '"><script>alert(1)</script>'
    q = load_file(ROSTER).question("delegations")
    q = dataclasses.replace(q, text={"en": hostile}, help={"en": hostile})
    with app.test_request_context():
        drawn = str(
            roster_html(
                q, "en", [{"year": hostile, "purpose": hostile}],
                errors=[hostile], cells={(0, "year"): hostile}, tree={"x": hostile},
            )
        )  # fmt: skip
    assert "<script>" not in drawn
    # the legend, the help, the error, both typed cells and the cell's message
    assert drawn.count("&lt;script&gt;") >= 6


def test_xss04_a_calculated_cell_arrives_escaped(app):
    """A roster's calculate column is drawn as a hidden input inside the widget's Markup; a
    value computed from a respondent's text (concat of a typed cell) must arrive escaped."""
    import dataclasses

    from survey.core.questionnaire import Question
    from survey.roster_widgets import roster_html

    hostile = '"><script>alert(1)</script>'
    q = load_file(ROSTER).question("delegations")
    total = Question(key="label", type="calculate", text={}, calculation="concat(${purpose}, '!')")
    q = dataclasses.replace(q, columns=(*q.columns, total))
    with app.test_request_context():
        drawn = str(roster_html(q, "en", [{"year": 2009, "label": hostile}]))
    assert "<script>" not in drawn
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in drawn
