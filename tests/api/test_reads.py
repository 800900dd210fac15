"""The API's reads, the OpenAPI document, problem documents, paging, ETags and equality with
the command line's JSON (issue 18)."""

from __future__ import annotations

import json
import math

from openapi_spec_validator import validate

from survey.api.models import ApiToken
from tests.api.conftest import problem


def test_openapi_document_is_valid_31_and_names_every_api_route(app, client, world):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    routes = {
        rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in {"api.openapi", "api.docs"}
    }
    assert routes == set(document["paths"])
    decide = document["paths"]["/api/v1/studies/{slug}/discrepancies/{discrepancy_id}/decision"]
    assert any(p["name"] == "If-Match" and p["required"] for p in decide["post"]["parameters"])


def test_only_a_hash_of_a_token_is_stored(session, world):
    secret = world.secrets["owner:read"]
    rows = session.query(ApiToken).all()
    assert all(secret not in (r.token_hash, r.hint, r.name) for r in rows)
    assert any(r.token_hash and len(r.token_hash) == 64 and secret.startswith(r.hint) for r in rows)


def test_study_and_its_etag(client, world):
    response = client.get(world.base, headers=world.headers("viewer:read"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == world.slug
    assert body["role"] == "viewer"
    assert body["created_at"].endswith("Z")  # ISO 8601 in UTC
    again = client.get(
        world.base,
        headers=world.headers("viewer:read", **{"If-None-Match": response.headers["ETag"]}),
    )
    assert again.status_code == 304
    listed = client.get("/api/v1/studies", headers=world.headers("viewer:read")).get_json()
    assert [s["slug"] for s in listed["items"]] == [world.slug]


def test_errors_are_problem_documents_in_the_accept_language_language(client, world):
    missing = client.get(world.base + "/pairs/nope", headers=world.headers("viewer:read"))
    assert problem(missing)["status"] == 404
    chinese = client.get(world.base, headers={"Accept-Language": "zh-Hant"})
    body = problem(chinese)
    assert chinese.status_code == 401
    assert body["code"] == "unauthorized"
    assert chinese.headers["Content-Language"] == "zh-Hant"
    assert chinese.headers["WWW-Authenticate"].startswith("Bearer")
    english = problem(client.get(world.base))
    assert english["title"] != body["title"]  # worded in Chinese, not English
    unknown = client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh-Hans"})
    assert problem(unknown)["status"] == 404
    bad = client.get(
        world.round_base + "/comparisons?limit=0", headers=world.headers("viewer:read")
    )
    assert problem(bad)["status"] == 422
    assert problem(bad)["errors"][0]["field"] == "limit"


def test_a_session_cookie_is_never_accepted(client, world):
    from tests.fixtures.web import login

    login(client, world.users["owner"].email)
    assert client.get(world.base + "/pairs").status_code == 401  # the session does not count
    response = client.get(world.base, headers=world.headers("owner:read"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_comparisons_page_by_cursor_with_link_and_total(client, world):
    headers = world.headers("viewer:read")
    whole = client.get(world.round_base + "/comparisons?outcome=all&limit=1000", headers=headers)
    every = whole.get_json()["items"]
    assert whole.get_json()["total"] == len(every) > 3
    url, paged = world.round_base + "/comparisons?outcome=all&limit=2", []
    while url:
        response = client.get(url, headers=headers)
        body = response.get_json()
        assert body["total"] == len(every)
        assert response.headers["X-Total-Count"] == str(len(every))
        paged.extend(body["items"])
        link = response.headers.get("Link")
        assert (link is None) == (body["next_cursor"] is None)
        url = link[1 : link.index(">")].removeprefix("http://localhost") if link else None
    assert paged == every
    foreign = client.get(
        world.round_base + f"/comparisons?outcome=agree&cursor={body['next_cursor'] or 'x'}",
        headers=headers,
    )
    assert problem(foreign)["code"] == "bad_cursor"


def _finite(rows):
    return json.loads(json.dumps(rows), parse_constant=lambda _c: None) if rows else rows


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b or (a is None and math.isnan(b or 0.0))
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_discrepancies_and_agreement_equal_the_command_line(client, runner, world):
    slug, study = world.round_slug, world.slug
    cli = runner.invoke(args=["discrepancies", slug, "--study", study, "--format", "json"])
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    headers = world.headers("viewer:read")
    api = client.get(world.round_base + "/discrepancies?limit=1000", headers=headers).get_json()
    keys = ("pair", "kind", "question", "outcome", "status", "values", "rule", "followup")
    assert expected
    assert [{k: i[k] for k in keys} for i in api["items"]] == expected
    cli = runner.invoke(
        args=[
            "agreement",
            slug,
            "--study",
            study,
            "--format",
            "json",
            "--boot",
            "50",
            "--seed",
            "7",
        ]
    )
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output, parse_constant=lambda _c: float("nan"))
    api = client.get(world.round_base + "/agreement?boot=50&seed=7", headers=headers).get_json()
    assert expected
    assert _same(api["items"], expected)
    for by, values in (("mode", "final"), ("kind", None), ("followup", None)):
        more = ["--values", values] if values else []
        args = ["agreement", slug, "--study", study, "--format", "json", "--by", by, *more]
        cli = runner.invoke(args=[*args, "--boot", "50", "--seed", "7"])
        assert cli.exit_code == 0, cli.output
        expected = json.loads(cli.output, parse_constant=lambda _c: float("nan"))
        url = f"{world.round_base}/agreement/groups?by={by}&boot=50&seed=7"
        api = client.get(url + (f"&values={values}" if values else ""), headers=headers)
        assert api.status_code == 200, api.get_json()
        assert expected
        assert _same(api.get_json()["items"], expected), by
    cli = runner.invoke(args=["tabulate", slug, "--study", study, "--format", "json"])
    api = client.get(world.round_base + "/tabulation", headers=headers).get_json()
    assert api["items"] == json.loads(cli.output)


def test_agreement_by_group_refuses_values_with_followup_in_the_callers_language(client, world):
    headers = world.headers("viewer:read", **{"Accept-Language": "zh-Hans"})
    url = world.round_base + "/agreement/groups?by=followup&values=final"
    refused = client.get(url, headers=headers)
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.get_json()["code"] == "values_with_followup"
    assert "values" in refused.get_json()["detail"]
    assert refused.get_json()["detail"] != (
        "by=followup shows the original and the final values side by side: leave out values."
    )
    unknown = client.get(world.round_base + "/agreement/groups?by=city", headers=headers)
    assert unknown.status_code in (400, 422)


def test_labels_give_option_labels_instead_of_codes(client, world):
    headers = world.headers("owner:read")
    url = world.round_base + f"/answers/{world.pairs[0]}/cn"
    codes = client.get(url, headers=headers).get_json()["answers"]
    words = client.get(url + "?labels=zh-Hans", headers=headers).get_json()["answers"]
    assert codes["sectors"] == ["health"]
    assert words["sectors"] == "卫生"
    assert codes["training"] == "yes"
    assert words["training"] != "yes"


def test_contacts_only_for_roles_that_see_them(client, world):
    named = "/pairs?identifiers=true&reason=mail%20merge"  # identified reads only (issue 20)
    owner = client.get(world.base + named, headers=world.headers("owner:read")).get_json()
    viewer = client.get(world.base + "/pairs", headers=world.headers("viewer:read")).get_json()
    assert owner["total"] == viewer["total"] == 3
    first = lambda body: body["items"][0]["sides"][0]["respondents"][0]  # noqa: E731
    assert "@" in first(owner)["email"]
    assert first(viewer)["email"] is None


def test_links_need_the_links_scope_and_are_audited(client, session, world):
    url = world.round_base + "/links"
    assert problem(client.get(url, headers=world.headers("owner:read")))["code"] == "scope"
    assert problem(client.get(url, headers=world.headers("viewer:links")))["code"] == "role"
    response = client.get(url, headers=world.headers("researcher:links"))
    assert response.status_code == 200
    assert "/r/" in response.get_json()["items"][0]["link"]
    from survey.audit import AuditEntry

    row = session.query(AuditEntry).filter_by(action="round.links_exported").one()
    assert row.details["api_token"] == "researcher links"


def test_audit_log_is_for_owners(client, world):
    url = world.base + "/audit?limit=5"
    assert problem(client.get(url, headers=world.headers("researcher:read")))["code"] == "role"
    body = client.get(url, headers=world.headers("owner:read")).get_json()
    assert len(body["items"]) == 5
    assert body["total"] > 5
    assert body["next_cursor"]
