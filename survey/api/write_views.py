"""The API's writes (a `write` token): pairs from JSON, rounds, interviewer answers with
`Idempotency-Key`, and decisions on discrepancies with `If-Match`."""

from __future__ import annotations

import csv
import functools
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, g, json, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from survey.api import schemas
from survey.api.auth import api_view
from survey.api.blueprint import bp
from survey.api.models import IdempotentRequest
from survey.api.problems import Problem
from survey.api.read_views import (
    ROUND,
    discrepancy_body,
    discrepancy_etag,
    discrepancy_of,
    round_body,
    study_round,
    the_invitation,
)
from survey.api.spec import answers, json_response, spec, with_header
from survey.comparison import services as comparing
from survey.db import db
from survey.responding import services as answering
from survey.responding.messages import answer_message
from survey.rounds import services as rounds
from survey.studies.pairs.importing import import_pairs
from survey.studies.pairs.problems import PairsImportError
from survey.templating import lang_tag

_TABLE = IdempotentRequest.__table__


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """With an `Idempotency-Key`, the first request saves and every retry gets its answer.

    The key is claimed (inserted) before anything is written, in the request's transaction:
    a parallel request with the same key waits on the claim (PostgreSQL's unique index;
    SQLite's writers take turns) and then finds it taken, reads the answer kept with it
    and sends that again. A request that fails keeps nothing, so it can be retried.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 100 or not key.isprintable() or not key.isascii():
            raise Problem(400, "bad_idempotency_key", _("Use 1 to 100 printable characters."))
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), request.get_data()])
        ).hexdigest()
        values = {"token_id": g.api_token.id, "key": key, "fingerprint": fingerprint}
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        claim = (
            insert(_TABLE)
            .values(**values, created_at=_now())
            .on_conflict_do_nothing(index_elements=["token_id", "key"])
            .returning(_TABLE.c.id)
        )
        claimed = db.session.execute(claim).scalar()
        if claimed is None:
            return _replay(key, fingerprint)
        answer = view(*args, **kwargs)
        if isinstance(answer, Response) and answer.status_code < 400:
            db.session.execute(
                _TABLE.update()
                .where(_TABLE.c.id == claimed)
                .values(status=answer.status_code, body=json.loads(answer.get_data()))
            )
        return answer

    return wrapped


def _now():  # noqa: ANN202
    from survey.db import utcnow

    return utcnow()


def _replay(key: str, fingerprint: str) -> Response:
    kept = db.session.execute(
        select(_TABLE.c.fingerprint, _TABLE.c.status, _TABLE.c.body).where(
            _TABLE.c.token_id == g.api_token.id, _TABLE.c.key == key
        )
    ).one()
    if kept.fingerprint != fingerprint:
        raise Problem(
            422, "idempotency_key_reused", _("This Idempotency-Key was used for another request.")
        )
    if kept.status is None:
        raise Problem(409, "in_progress", _("A request with this Idempotency-Key is not done."))
    body = json.dumps(kept.body, ensure_ascii=False).encode()
    return json_response(body, kept.status, {"Idempotent-Replayed": "true"})


@bp.route(ROUND + "/answers/<pair_code>/<side_code>", methods=["POST"])
@api_view("write", "interviewer")
@with_header("Idempotency-Key")
@idempotent
@spec.validate(json=schemas.AnswersIn, resp=answers(schemas.Saved, 409), tags=["answers"])
def answers_post(  # noqa: ANN201
    slug: str, round_slug: str, pair_code: str, side_code: str, json: schemas.AnswersIn
):
    """Enter answers on a respondent's behalf (an interviewer for assigned pairs, researchers
    for any), and submit when asked; once submitted, a change is a correction with a reason."""
    round_ = study_round(round_slug)
    invitation = the_invitation(round_, pair_code, side_code)
    q = comparing.questionnaire_of(db.session, round_)
    submitted = invitation.state == "submitted"
    actor = answering.Actor(
        "correction" if submitted else "interviewer", g.user, reason=json.reason, mode=json.mode
    )
    raw = {key: _as_typed(value) for key, value in json.answers.items()}
    result = answering.record_answers(db.session, invitation, q, raw, actor=actor)
    if result.errors:
        language = lang_tag()
        found = [
            {"field": k, "message": answer_message(e, q.question(k), language)}
            for k, e in sorted(result.errors.items())
        ]
        raise Problem(422, "invalid_answers", _("Some answers are not valid."), errors=found)
    if result.conflicts:
        raise Problem(409, "conflict", errors=[{"field": k} for k in sorted(result.conflicts)])
    did_submit = False
    if json.submit and not submitted:
        did_submit = answering.submit(db.session, invitation, q, actor=actor)
    body = schemas.Saved(saved=result.saved, submitted=did_submit, state=invitation.state)
    return json_response(body.model_dump_json().encode())


@bp.route("/studies/<slug>/discrepancies/<int:discrepancy_id>/decision", methods=["POST"])
@api_view("write", "researcher")
@with_header("If-Match")
@spec.validate(
    json=schemas.DecisionIn, resp=answers(schemas.Discrepancy, 412, 428), tags=["comparisons"]
)
def decide(slug: str, discrepancy_id: int, json: schemas.DecisionIn):  # noqa: ANN201
    """Decide on a discrepancy. `If-Match` must carry its ETag as read: a stale one gets 412
    and nothing changes."""
    found, round_ = discrepancy_of(discrepancy_id)
    sent = request.headers.get("If-Match")
    if not sent:
        raise Problem(428, "if_match_required")
    current = discrepancy_etag(found)
    if current not in [t.strip().removeprefix("W/") for t in sent.split(",")]:
        raise Problem(412, "stale", _("Someone decided on this since you read it."), etag=current)
    comparing.decide(
        db.session, found, json.status, user=g.user, note=json.note, version=found.version
    )
    return json_response(discrepancy_body(found, round_), headers={"ETag": discrepancy_etag(found)})


@bp.route("/studies/<slug>/pairs", methods=["POST"])
@api_view("write", "researcher")
@spec.validate(
    query=schemas.PairsWriteQuery,
    json=schemas.PairsIn,
    resp=answers(schemas.PairsReport),
    tags=["pairs"],
)
def pairs_post(slug: str, query: schemas.PairsWriteQuery, json: schemas.PairsIn):  # noqa: ANN201
    """Create and update pairs from rows of the pairs file (one per pair side, keyed by its
    columns), checked as the file is: every problem at once, and nothing saved unless all
    is well."""
    columns: list[str] = []
    for row in json.rows:
        columns.extend(c for c in row if c not in columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in json.rows:
                writer.writerow(["" if row.get(c) is None else str(row[c]) for c in columns])
        try:
            report = import_pairs(
                db.session, g.study, path, user=g.user, dry_run=query.dry_run, source_name="api"
            )
        except PairsImportError as error:
            found = [
                {"row": p.row, "field": p.column, "message": p.message} for p in error.problems
            ]
            raise Problem(422, error.code, error.message, errors=found) from None
    body = schemas.PairsReport(
        created=report.created,
        updated=sorted(report.updated),
        unchanged=report.unchanged,
        not_in_file=report.not_in_file,
        dry_run=report.dry_run,
    )
    return json_response(body.model_dump_json().encode())


@bp.route("/studies/<slug>/rounds", methods=["POST"])
@api_view("write", "researcher")
@spec.validate(json=schemas.RoundIn, resp=answers(schemas.Round, status=201), tags=["rounds"])
def round_post(slug: str, json: schemas.RoundIn):  # noqa: ANN201
    """Create a draft round pinned to a questionnaire version, over all or the named pairs."""
    made = rounds.create_round(
        db.session,
        g.study,
        json.name,
        json.questionnaire,
        pair_codes=json.pairs,
        kinds=json.kinds,
        opens_at=json.opens_at,
        closes_at=json.closes_at,
        user=g.user,
    )
    location = f"/api/v1/studies/{g.study.slug}/rounds/{made.slug}"
    body = round_body(made).model_dump_json().encode()
    return json_response(body, 201, {"Location": location})


def _as_typed(value: Any) -> Any:
    """A JSON value as the answer types read typed values: numbers as their text."""
    if isinstance(value, list):
        return [_as_typed(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _move(round_slug: str, state: str) -> Response:
    round_ = study_round(round_slug)
    rounds.set_state(db.session, round_, state, user=g.user)
    return json_response(round_body(round_).model_dump_json().encode())


@bp.route(ROUND + "/open", methods=["POST"])
@api_view("write", "researcher")
@spec.validate(resp=answers(schemas.Round), tags=["rounds"])
def round_open(slug: str, round_slug: str):  # noqa: ANN201
    """Open a draft or closed round."""
    return _move(round_slug, "open")


@bp.route(ROUND + "/close", methods=["POST"])
@api_view("write", "researcher")
@spec.validate(resp=answers(schemas.Round), tags=["rounds"])
def round_close(slug: str, round_slug: str):  # noqa: ANN201
    """Close an open round; every answer is kept."""
    return _move(round_slug, "closed")
