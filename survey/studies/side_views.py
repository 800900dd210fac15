"""The study's sides page: each side's label, and its labels for the pairs of one kind."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.accounts.authz import ROLE_RANK
from survey.db import db
from survey.errors import ServiceError
from survey.studies import bp, side_labels
from survey.studies.access import study_role
from survey.studies.forms import SideLabelForm, SideLabelRemoveForm
from survey.templating import side_name


@bp.route("/studies/<slug>/sides/")
@study_role("viewer")
def sides(slug: str) -> str:
    """The two sides with their labels; researchers give a side another label per pair kind."""
    return _sides_page(SideLabelForm())


def _sides_page(form: SideLabelForm) -> str:
    kinds = side_labels.pair_kinds(db.session, g.study)
    form.side.choices = [(side.code, side_name(side)) for side in g.study.sides]
    form.kind.choices = [(kind, kind) for kind in kinds]
    return render_template(
        "studies/sides.html",
        study=g.study,
        form=form,
        kinds=kinds,
        can_edit=ROLE_RANK[g.role] >= ROLE_RANK["researcher"],
        languages=list(SideLabelForm.FIELDS),
    )


@bp.route("/studies/<slug>/sides/labels", methods=["POST"])
@study_role("researcher")
def side_label_set(slug: str) -> str | Response:
    """Give a side its label for the pairs of one kind, in up to three languages."""
    form = SideLabelForm()
    form.side.choices = [(side.code, side.code) for side in g.study.sides]
    form.kind.choices = [(k, k) for k in side_labels.pair_kinds(db.session, g.study)]
    if form.validate_on_submit():
        try:
            side_labels.set_kind_label(
                db.session, g.study, form.side.data, form.kind.data, form.labels(), user=g.user
            )
        except ServiceError as error:
            _show(form, error)
        else:
            flash(_("The label for %(kind)s pairs is saved.", kind=form.kind.data), "info")
            return redirect(url_for("studies.sides", slug=slug))
    return _sides_page(form), 400


@bp.route("/studies/<slug>/sides/labels/remove", methods=["POST"])
@study_role("researcher")
def side_label_remove(slug: str) -> Response:
    """Name a side by its own label again for the pairs of one kind."""
    form = SideLabelRemoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        side_labels.remove_kind_label(
            db.session, g.study, form.side.data, form.kind.data, user=g.user
        )
    except ServiceError:
        abort(404)
    flash(_("The label for %(kind)s pairs is removed.", kind=form.kind.data), "info")
    return redirect(url_for("studies.sides", slug=slug))


def _show(form: SideLabelForm, error: ServiceError) -> None:
    """The refusal beside the field it concerns: a label's language, the side or the kind."""
    if error.field == "label":
        name = SideLabelForm.FIELDS.get(error.params.get("language", ""), "label_en")
    else:
        name = error.field or ""
    field = form._fields.get(name)
    if field is None:
        form.form_errors.append(error.message)
        return
    field.errors = [*field.errors, error.message]
