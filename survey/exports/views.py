"""The export page: choose format, layout, language and filters; download (audited, ACL-06)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import flash, g, render_template, send_file
from werkzeug.wrappers import Response

from survey.accounts.authz import study_role
from survey.db import db, set_writing
from survey.errors import ServiceError
from survey.exports import bp, services
from survey.exports.forms import ExportForm
from survey.rounds.views import study_round

MIME = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "rds": "application/octet-stream",
}


@bp.route("/studies/<slug>/rounds/<round_slug>/export", methods=["GET", "POST"])
@study_role("researcher")
def export(slug: str, round_slug: str) -> str | Response:
    """Only researchers and owners hold the export right; viewers get 403 and no file."""
    round_ = study_round(round_slug)
    form = ExportForm()
    if not form.validate_on_submit():
        return render_template("exports/export.html", study=g.study, round=round_, form=form)
    request = services.ExportRequest(
        fmt=form.fmt.data,
        layout=form.layout.data,
        lang=form.lang.data,
        bom=form.bom.data,
        sides=form.sides.data,
        kind=form.kind.data or None,
        include_partial=form.include_partial.data,
    )
    folder = tempfile.mkdtemp(prefix="survey-export-")
    path = Path(folder) / f"export.{request.fmt}"
    try:
        result = _write_snapshot(round_, request, path)
    except ServiceError as error:
        shutil.rmtree(folder, ignore_errors=True)
        flash(error.message, "error")
        return render_template("exports/export.html", study=g.study, round=round_, form=form), 422
    services.record_export(db.session, round_, request, result, user=g.user)
    response = send_file(
        path,
        mimetype=MIME[request.fmt],
        as_attachment=True,
        download_name=services.export_name(round_, request),
        max_age=0,
    )
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response


def _write_snapshot(round_, request, target):  # noqa: ANN001, ANN202
    """Read in a plain (deferred) transaction so respondents are not blocked meanwhile."""
    db.session.commit()
    set_writing(False)
    try:
        return services.write(db.session, round_, request, target)
    finally:
        db.session.rollback()
        set_writing(True)
