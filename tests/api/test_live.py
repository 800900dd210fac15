"""The API against a live server, as deployed: gunicorn (two worker processes) on loopback,
seeded with the demo, on SQLite and, with SURVEY_TEST_DATABASE_URL, on PostgreSQL.

- Schemathesis generates requests for every operation of the OpenAPI document (bounded:
  `EXAMPLES` per operation, a fixed seed) and checks each answer: never a 5xx, a status,
  content type and body the document declares. The same requests sent with another
  study's token read nothing of the demo study.
- 20 identical interviewer saves sent at once with one Idempotency-Key save once.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text

from survey import sealing
from survey.db import db, writing
from tests.e2e.live import BACKENDS, scratch_database
from tests.e2e.served import Served, gunicorn

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("SURVEY_API_FUZZ_EXAMPLES", "50"))  # per operation
SEED = 20091201


@dataclass
class Demo:
    served: Served
    study: str
    round: str
    pair: str
    discrepancy: int
    owner: str  # the demo researcher's write token
    interviewer: str  # an interviewer's write token, assigned to `pair`
    other: str  # an owner's write token for another study
    other_study: str


def _seed() -> dict:
    from survey.accounts import services as accounts
    from survey.api import tokens
    from survey.comparison.models import Discrepancy
    from survey.demo import DEMO_EMAIL, load_demo
    from survey.rounds.models import Round
    from survey.studies import services as studies
    from survey.studies.models import Pair, Study
    from survey.studies.pairs.members import assign_interviewer

    load_demo()
    session = db.session
    study = session.scalar(select(Study).where(Study.slug == "sister-cities"))
    round_ = session.scalar(select(Round).where(Round.study_id == study.id).order_by(Round.id))
    owner = session.scalar(select(accounts.User).where(accounts.User.email == DEMO_EMAIL))
    discrepancy = session.scalar(
        select(Discrepancy).where(Discrepancy.round_id == round_.id).order_by(Discrepancy.id)
    )
    pair = session.get(Pair, discrepancy.pair_id)
    interviewer = accounts.create_user(session, "caller@example.org", "correct horse battery")
    studies.add_member(session, study, interviewer.email, "interviewer")
    assign_interviewer(session, study, pair, interviewer.id)
    stranger = accounts.create_user(session, "stranger@example.org", "correct horse battery")
    other = studies.create_study(session, "elsewhere", [("a", "en"), ("b", "en")], owner=stranger)
    return {
        "study": study.slug,
        "round": round_.slug,
        "pair": pair.code,
        "discrepancy": discrepancy.id,
        "owner": tokens.create(session, study, owner, scope="write", name="fuzz").secret,
        "interviewer": tokens.create(session, study, interviewer, scope="write").secret,
        "other": tokens.create(session, other, stranger, scope="links").secret,
        "other_study": other.slug,
    }


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, app, tmp_path_factory) -> Iterator[Demo]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("api-live")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(scratch_database(request.param, folder))
        served = stack.enter_context(
            gunicorn(
                url,
                folder,
                restore_url=app.config["DATABASE_URL"],
                SURVEY_API_RATE_LIMIT="1000000",
            )
        )
        with served.app.app_context(), writing():
            seeded = _seed()
            db.session.commit()
            db.session.remove()
        yield Demo(served, **seeded)


def _checks():  # noqa: ANN202
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance]  # fmt: skip


def test_schemathesis_finds_no_5xx_and_no_nonconforming_answer(demo):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    base = demo.served.url
    schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
    paths = {
        "slug": demo.study,
        "round_slug": demo.round,
        "pair_code": demo.pair,
        "code": demo.pair,
        "side_code": "us",
        "discrepancy_id": demo.discrepancy,
    }
    mine = {"Authorization": f"Bearer {demo.owner}"}
    theirs = {"Authorization": f"Bearer {demo.other}"}
    failures, cases, operations = [], [0], 0
    http = requests.Session()

    def check(case, label: str) -> None:  # noqa: ANN001
        case.path_parameters = {k: paths.get(k, v) for k, v in (case.path_parameters or {}).items()}
        if case.headers and "If-Match" in case.headers and cases[0] % 2:
            case.headers["If-Match"] = _etag(http, base, paths, mine)  # sometimes current
        cases[0] += 1
        try:
            response = case.call(base_url=base, headers=mine, session=http, timeout=60)
            case.validate_response(response, checks=_checks())
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001  (all collected)
            failures.append(f"{label}: {str(error)[:600]}")
        foreign = case.call(base_url=base, headers=theirs, session=http, timeout=60)
        if "{slug}" in label:  # 404, or 400 for a query refused before any lookup
            said = {k: v for k, v in foreign.json().items() if k != "instance"}
            if foreign.status_code not in (400, 404) or demo.pair in json.dumps(said):
                failures.append(f"{label}: another study's token got {foreign.status_code}")
        elif demo.study in foreign.text:
            failures.append(f"{label}: another study's token read the study")

    def fuzzer(label: str, strategy):  # noqa: ANN001, ANN202
        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # noqa: ANN001
            check(case, label)

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fuzzer(operation.label, operation.as_strategy())()
    print(f"schemathesis: {cases[0]} cases over {operations} operations, seed {SEED}")
    assert operations >= 20
    assert failures == [], "\n".join(dict.fromkeys(failures))


def _etag(http, base: str, paths: dict, headers: dict) -> str:  # noqa: ANN001
    url = f"{base}/api/v1/studies/{paths['slug']}/discrepancies/{paths['discrepancy_id']}"
    return http.get(url, headers=headers, timeout=60).headers.get("ETag", '"none"')


def test_twenty_identical_saves_at_once_save_once(demo):
    from survey.audit import AuditEntry

    base = demo.served.url
    url = f"{base}/api/v1/studies/{demo.study}/rounds/{demo.round}/answers/{demo.pair}/us"
    with demo.served.app.app_context(), writing():  # let the side be entered again
        db.session.execute(
            text(
                "UPDATE invitations SET state='in_progress' WHERE id IN (SELECT i.id FROM "
                "invitations i JOIN pairs p ON p.id = i.pair_id JOIN study_sides s ON "
                "s.id = i.side_id JOIN rounds r ON r.id = i.round_id WHERE p.code = :pair "
                "AND s.code = 'us' AND r.slug = :round)"
            ),
            {"pair": demo.pair, "round": demo.round},
        )
        db.session.commit()
        db.session.remove()
    headers = {
        "Authorization": f"Bearer {demo.interviewer}",
        "Idempotency-Key": "call-2009-12-01-us",
    }
    body = {"answers": {"anything_else": "entered once, sent twenty times"}, "mode": "phone"}
    barrier, answers = threading.Barrier(20), []

    def send() -> None:
        barrier.wait()
        answers.append(requests.post(url, json=body, headers=headers, timeout=120))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [200] * 20, [r.text for r in answers]
    assert len({json.dumps(r.json(), sort_keys=True) for r in answers}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 19
    with demo.served.app.app_context():
        saves = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "answer.save").order_by(AuditEntry.id)
        ).all()
        mine = [s for s in saves if s.details.get("api_token_id")]
        opened = sealing.open_all(db.session, mine)  # the values are sealed (issue 20)
        db.session.remove()
    assert len(mine) == 1
    assert opened[mine[0].id]["changes"]["anything_else"][1] == "entered once, sent twenty times"


def test_exports_stream_the_formats_of_the_command_line(demo):
    base = demo.served.url
    url = f"{base}/api/v1/studies/{demo.study}/rounds/{demo.round}/export"
    headers = {"Authorization": f"Bearer {demo.owner}"}
    for fmt, mime in (("xlsx", "spreadsheetml"), ("json", "json"), ("csv", "zip")):
        response = requests.get(url, params={"format": fmt, "labels": "zh-Hans"},
                                headers=headers, timeout=120, stream=True)  # fmt: skip
        assert response.status_code == 200, response.text
        assert mime in response.headers["Content-Type"]
        assert len(response.content) > 1000
    bad = requests.get(url, params={"format": "pdf"}, headers=headers, timeout=60)
    assert bad.status_code == 422
    assert bad.headers["Content-Type"] == "application/problem+json"


DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _example(language: str) -> str:
    """The docs' example in `language` (its one fenced block), as written there."""
    text_ = DOCS.read_text("utf-8")
    start = text_.index(f"```{language}\n") + len(language) + 4
    return text_[start : text_.index("```", start)]


