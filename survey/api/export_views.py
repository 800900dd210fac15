"""Exports through the API: the formats and layouts of `survey export`, streamed from a file
written in a reader's transaction of its own (as the export page does), audited with the
token's name. Researchers and owners, with any scope, as on the page."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from flask import g, request, send_file
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from survey.api.auth import api_view
from survey.api.blueprint import bp
from survey.api.problems import Problem
from survey.api.read_views import ROUND, study_round
from survey.db import db
from survey.errors import ServiceError
from survey.exports import services
from survey.exports.views import MIME
from survey.studies import identifiers
from survey.transaction import reading_apart


class ExportQuery(BaseModel):
    """What to export, as `survey export` takes it."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx", "json", "sav", "dta", "rds"] = "csv"
    layout: Literal["wide", "long", "pairwise", "respondent"] = "wide"
    labels: Literal["en", "zh-Hans", "zh-Hant"] = Field(
        "en", description="the language of labels (and of value labels in SPSS, Stata, R)"
    )
    sides: str = Field("all", max_length=20, description="all, any, both or a side's code")
    kind: str | None = Field(None, max_length=50, description="only pairs of this kind")
    include_partial: bool = False
    values: Literal["original", "final"] = "original"
    bom: bool = False
    label_row: bool = Field(False, description="CSV: a second row of variable labels")
    identifiers: bool = Field(
        False, description="names and identifying answers (owner or permission; with reason)"
    )
    reason: str | None = Field(None, max_length=2000, description="why (audited)")


def query_of() -> ExportQuery:
    try:
        return ExportQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        found = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise Problem(422, "invalid", _("Some values are not valid."), errors=found) from None


@bp.route(ROUND + "/export")
@api_view("read", "researcher")
def export(slug: str, round_slug: str):  # noqa: ANN201
    """The round's data in one format and layout, streamed; formats whose labels are not all
    inside (csv, sav, dta, rds) come as a zip with the codebook beside them."""
    query = query_of()
    round_ = study_round(round_slug)
    if query.identifiers:
        try:
            identifiers.check(db.session, g.study, g.user, query.reason)
        except ServiceError as error:
            status = 403 if error.field == "identifiers" else 422
            raise Problem(status, error.code, error.message) from None
    wanted = services.ExportRequest(
        fmt=query.format,
        layout=query.layout,
        lang=query.labels,
        bom=query.bom,
        sides=query.sides,
        kind=query.kind,
        include_partial=query.include_partial,
        label_row=query.format == "csv" and query.label_row,
        values=query.values,
        identifiers=query.identifiers,
        reason=query.reason,
    )
    bundled = services.needs_codebook(wanted.fmt)
    suffix = "zip" if bundled else wanted.fmt
    folder = tempfile.mkdtemp(prefix="survey-api-export-")
    path = Path(folder) / f"export.{suffix}"
    try:
        with reading_apart() as session:
            if bundled:
                name = services.export_name(round_, wanted)
                result = services.write_bundle(session, round_, wanted, path, name)
            else:
                result = services.write(session, round_, wanted, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    services.record_export(db.session, round_, wanted, result, user=g.user)
    response = send_file(
        path,
        mimetype=MIME[suffix],
        as_attachment=True,
        download_name=services.export_name(round_, wanted, suffix),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response


def operation() -> dict:
    """The export's operation in the OpenAPI document, from `ExportQuery` (spectree cannot
    validate a streamed file, so the view checks its query with the same model)."""
    schema = ExportQuery.model_json_schema()
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in ("slug", "round_slug")
    ]
    for name, field in schema["properties"].items():
        field = {k: v for k, v in field.items() if k != "title"}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": field.get("description", ""),
                "schema": field,
            }
        )
    problem = {"$ref": "#/components/schemas/Problem"}
    return {
        "summary": "The round's data in one format and layout, streamed",
        "description": export.__doc__.split("\n", 1)[-1].strip(),
        "operationId": "get__api_v1_studies_slug_rounds_round_slug_export",
        "tags": ["exports"],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "the file",
                "content": {
                    mime: {
                        "schema": {"type": "object"}
                        if mime == "application/json"
                        else {"type": "string", "contentMediaType": mime}
                    }
                    for mime in sorted(set(MIME.values()))
                },
            },
            **{
                str(code): {
                    "description": "a problem",
                    "content": {"application/problem+json": {"schema": problem}},
                }
                for code in (400, 401, 403, 404, 422, 429)
            },
        },
    }
