"""Researcher pages for pairs, respondents, members and interviewer assignments.

Routes live on the studies blueprint. Who may do what:
- every member (viewer and up) sees the pairs, a pair and the members; viewers and
  interviewers never see respondents' e-mails or phones;
- researchers and owners create and edit pairs and respondents, upload and download the pairs
  file (it holds the contact data), assign interviewers and manage members up to their own
  role (ACL-04); only an owner grants or removes owner;
- members of other studies get 404 on every URL (`study_role`, ACL-02).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from survey import paging
from survey.accounts.authz import ROLE_RANK
from survey.db import db
from survey.errors import NotFoundError, ServiceError
from survey.studies import bp, identifiers, listing, pairs
from survey.studies import two_factor as study_two_factor
from survey.studies.access import study_role
from survey.studies.forms import (
    ROLE_CHOICES,
    ROLE_LABELS,
    AssignForm,
    ConfirmForm,
    ExportForm,
    FilterForm,
    MemberAddForm,
    MemberRoleForm,
    PairForm,
    RespondentForm,
    UploadForm,
    show_error,
)
from survey.studies.models import Pair
from survey.templating import current_locale

MIME = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8" to text/* types
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _attempt(form: FlaskForm | None, action: Callable[..., Any], *args: Any, **kw: Any) -> bool:
    """Run one service call on the study; a refusal goes onto the form (or is flashed).

    Not found and forbidden are answers of their own, 404 and 403, never form messages.
    """
    try:
        action(db.session, g.study, *args, **kw)
    except NotFoundError:
        abort(404)
    except pairs.ForbiddenError:
        abort(403)
    except ServiceError as error:
        if form is None:
            flash(error.message, "error")
        else:
            show_error(form, error, _side_codes())
        return False
    return True


def _side_codes() -> list[str]:
    return [side.code for side in g.study.sides]


def _pair(code: str) -> Pair:
    return _or_404(lambda: pairs.get_pair(db.session, g.study, code))


def _or_404(lookup: Callable[[], Any]) -> Any:
    try:
        return lookup()
    except NotFoundError:
        abort(404)


def _can_edit() -> bool:
    return ROLE_RANK[g.role] >= ROLE_RANK["researcher"]


# ---------------------------------------------------------------- pairs list, upload, download


@bp.route("/studies/<slug>/pairs/")
@study_role("viewer")
def pairs_index(slug: str) -> str:
    """The study's pairs: both sides' places, organisations and primary respondents."""
    return _pairs_page()


def _pairs_page(**extra: Any) -> str:
    filters = FilterForm(request.args)
    kinds = pairs.pair_kinds(db.session, g.study)
    filters.kind.choices = [SelectChoice("", _("All kinds")), *(SelectChoice(k, k) for k in kinds)]
    columns = listing.pair_sort_columns(g.study, chinese=current_locale().startswith("zh"))
    wanted = paging.parse(request.args, tuple(columns), "code")
    statement = listing.pairs_statement(g.study, kind=filters.kind.data, search=filters.q.data)
    found, total, wanted = paging.query_page(
        db.session, statement, wanted, columns, tiebreak=Pair.id, scalars=True
    )
    link = paging.link_to("studies.pairs_index", request.args, slug=g.study.slug)
    return render_template(
        "studies/pairs.html",
        study=g.study,
        role=g.role,
        listing=paging.Listing(found, total, wanted, link),
        filters=filters,
        upload=extra.pop("upload", None) or UploadForm(),
        export=ExportForm(),
        contacts=pairs.may_see_contacts(g.role),
        can_edit=_can_edit(),
        primary=pairs.primary_respondent,
        **extra,
    )


@bp.route("/studies/<slug>/pairs/import", methods=["POST"])
@study_role("researcher")
def pairs_import(slug: str) -> str:
    """Upload a pairs file: every problem in a table, or what was created and changed."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _pairs_page(upload=form)
    upload: FileStorage = form.file.data
    try:
        with _saved(upload) as path:
            report = pairs.import_pairs(
                db.session,
                g.study,
                path,
                encoding=form.encoding.data or None,
                dry_run=form.dry_run.data,
                source_name=(upload.filename or "")[:200],
                user=g.user,
            )
    except pairs.PairsImportError as error:
        return _pairs_page(upload=form, problems=error.problems, source=upload.filename)
    return _pairs_page(upload=form, report=report)