def _client_environment(demo: Demo) -> dict[str, str]:
    return {
        **os.environ,
        "SURVEY_URL": demo.served.url,
        "SURVEY_TOKEN": demo.owner,
        "SURVEY_STUDY": demo.study,
        "SURVEY_ROUND": demo.round,
    }


def _total(demo: Demo) -> int:
    url = f"{demo.served.url}/api/v1/studies/{demo.study}/rounds/{demo.round}/discrepancies"
    headers = {"Authorization": f"Bearer {demo.owner}"}
    return requests.get(url, params={"limit": 1}, headers=headers, timeout=60).json()["total"]


def test_the_python_client_of_the_docs_runs(demo, tmp_path):
    import subprocess
    import sys

    script = tmp_path / "client.py"
    script.write_text(_example("python"), "utf-8")
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(script)],
        env=_client_environment(demo),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"{_total(demo)} discrepancies" in done.stdout
    assert "cohen_kappa" in done.stdout


def test_the_r_client_of_the_docs_runs(demo, tmp_path):
    import shutil
    import subprocess

    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed (apt-get install r-base-core)")
    has = subprocess.run(  # noqa: S603
        ["Rscript", "-e", 'quit(status = !all(sapply(c("httr2", "jsonlite"), requireNamespace)))'],  # noqa: S607
        capture_output=True,
        timeout=120,
    )
    if has.returncode != 0:
        pytest.skip("R lacks httr2 or jsonlite (apt-get install r-cran-httr2 r-cran-jsonlite)")
    script = tmp_path / "client.R"
    script.write_text(_example("r"), "utf-8")
    done = subprocess.run(  # noqa: S603
        ["Rscript", str(script)],  # noqa: S607
        env=_client_environment(demo),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"{_total(demo)} discrepancies" in done.stdout
