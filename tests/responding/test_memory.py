"""Nothing that holds a respondent's answers stays in the process after the request.

The respondent's pages keep what is the same for everyone (models, widgets'
fixed parts, unanswered widgets, frames) but never an answer: after the requests
end, no live object refers to a string holding one (docs/performance.md).
"""

from __future__ import annotations

import gc
import json
import secrets

from tests.fixtures.web import text_of
from tests.responding.test_flow import browser_fields, location, mini, start, submit_page


def _holders(marker: str) -> list[str]:
    """The types of live objects that refer to a string holding `marker`."""
    gc.collect()
    found = []
    for holder in gc.get_objects():
        for ref in gc.get_referents(holder):
            if isinstance(ref, str) and ref is not marker and marker in ref:
                found.append(type(holder).__name__)
    return found


def _answer_everywhere(client, us, marker: str) -> None:  # noqa: ANN001
    """Save `marker` by post and by autosave, see it drawn on its page and the review."""
    first = start(client, us)
    moved = submit_page(client, first, {"established": "1986", "training": "no"})
    exchanges = location(moved)
    assert submit_page(client, exchanges, {"comment": marker}, nav="stay").status_code == 303
    fields = browser_fields(text_of(client.get(exchanges)))
    assert fields.getlist("comment") == [marker]
    fields.setlist("comment", [marker + "-typed"])
    body = {"section": "exchanges", "fields": [[k, v] for k, v in fields.items(multi=True)]}
    saved = client.post(
        "/respond/autosave",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": fields["csrf_token"], "Sec-Fetch-Site": "same-origin"},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert marker in text_of(client.get(exchanges))
    assert submit_page(client, exchanges, {"sent": "3", "received": "4"}).status_code == 303
    assert marker in text_of(client.get("/respond/review"))


def test_no_answer_stays_in_the_process_after_the_request(client, session, mini):
    _, us, _, _ = mini
    marker = "Qz" + secrets.token_hex(12)
    _answer_everywhere(client, us, marker)
    assert _holders(marker) == []


__all__ = ["mini"]  # the fixture, imported to be used here