@contextlib.contextmanager
def _saved(upload: FileStorage) -> Iterator[Path]:
    """The upload in a private temporary file (the service reads a path), removed afterwards."""
    suffix = Path(upload.filename or "").suffix.lower()  # .csv or .xlsx: the form checked
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        yield path


@bp.route("/studies/<slug>/pairs/export", methods=["POST"])
@study_role("researcher")
def pairs_export(slug: str) -> Response:
    """Download the pairs file (researchers and owners only: it holds contact data)."""
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    fmt = form.format.data
    content = pairs.pairs_file(pairs.export_pairs(db.session, g.study, user=g.user), fmt)
    response = send_file(
        io.BytesIO(content),
        mimetype=MIME[fmt],
        as_attachment=True,
        download_name=f"{slug}-pairs.{fmt}",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- one pair


@bp.route("/studies/<slug>/pairs/<code>/")
@study_role("viewer")
def pair_show(slug: str, code: str) -> str:
    """A pair: both sides, their respondents and the assigned interviewers."""
    pair = _pair(code)
    assign = AssignForm()
    assign.user_id.choices = [
        SelectChoice(str(u.id), u.name or u.email)
        for u in pairs.study_interviewers(db.session, g.study)
    ]
    return render_template(
        "studies/pair.html",
        study=g.study,
        pair=pair,
        interviewers=pairs.pair_interviewers(db.session, pair),
        assign=assign,
        confirm=ConfirmForm(),
        contacts=pairs.may_see_contacts(g.role),
        can_edit=_can_edit(),
    )


@bp.route("/studies/<slug>/pairs/new", methods=["GET", "POST"])
@study_role("researcher")
def pair_new(slug: str) -> str | Response:
    """Create a pair with both sides' places."""
    form = PairForm()
    if form.validate_on_submit() and _attempt(form, pairs.create_pair, form.to_data(_side_codes())):
        flash(_("Pair %(code)s created.", code=form.code.data), "info")
        return redirect(url_for("studies.pair_show", slug=slug, code=form.code.data.strip()))
    return render_template("studies/pair_form.html", study=g.study, form=form, pair=None)


@bp.route("/studies/<slug>/pairs/<code>/edit", methods=["GET", "POST"])
@study_role("researcher")
def pair_edit(slug: str, code: str) -> str | Response:
    """Edit a pair's code, kind, year and places."""
    pair = _pair(code)
    form = PairForm(data=PairForm.data_of(pair, [side.id for side in g.study.sides]))
    if form.validate_on_submit() and _attempt(
        form, pairs.update_pair, pair, form.to_data(_side_codes())
    ):
        flash(_("Pair %(code)s saved.", code=pair.code), "info")
        return redirect(url_for("studies.pair_show", slug=slug, code=pair.code))
    return render_template("studies/pair_form.html", study=g.study, form=form, pair=pair)


@bp.route("/studies/<slug>/pairs/<code>/<side>/respondents/new", methods=["GET", "POST"])
@study_role("researcher")
def respondent_new(slug: str, code: str, side: str) -> str | Response:
    """Add a respondent to one side of a pair."""
    pair = _pair(code)
    pair_side = _or_404(lambda: pairs.get_pair_side(pair, g.study, side))
    form = RespondentForm()
    if form.validate_on_submit() and _attempt(
        form, pairs.add_respondent, pair_side, form.to_data()
    ):
        flash(_("Respondent %(name)s added.", name=form.name.data), "info")
        return redirect(url_for("studies.pair_show", slug=slug, code=code))
    return render_template(
        "studies/respondent_form.html",
        study=g.study,
        pair=pair,
        side=side,
        form=form,
        editing=False,
    )


@bp.route(
    "/studies/<slug>/pairs/<code>/respondents/<int:respondent_id>/edit", methods=["GET", "POST"]
)
@study_role("researcher")
def respondent_edit(slug: str, code: str, respondent_id: int) -> str | Response:
    """Edit a respondent; marking them primary makes the side's others secondary."""
    pair = _pair(code)
    respondent = _or_404(lambda: pairs.get_respondent(pair, respondent_id))
    form = RespondentForm(obj=respondent, language=respondent.language or "")
    if form.validate_on_submit() and _attempt(
        form, pairs.update_respondent, respondent, form.to_data()
    ):
        flash(_("Respondent %(name)s saved.", name=respondent.name), "info")
        return redirect(url_for("studies.pair_show", slug=slug, code=code))
    side = next(s.code for s in g.study.sides if s.id == respondent.pair_side.side_id)
    return render_template(
        "studies/respondent_form.html", study=g.study, pair=pair, side=side, form=form, editing=True
    )


@bp.route("/studies/<slug>/pairs/<code>/interviewers", methods=["POST"])
@study_role("researcher")
def pair_assign(slug: str, code: str) -> Response:
    """Assign an interviewer member to the pair."""
    pair = _pair(code)
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Choose an interviewer."), "error")
    elif _attempt(None, pairs.assign_interviewer, pair, form.user_id.data):
        flash(_("Interviewer assigned."), "info")
    return redirect(url_for("studies.pair_show", slug=slug, code=code))


@bp.route("/studies/<slug>/pairs/<code>/interviewers/<int:user_id>/remove", methods=["POST"])
@study_role("researcher")
def pair_unassign(slug: str, code: str, user_id: int) -> Response:
    """Withdraw an interviewer's assignment to the pair."""
    pair = _pair(code)
    if ConfirmForm().validate_on_submit() and _attempt(
        None, pairs.unassign_interviewer, pair, user_id
    ):
        flash(_("Assignment withdrawn."), "info")
    return redirect(url_for("studies.pair_show", slug=slug, code=code))


# ---------------------------------------------------------------- members


@bp.route("/studies/<slug>/members/")
@study_role("viewer")
def members(slug: str) -> str:
    """The study's members; researchers and owners manage them up to their own role."""
    return _members_page(MemberAddForm())


def _members_page(add: MemberAddForm) -> str:
    grantable = [c for c in ROLE_CHOICES if ROLE_RANK[c.value] <= ROLE_RANK[g.role]]
    add.role.choices = grantable
    wanted = paging.parse(request.args, tuple(listing.MEMBER_SORT), "email")
    found, total, wanted = paging.query_page(
        db.session,
        listing.members_statement(g.study),
        wanted,
        listing.MEMBER_SORT,
        tiebreak=listing.User.id,
    )
    rows = []
    for user, role in found:
        form = MemberRoleForm(prefix=f"member-{user.id}", role=role)
        form.role.choices = grantable
        rows.append((user, role, form, ROLE_RANK[role] <= ROLE_RANK[g.role]))
    link = paging.link_to("studies.members", request.args, slug=g.study.slug)
    return render_template(
        "studies/members.html",
        study=g.study,
        listing=paging.Listing(rows, total, wanted, link),
        add=add,
        can_manage=_can_edit(),
        role_labels=ROLE_LABELS,
        two_factor=study_two_factor.is_required(db.session, g.study),
        is_owner=g.role == "owner",
        granted=identifiers.granted_ids(db.session, g.study),
    )


@bp.route("/studies/<slug>/members/add", methods=["POST"])
@study_role("researcher")
def member_add(slug: str) -> str | Response:
    """Give an existing account a role in the study, up to the actor's own."""
    form = MemberAddForm()
    if form.validate_on_submit() and _attempt(
        form, pairs.add_member, form.email.data, form.role.data, actor_role=g.role
    ):
        flash(_("%(email)s added.", email=form.email.data), "info")
        return redirect(url_for("studies.members", slug=slug))
    return _members_page(form)


@bp.route("/studies/<slug>/members/<int:user_id>/role", methods=["POST"])
@study_role("researcher")
def member_role(slug: str, user_id: int) -> Response:
    """Change a member's role (never above the actor's, never the last owner's)."""
    form = MemberRoleForm(prefix=f"member-{user_id}")
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
    elif _attempt(None, pairs.change_member_role, user_id, form.role.data, actor_role=g.role):
        flash(_("Role changed."), "info")
    return redirect(url_for("studies.members", slug=slug))


@bp.route("/studies/<slug>/members/<int:user_id>/remove", methods=["POST"])
@study_role("researcher")
def member_remove(slug: str, user_id: int) -> Response:
    """Remove a member from the study (never the last owner)."""
    if ConfirmForm().validate_on_submit() and _attempt(
        None, pairs.remove_member, user_id, actor_role=g.role
    ):
        flash(_("Member removed."), "info")
    return redirect(url_for("studies.members", slug=slug))
