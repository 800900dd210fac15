"""The study's API tokens page: a researcher makes a token (shown once) and revokes it; a
viewer sees only their own tokens and cannot make one."""

from __future__ import annotations

import re

from survey.api import tokens
from tests.fixtures.web import csrf_token, login, text_of


def test_make_use_and_revoke_a_token_on_the_page(client, session, world):
    login(client, world.users["researcher"].email)
    page = f"/studies/{world.slug}/tokens/"
    made = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "name": "dashboard",
            "scope": "read",
            "expires": "30",
        },
    )
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">(svy_[^<]+)<', text_of(made)).group(1)
    assert secret not in text_of(client.get(page))  # shown once only
    api = client.get(f"/api/v1/studies/{world.slug}", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert api.get_json()["role"] == "researcher"
    row = next(r for r in tokens.listed(session, study=world.study) if r.name == "dashboard")
    revoked = client.post(f"{page}{row.id}/revoke", data={"csrf_token": csrf_token(client, page)})
    assert revoked.status_code == 302
    api = client.get(f"/api/v1/studies/{world.slug}", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_a_viewer_sees_only_their_tokens_and_makes_none(client, world):
    login(client, world.users["viewer"].email)
    page = f"/studies/{world.slug}/tokens/"
    shown = text_of(client.get(page))
    assert "viewer read" in shown
    assert "owner read" not in shown
    assert 'name="scope"' not in shown
    refused = client.post(page, data={"csrf_token": csrf_token(client, page), "scope": "read"})
    assert refused.status_code == 403


def test_a_token_page_in_chinese(client, world):
    login(client, world.users["owner"].email)
    client.get("/lang/zh_Hant?next=/")
    shown = text_of(client.get(f"/studies/{world.slug}/tokens/"))
    assert "API 權杖" in shown
    assert "researcher read" in shown
