"""The review workflow: a decision keeps its note, shows who and when, its history, and moves on."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from survey.comparison import decisions
from survey.comparison.models import Discrepancy
from survey.rounds import services as rounds
from tests.comparison.test_views import compared  # noqa: F401  (the fixture)
from tests.fixtures.web import login, text_of


def _first_pair(session, compared):  # noqa: ANN001, ANN202, F811
    return rounds.round_pairs(session, compared["round"])[0]


def _discrepancy(session, pair, key):  # noqa: ANN001, ANN202
    return session.scalar(
        select(Discrepancy).where(Discrepancy.pair_id == pair.id, Discrepancy.question_key == key)
    )


def _form_of(page: str, key: str) -> dict[str, str]:
    """What a browser would send from the decision form of question `key`, untouched."""
    form = re.search(rf'<form[^>]*action="[^"]*/{key}/decide".*?</form>', page, re.S)
    assert form, f"no decision form for {key}"
    body = form.group(0)
    checked = re.search(r'<input type="radio"[^>]*name="status" value="(\w+)" checked', body)
    note = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', body, re.S)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', body).group(1),
        "version": re.search(r'name="version" value="(\d+)"', body).group(1),
        "status": checked.group(1) if checked else "",
        "note": html.unescape(note.group(1)),
    }


def _decide(client, path, key, **changes):  # noqa: ANN001, ANN003, ANN202
    data = {**_form_of(text_of(client.get(path)), key), **changes}
    return client.post(f"{path}/{key}/decide", data=data)


def test_changing_the_state_keeps_the_note_unless_it_is_edited(client, session, compared):  # noqa: F811
    login(client, compared["owner"].email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    note = "One side counts from the first exchange, the other from the signing."
    assert _decide(client, path, "established", status="explained", note=note).status_code == 302
    page = text_of(client.get(path))
    assert _form_of(page, "established")["note"] == note  # the form starts from the saved note
    assert _form_of(page, "established")["status"] == "explained"
    # only the state changes, as a researcher who picks another state and saves
    assert _decide(client, path, "established", status="confirmed").status_code == 302
    session.expire_all()
    item = _discrepancy(session, pair, "established")
    assert (item.status, item.note) == ("confirmed", note)
    # an edited note replaces it
    assert _decide(client, path, "established", note="Kept as data.").status_code == 302
    session.expire_all()
    assert _discrepancy(session, pair, "established").note == "Kept as data."


def test_a_state_that_needs_a_note_refuses_an_empty_one_beside_the_field(
    client,
    session,
    compared,  # noqa: F811
):
    login(client, compared["owner"].email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    client.get("/lang/zh_Hans?next=/")
    response = _decide(client, path, "established", status="dismissed", note="   ")
    assert response.status_code == 400
    page = text_of(response)
    field = re.search(r'<textarea[^>]*id="d-established-note"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert "d-established-note-error" in field
    error = re.search(r'class="govuk-error-message" id="d-established-note-error">(.*?)</p>', page)
    assert "请填写说明此处理结论的备注。" in error.group(1)  # in the researcher's language
    assert re.search(r'value="dismissed" checked', page)  # the choice made is kept
    session.expire_all()
    assert _discrepancy(session, pair, "established").status == "open"


def test_the_decision_shows_who_when_and_its_history(client, session, compared):  # noqa: F811
    owner = compared["owner"]
    owner.name = "Wang Fang"
    session.commit()
    login(client, owner.email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    _decide(client, path, "established", status="explained", note="Founding versus signing.")
    _decide(client, path, "established", status="confirmed", note="Both records stand.")
    for page in (text_of(client.get(path)), text_of(client.get(compared["base"] + "/"))):
        section = page[page.index("Year established") :]
        assert "decided by Wang Fang on " in section
        assert "Both records stand." in section
        history = re.search(r'<details class="[^"]*decision-history">.*?</details>', section, re.S)
        assert history, "no history"
        assert "Earlier decisions: 1" in history.group(0)
        assert "Founding versus signing." in history.group(0)
        assert "explained" in history.group(0)
        assert "Wang Fang" in history.group(0)


def test_save_and_next_moves_to_the_next_open_item_of_the_same_pair_first(
    client,
    session,
    compared,  # noqa: F811
):
    login(client, compared["owner"].email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    response = _decide(client, path, "established", status="confirmed", then="next")
    assert response.status_code == 302
    landed = client.get(response.headers["Location"])
    assert landed.status_code == 302
    assert landed.headers["Location"].endswith(f"/{pair.code}#q-sent")
    page = text_of(client.get(path))
    assert "Decision saved" in page  # the confirmation after saving


def test_next_open_wraps_round_and_says_when_nothing_is_left(client, session, compared):  # noqa: F811
    login(client, compared["owner"].email)
    first, second = rounds.round_pairs(session, compared["round"])
    nxt = client.get(f"{compared['base']}/next?after={second.code}&question=training")
    assert nxt.headers["Location"].endswith(f"/{first.code}#q-established")
    for item in session.scalars(select(Discrepancy)):
        item.status = "confirmed"
    session.commit()
    done = client.get(f"{compared['base']}/next", follow_redirects=True)
    assert "No open discrepancies are left in this round." in text_of(done)


def test_a_stale_decision_keeps_what_was_typed_and_shows_the_other(
    client,
    session,
    compared,  # noqa: F811
):
    login(client, compared["owner"].email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    mine = _form_of(text_of(client.get(path)), "established")
    _decide(client, path, "established", status="explained", note="Theirs.")
    mine.update(status="dismissed", note="My long reasoning.")
    response = client.post(f"{path}/established/decide", data=mine)
    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else decided this discrepancy" in page
    assert "My long reasoning.</textarea>" in page
    assert "Theirs." in page


def test_next_open_order():
    queue = [(("a", "q1"), True), (("a", "q2"), False), (("b", "q1"), True)]
    assert decisions.next_open(queue, ("a", "q1")) == ("b", "q1")
    assert decisions.next_open(queue, ("a", "q2")) == ("b", "q1")
    assert decisions.next_open(queue, ("b", "q1")) == ("a", "q1")
    assert decisions.next_open(queue, None) == ("a", "q1")
    assert decisions.next_open([(("a", "q1"), True)], ("a", "q1")) is None
    assert decisions.next_open([], None) is None


def test_the_audit_log_states_decisions_in_words(client, session, compared):  # noqa: F811
    login(client, compared["owner"].email)
    pair = _first_pair(session, compared)
    path = f"{compared['base']}/{pair.code}"
    _decide(client, path, "established", status="confirmed", note="Both records stand.")
    slug = compared["study"].slug
    page = text_of(client.get(f"/studies/{slug}/audit/?action=discrepancy.decide"))
    assert 'Decision</span> <code class="key">status</code>: confirmed' in page
    assert "status: confirmed" not in page
    zh = text_of(client.get(f"/studies/{slug}/audit/?action=discrepancy.decide&lang=zh-Hant"))
    assert '處理結論</span> <code class="key">status</code>：確認' in zh
