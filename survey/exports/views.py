"""The export page: choose format, layout, language and filters; download (audited, ACL-06)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import flash, g, render_template, send_file
from werkzeug.wrappers import Response

from survey.comparison.followups import followups_of
from survey.comparison.services import side_order
from survey.db import db
from survey.errors import ServiceError
from survey.exports import bp, services
from survey.exports.forms import ExportForm
from survey.rounds.views import study_round
from survey.studies import identifiers
from survey.studies.access import study_role
from survey.templating import text_in
from survey.transaction import reading_apart

MIME = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8" to text/* types
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "rds": "application/octet-stream",
    "zip": "application/zip",
}


@bp.route("/studies/<slug>/rounds/<round_slug>/export", methods=["GET", "POST"])
@study_role("researcher")
def export(slug: str, round_slug: str) -> str | Response:
    """Only researchers and owners hold the export right; viewers get 403 and no file."""
    round_ = study_round(round_slug)
    form = ExportForm()
    form.offer_sides([(side.code, text_in(side.label)) for side in side_order(db.session, round_)])
    asked_again = bool(followups_of(db.session, round_))  # else no value came from a follow-up
    may_identify = identifiers.may_identify(db.session, g.study, g.user)
    page = {"study": g.study, "round": round_, "form": form, "asked_again": asked_again}
    page["may_identify"] = may_identify
    if not form.validate_on_submit():
        return render_template("exports/export.html", **page)
    identified = form.identifiers.data == "included"
    if identified:
        try:
            identifiers.check(db.session, g.study, g.user, form.reason.data)
        except ServiceError as error:
            (form.reason if error.field == "reason" else form.identifiers).errors = [error.message]
            return render_template("exports/export.html", **page), 403 if not may_identify else 422
    request = services.ExportRequest(
        fmt=form.fmt.data,
        layout=form.layout.data,
        lang=form.lang.data,
        bom=form.bom.data,
        sides=form.sides.data,
        kind=form.kind.data or None,
        include_partial=form.include_partial.data,
        label_row=form.fmt.data == "csv" and form.label_row.data,
        values=form.values.data if asked_again else "original",
        identifiers=identified,
        reason=form.reason.data if identified else None,
    )
    bundled = services.needs_codebook(request.fmt)  # data and codebook in one zip
    suffix = "zip" if bundled else request.fmt
    folder = tempfile.mkdtemp(prefix="survey-export-")
    path = Path(folder) / f"export.{suffix}"
    try:
        result = _write_snapshot(round_, request, path, bundled)
    except ServiceError as error:
        shutil.rmtree(folder, ignore_errors=True)
        flash(error.message, "error")
        return render_template("exports/export.html", **page), 422
    services.record_export(db.session, round_, request, result, user=g.user)
    response = send_file(
        path,
        mimetype=MIME[suffix],
        as_attachment=True,
        download_name=services.export_name(round_, request, suffix),
        max_age=0,
    )
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response


def _write_snapshot(round_, request, target, bundled):  # noqa: ANN001, ANN202
    """Read in a reader's transaction of its own, so that respondents are not held up meanwhile."""
    with reading_apart() as session:
        if bundled:
            name = services.export_name(round_, request)
            return services.write_bundle(session, round_, request, target, name)
        return services.write(session, round_, request, target)
