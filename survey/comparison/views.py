"""Researcher pages: the comparison dashboard and review queue, the pair side by side, decisions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from survey import paging
from survey.accounts.authz import ROLE_RANK
from survey.comparison import bp, decisions, followup_outcomes, pages, services
from survey.comparison.forms import STATUS_LABELS, STATUS_NAMES, DecisionForm
from survey.comparison.models import Discrepancy
from survey.db import db
from survey.errors import ServiceError
from survey.rounds.views import study_round
from survey.studies.access import study_role
from survey.studies.models import Pair

BASE = "/studies/<slug>/rounds/<round_slug>/comparison"
QUEUE_SORTS = ("pair", "question", "status")


@bp.route(BASE + "/")
@study_role("viewer")
def dashboard(slug: str, round_slug: str) -> str:
    """How many discrepancies are open, where they are, and the review queue to work through."""
    round_ = study_round(round_slug)
    q = services.questionnaire_of(db.session, round_)
    filters = {name: request.args.get(name) or None for name in ("kind", "status", "question")}
    everything = services.items(db.session, round_, outcome="all")
    disagreements = [i for i in everything if i.outcome == "disagree"]
    listed = [
        i
        for i in disagreements  # the filters, applied to what is already loaded
        if all(v is None or getattr(i, k) == v for k, v in filters.items())
    ]
    order = {question.key: n for n, question in enumerate(q.questions())}
    wanted = paging.parse(request.args, QUEUE_SORTS, "pair")
    rows, total, wanted = paging.list_page(
        listed,
        wanted,
        {
            "pair": lambda i: (i.pair, order.get(i.question, 0)),
            "question": lambda i: (order.get(i.question, 0), i.pair),
            "status": lambda i: (list(STATUS_NAMES).index(i.status or "open"), i.pair),
        },
    )
    listing = paging.Listing(
        rows, total, wanted, paging.link_to("comparison.dashboard", request.args, **_view_args())
    )
    ids = [i.discrepancy_id for i in rows if i.discrepancy_id]
    by_status = Counter(i.status or "open" for i in disagreements)
    return render_template(
        "comparison/dashboard.html",
        **pages.page_context(round_),
        q=q,
        listing=listing,
        outcomes=Counter(i.outcome for i in everything),
        compared=len(everything),
        by_status=by_status,
        by_pair=Counter(i.pair for i in disagreements).most_common(),
        open_by_pair=Counter(i.pair for i in disagreements if i.status == "open"),
        by_question=Counter(i.question for i in disagreements).most_common(),
        kinds=sorted({i.kind for i in everything if i.kind}),
        filters=filters,
        pairs=pages.study_pairs(),
        histories=decisions.histories(db.session, ids),
        people=decisions.people(db.session, (i.decided_by_id for i in rows)),
        show=pages.shower(q),
        questions=[question for question in q.questions() if question.is_compared],
        can_ask_again=ROLE_RANK[g.role] >= ROLE_RANK["researcher"] and bool(disagreements),
    )


def _view_args() -> dict[str, str]:
    return dict(request.view_args or {})


@bp.route(BASE + "/next")
@study_role("viewer")
def next_open(slug: str, round_slug: str) -> Response:
    """The next open discrepancy after the given one (`after` pair, `question`), wrapping round."""
    round_ = study_round(round_slug)
    queue = [((i.pair, i.question), i.status == "open") for i in services.items(db.session, round_)]
    after_pair, after_question = request.args.get("after", ""), request.args.get("question")
    after = (after_pair, after_question) if after_question else None
    if after is None and after_pair:  # from a pair: after its last item, or where it would be
        same = [key for key, _ in queue if key[0] == after_pair]
        later = [n for n, (key, _) in enumerate(queue) if key[0] > after_pair]
        if same:
            after = same[-1]
        elif later:
            queue = queue[later[0] :] + queue[: later[0]]
    target = decisions.next_open(queue, after)
    if target is None:
        flash(_("No open discrepancies are left in this round."), "info")
        return redirect(url_for("comparison.dashboard", slug=slug, round_slug=round_slug))
    return redirect(_item_url(slug, round_slug, *target))


def _item_url(slug: str, round_slug: str, pair_code: str, question: str) -> str:
    return url_for(
        "comparison.pair",
        slug=slug,
        round_slug=round_slug,
        pair_code=pair_code,
        _anchor=f"q-{question}",
    )


@bp.route(BASE + "/<pair_code>")
@study_role("viewer")
def pair(slug: str, round_slug: str, pair_code: str) -> str:
    """The pair's discrepancies with their decisions and history, then every answer side by side."""
    return _pair_page(study_round(round_slug), pair_code)


