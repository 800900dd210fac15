"""ACL-06 through the API: reads are de-identified unless `identifiers=true` with a reason,
by the owner or a member with the permission; each identified read is audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from survey.api import tokens
from survey.audit import AuditEntry
from survey.studies import identifiers
from survey.studies.models import Study
from tests.api.conftest import problem
from tests.privacy.conftest import SECRET_TEXT


@pytest.fixture
def api(session, named_round):
    made = {}
    for role in ("owner", "researcher", "viewer"):
        made[role] = tokens.create(
            session, named_round["study"], named_round[role], scope="read", name=role
        ).secret
    base = f"/api/v1/studies/{named_round['study_slug']}"
    return made, base


def bearer(secret: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **more}


def test_acl06_api_pairs_are_deidentified_unless_asked_with_reason(client, session, api):
    secrets, base = api
    plain = client.get(base + "/pairs", headers=bearer(secrets["owner"])).get_json()
    person = plain["items"][0]["sides"][0]["respondents"][0]
    assert person["name"] is None
    assert person["email"] is None
    assert person["position"] is None
    assert person["phone"] is None
    no_reason = client.get(base + "/pairs?identifiers=true", headers=bearer(secrets["owner"]))
    assert no_reason.status_code == 422
    assert problem(no_reason)["code"] == "identifiers_reason_needed"
    asked = base + "/pairs?identifiers=true&reason=ethics%20review"
    viewer = client.get(asked, headers=bearer(secrets["viewer"], **{"Accept-Language": "zh-Hans"}))
    assert viewer.status_code == 403
    assert "标识" in problem(viewer)["detail"] or "身份" in problem(viewer)["detail"]
    named = client.get(asked, headers=bearer(secrets["owner"])).get_json()
    person = named["items"][0]["sides"][0]["respondents"][0]
    assert person["name"].endswith("person")
    assert "@" in person["email"]
    row = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "api.identifiers_read")
    ).first()
    assert row.reason == "ethics review"
    one = client.get(
        base + "/pairs/" + named["items"][0]["code"], headers=bearer(secrets["owner"])
    ).get_json()
    assert one["sides"][0]["respondents"][0]["name"] is None


def test_acl06_api_answers_withhold_identifying_questions(client, session, api, named_round):
    secrets, base = api
    pairs = client.get(base + "/pairs", headers=bearer(secrets["owner"])).get_json()["items"]
    pair = pairs[0]["code"]
    url = f"{base}/rounds/{named_round['slug']}/answers/{pair}/us"
    plain = client.get(url, headers=bearer(secrets["researcher"])).get_json()
    assert "comment" not in plain["answers"]
    assert plain["withheld"] == ["comment"]
    assert SECRET_TEXT not in str(plain)
    refused = client.get(url + "?identifiers=true&reason=x", headers=bearer(secrets["researcher"]))
    assert refused.status_code == 403
    study = session.get(Study, named_round["study_id"])
    identifiers.set_granted(session, study, named_round["ids"]["researcher"], True, None)
    named = client.get(url + "?identifiers=true&reason=x", headers=bearer(secrets["researcher"]))
    assert named.get_json()["answers"]["comment"] == SECRET_TEXT
    assert named.get_json()["withheld"] == []


def test_acl06_api_export_identifiers_need_right_and_reason(client, session, api, named_round):
    secrets, base = api
    url = f"{base}/rounds/{named_round['slug']}/export?format=csv"
    plain = client.get(url, headers=bearer(secrets["researcher"]))
    assert plain.status_code == 200
    with zipfile.ZipFile(io.BytesIO(plain.get_data())) as bundle:
        data = bundle.read(next(n for n in bundle.namelist() if n.endswith(".csv"))).decode()
    plain.close()
    assert SECRET_TEXT not in data
    assert "respondent_us" not in data
    refused = client.get(url + "&identifiers=true&reason=x", headers=bearer(secrets["researcher"]))
    assert refused.status_code == 403
    named = client.get(url + "&identifiers=true&reason=x", headers=bearer(secrets["owner"]))
    assert named.status_code == 200
    with zipfile.ZipFile(io.BytesIO(named.get_data())) as bundle:
        data = bundle.read(next(n for n in bundle.namelist() if n.endswith(".csv"))).decode()
    named.close()
    assert SECRET_TEXT in data
    assert "us person" in data
