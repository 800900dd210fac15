"""The API's writes: decisions with If-Match (a stale one gets 412 and nothing changes),
interviewer answers with Idempotency-Key, pairs from JSON all or nothing, rounds, the
token's name in the audit log, the throttle per token and `survey token`."""

from __future__ import annotations

from sqlalchemy import select

from survey.audit import AuditEntry
from survey.comparison.models import Discrepancy
from survey.studies.models import Pair
from tests.api.conftest import problem


def _discrepancy(session, world) -> int:
    return session.scalar(
        select(Discrepancy.id)
        .where(Discrepancy.round_id == world.round.id)
        .order_by(Discrepancy.id)
    )


def test_a_stale_if_match_gets_412_and_nothing_changes(client, session, world):
    url = f"{world.base}/discrepancies/{_discrepancy(session, world)}"
    headers = world.headers("researcher:write")
    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    decided = client.post(
        url + "/decision", json={"status": "confirmed"}, headers={**headers, "If-Match": etag}
    )
    assert decided.status_code == 200, decided.data
    assert decided.get_json()["status"] == "confirmed"
    assert decided.headers["ETag"] != etag
    before = client.get(url, headers=headers).get_json()
    stale = client.post(
        url + "/decision",
        json={"status": "dismissed", "note": "typo"},
        headers={**headers, "If-Match": etag},
    )
    body = problem(stale)
    assert stale.status_code == 412
    assert body["etag"] == decided.headers["ETag"]
    assert client.get(url, headers=headers).get_json() == before
    missing = client.post(url + "/decision", json={"status": "dismissed"}, headers=headers)
    assert problem(missing)["status"] == 428
    decisions = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "discrepancy.decide")
    ).all()
    assert len(decisions) == 1
    assert decisions[0].details["api_token"] == "researcher write"


def test_answers_saved_once_per_idempotency_key(client, session, world):
    url = f"{world.round_base}/answers/{world.pairs[0]}/us"
    headers = world.headers("interviewer:write", **{"Idempotency-Key": "call-1"})
    session.execute(  # reopen the side: its answers can be entered again
        __import__("sqlalchemy").text(
            "UPDATE invitations SET state='in_progress' WHERE id IN "
            "(SELECT i.id FROM invitations i JOIN pairs p ON p.id=i.pair_id JOIN study_sides s "
            "ON s.id=i.side_id WHERE p.code=:p AND s.code='us')"
        ),
        {"p": world.pairs[0]},
    )
    sent = {"answers": {"sent": 5, "comment": "by phone"}, "mode": "phone"}
    first = client.post(url, json=sent, headers=headers)
    assert first.status_code == 200, first.data
    again = client.post(url, json=sent, headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    saves = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "answer.save")
        .where(AuditEntry.details["api_token"].as_string() == "interviewer write")
    ).all()
    assert len(saves) == 1
    other = client.post(url, json={**sent, "answers": {"sent": 6}}, headers=headers)
    assert problem(other)["code"] == "idempotency_key_reused"
    wrong = client.post(
        url, json={"answers": {"sent": 1000}}, headers=world.headers("interviewer:write")
    )
    body = problem(wrong)
    assert body["status"] == 422
    assert body["errors"][0]["field"] == "sent"
    elsewhere = f"{world.round_base}/answers/{world.pairs[1]}/us"  # not assigned to them
    plain = world.headers("interviewer:write")
    assert problem(client.post(elsewhere, json=sent, headers=plain))["status"] == 404


def test_pairs_from_json_all_or_nothing(client, session, world):
    url = f"{world.base}/pairs"
    headers = world.headers("researcher:write")
    study_id = world.study.id
    rows = [
        {"pair": "new-1", "side": "us", "place_en": "Boulder", "kind": "city"},
        {"pair": "new-1", "side": "cn", "place_en": "Lhasa", "place_zh": "拉萨", "kind": "city"},
        {"pair": "new-2", "side": "us", "place_en": "Ames", "established": "not a year"},
        {"pair": "new-2", "side": "cn", "place_en": "Baoding"},
    ]
    refused = client.post(url, json={"rows": rows}, headers=headers)
    body = problem(refused)
    assert refused.status_code == 422
    assert any(e["field"] == "established" for e in body["errors"])
    count = lambda: session.scalar(  # noqa: E731
        select(__import__("sqlalchemy").func.count(Pair.id)).where(Pair.study_id == study_id)
    )
    assert count() == 3
    rows[2]["established"] = 1990
    made = client.post(url, json={"rows": rows}, headers=headers)
    assert made.status_code == 200, made.data
    assert made.get_json()["created"] == ["new-1", "new-2"]
    assert count() == 5


def test_rounds_created_opened_and_closed(client, world):
    headers = world.headers("researcher:write")
    made = client.post(
        f"{world.base}/rounds", json={"name": "Wave API", "questionnaire": "mini"}, headers=headers
    )
    assert made.status_code == 201, made.data
    assert made.get_json()["state"] == "draft"
    assert made.headers["Location"].endswith("/wave-api")
    opened = client.post(f"{world.base}/rounds/wave-api/open", headers=headers)
    assert opened.get_json()["state"] == "open"
    again = client.post(f"{world.base}/rounds/wave-api/open", headers=headers)
    assert problem(again)["status"] == 422
    assert client.post(f"{world.base}/rounds/wave-api/close", headers=headers).status_code == 200


def test_a_token_is_throttled_with_the_web_limiter(app, client, world):
    app.config["API_RATE_LIMIT"] = 3
    try:
        codes = [
            client.get(world.base, headers=world.headers("viewer:read")).status_code
            for _ in range(4)
        ]
        last = client.get(world.base, headers=world.headers("viewer:read"))
        assert codes[:3] == [200, 200, 200]
        assert last.status_code == 429
        assert int(last.headers["Retry-After"]) >= 1
        assert client.get(world.base, headers=world.headers("owner:read")).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = 600


def test_token_commands(runner, client, world):
    made = runner.invoke(
        args=[
            "token",
            "create",
            "--study",
            world.slug,
            "--scope",
            "read",
            "--name",
            "dash",
            "--expires",
            "30",
        ]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[0]
    assert secret.startswith("svy_")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(world.base, headers=headers).status_code == 200
    listed = runner.invoke(args=["token", "list", "--study", world.slug, "--format", "json"])
    rows = __import__("json").loads(listed.output)
    mine = next(r for r in rows if r["name"] == "dash")
    assert secret not in listed.output
    assert mine["state"] == "active"
    assert mine["expires_at"]
    assert mine["last_used_at"]  # the read above
    revoked = runner.invoke(args=["token", "revoke", str(mine["id"])])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(world.base, headers=headers).status_code == 401
    bad = runner.invoke(args=["token", "create", "--study", world.slug, "--scope", "all"])
    assert bad.exit_code != 0