def _pair_page(round_: Any, pair_code: str, posted: tuple[str, DecisionForm] | None = None) -> str:
    found = db.session.scalar(
        select(Pair)
        .where(Pair.study_id == g.study.id, Pair.code == pair_code)
        .options(selectinload(Pair.sides))
    )
    if found is None:
        abort(404)
    q = services.questionnaire_of(db.session, round_)
    rows = services.items(db.session, round_, outcome="all", pair=pair_code)
    flagged = [row for row in rows if row.discrepancy_id]
    forms = {
        i.question: DecisionForm(
            formdata=None, status=i.status, note=i.note, version=str(i.version)
        )
        for i in flagged
    }
    if posted is not None:
        forms[posted[0]] = posted[1]
    context = pages.page_context(round_)
    asked = followup_outcomes.blocks(db.session, round_, [found.id])
    return render_template(
        "comparison/pair.html",
        followups={key: block for (_pair, key), block in asked.items()},
        **context,
        pair=found,
        q=q,
        rows=rows,
        flagged=flagged,
        outcomes=Counter(row.outcome for row in rows),
        languages=pages.languages(q, context["sides"]),
        show=pages.shower(q),
        matched_rows=pages.matched_rows,
        can_decide=ROLE_RANK[g.role] >= ROLE_RANK["researcher"],
        statuses=STATUS_LABELS,
        forms=forms,
        histories=decisions.histories(db.session, [i.discrepancy_id for i in flagged]),
        people=decisions.people(db.session, (i.decided_by_id for i in flagged)),
    )


@bp.route(BASE + "/<pair_code>/<question>/decide", methods=["POST"])
@study_role("researcher")
def decide(slug: str, round_slug: str, pair_code: str, question: str) -> Response | tuple:
    """Record a decision; a refused one is shown again with what was typed and the reason why.

    A decision made meanwhile by someone else is reported, never replaced (409): the page
    shows their decision, and the note typed here stays in the field.
    """
    round_ = study_round(round_slug)
    found = db.session.scalar(
        select(Discrepancy)
        .join(Pair, Pair.id == Discrepancy.pair_id)
        .where(
            Discrepancy.round_id == round_.id,
            Pair.code == pair_code,
            Discrepancy.question_key == question,
        )
    )
    if found is None:
        abort(404)
    form = DecisionForm()
    if not (form.validate_on_submit() and form.version.data.isdigit()):
        return _pair_page(round_, pair_code, (question, form)), 400
    try:
        services.decide(
            db.session,
            found,
            form.status.data,
            user=g.user,
            note=form.note.data or "",
            version=int(form.version.data),
        )
    except ServiceError as error:  # nothing was written; the request's end rolls back
        form.version.data = str(found.version)  # as stored now (`decide` read it again)
        form.form_errors.append(error.message)
        return _pair_page(round_, pair_code, (question, form)), 409
    flash(
        _(
            "Decision saved: %(question)s is %(state)s.",
            question=question,
            state=STATUS_NAMES[form.status.data],
        ),
        "info",
    )
    if request.form.get("then") == "next":
        return redirect(
            url_for(
                "comparison.next_open",
                slug=slug,
                round_slug=round_slug,
                after=pair_code,
                question=question,
            )
        )
    return redirect(_item_url(slug, round_slug, pair_code, question))


from survey.comparison import followup_views, group_views, report_views  # noqa: E402, F401  (their routes)
