"""The study's API tokens page: a researcher makes a token (shown once) and revokes it; a
viewer makes and revokes only tokens of their own, of the scopes their role can use; the
page shows when each token was last used."""

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


def test_a_viewer_makes_a_read_token_of_their_own_and_sees_only_theirs(client, world):
    login(client, world.users["viewer"].email)
    page = f"/studies/{world.slug}/tokens/"
    shown = client.get(page).get_data(as_text=True)
    assert "viewer read" in text_of(client.get(page))
    assert "owner read" not in text_of(client.get(page))
    offered = re.findall(r'<option[^>]*value="(\w+)"', shown)
    assert offered == ["read"]  # the only scope a viewer's role can use
    made = client.post(
        page, data={"csrf_token": csrf_token(client, page), "name": "R scripts", "scope": "read"}
    )
    assert made.status_code == 200
    secret = re.search(r'id="token-secret">(svy_[^<]+)<', text_of(made)).group(1)
    api = client.get(f"/api/v1/studies/{world.slug}", headers={"Authorization": f"Bearer {secret}"})
    assert api.get_json()["role"] == "viewer"
    assert api.get_json()["scope"] == "read"


def test_a_viewer_is_refused_a_write_token_and_an_interviewer_offered_read_and_write(
    client, session, world
):
    login(client, world.users["viewer"].email)
    page = f"/studies/{world.slug}/tokens/"
    before = len(tokens.listed(session, study=world.study))
    refused = client.post(
        page, data={"csrf_token": csrf_token(client, page), "name": "w", "scope": "write"}
    )
    assert refused.status_code == 400
    assert "Not a valid choice" in text_of(refused)
    assert len(tokens.listed(session, study=world.study)) == before
    client.post("/logout", data={"csrf_token": csrf_token(client, page)})
    login(client, world.users["interviewer"].email)
    shown = client.get(page).get_data(as_text=True)
    assert re.findall(r'<option[^>]*value="(\w+)"', shown) == ["read", "write"]


def test_a_viewer_revokes_their_own_token_but_not_anothers(client, session, world):
    login(client, world.users["viewer"].email)
    page = f"/studies/{world.slug}/tokens/"
    rows = {r.name: r for r in tokens.listed(session, study=world.study)}
    others = client.post(
        f"{page}{rows['researcher read'].id}/revoke", data={"csrf_token": csrf_token(client, page)}
    )
    assert others.status_code == 404
    own = client.post(
        f"{page}{rows['viewer read'].id}/revoke", data={"csrf_token": csrf_token(client, page)}
    )
    assert own.status_code == 302
    headers = world.headers("viewer:read")
    assert client.get(f"/api/v1/studies/{world.slug}", headers=headers).status_code == 401
    session.expire_all()
    assert tokens.state(session.get(type(rows["researcher read"]), rows["researcher read"].id)) == (
        "active"
    )


def test_a_tokens_last_use_is_shown_and_moves_on_at_most_every_few_minutes(client, session, world):
    page = f"/studies/{world.slug}/tokens/"
    login(client, world.users["owner"].email)
    assert last_used(client.get(page), "researcher read") == "never"
    tokens._touched.clear()  # a fresh process has moved no token's last use on
    headers = world.headers("researcher:read")
    assert client.get(f"/api/v1/studies/{world.slug}", headers=headers).status_code == 200
    session.expire_all()
    row = next(r for r in tokens.listed(session, study=world.study) if r.name == "researcher read")
    first = row.last_used_at
    assert first is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", last_used(client.get(page), "researcher read"))
    assert client.get(f"/api/v1/studies/{world.slug}", headers=headers).status_code == 200
    session.expire_all()
    assert session.get(type(row), row.id).last_used_at == first  # not a write per request


def last_used(response, name: str) -> str:  # noqa: ANN001
    """The "Last used" cell of the tokens table's row naming `name`."""
    html = response.get_data(as_text=True)
    heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", html)]
    found = [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S) if f">{name}<" in r]
    assert found, name
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found[0], re.S)
    return re.sub(r"<[^>]+>", "", cells[heads.index("Last used")]).strip()


def test_a_token_page_in_chinese(client, world):
    login(client, world.users["owner"].email)
    client.get("/lang/zh_Hant?next=/")
    shown = text_of(client.get(f"/studies/{world.slug}/tokens/"))
    assert "API 權杖" in shown
    assert "researcher read" in shown
