"""The API's comparison lists and reports: comparisons and discrepancies a page at a time
(equal to `survey discrepancies --format json`), agreement, agreement by group and
tabulation (equal to `survey agreement [--by]` and `survey tabulate`)."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.api import schemas
from survey.api.auth import api_view
from survey.api.blueprint import bp
from survey.api.paging import state_of
from survey.api.problems import Problem
from survey.api.read_views import ROUND, labels_of, listed, study_round
from survey.api.spec import answers, etagged, spec
from survey.comparison import services as comparing
from survey.db import db
from survey.rounds.models import Round, RoundPair


def comparison_items(round_: Round, query: Any, outcome: str, **pairs: Any) -> list[dict[str, Any]]:
    """The comparisons as `survey discrepancies --format json` gives them, and more
    (`pairs`: `pairs_from`, `pair_limit`, a part of the round only)."""
    from survey.comparison.followup_outcomes import pair_code_blocks

    found = comparing.items(
        db.session,
        round_,
        outcome=outcome,
        status=query.status,
        kind=query.kind,
        question=query.question,
        pair=query.pair,
        **pairs,
    )
    followups = pair_code_blocks(db.session, round_)
    words = labels_of(round_, query.labels)
    rows = []
    for item in found:
        row = item.to_dict()
        block = followups.get((item.pair, item.question))
        row["followup"] = {k: v for k, v in block.items() if k != "answered"} if block else None
        row["discrepancy"], row["version"] = item.discrepancy_id, item.version
        if words is not None:
            row["values"] = {s: words.value(item.question, v) for s, v in row["values"].items()}
        rows.append(row)
    return rows


def _comparisons(round_slug: str, query: Any, outcome: str):  # noqa: ANN202
    """A page of comparisons. The first page reads the round (its total is the whole list's);
    the next ones read only their pairs, from the pair where the last page stopped (`p`,
    of which `s` items were sent already), and carry the total on in the cursor."""
    round_ = study_round(round_slug)
    state = state_of(query.cursor)
    if state is None:
        rows = comparison_items(round_, query, outcome)
        offset, total, skip, chunk = 0, len(rows), 0, rows[: query.limit]
    else:
        try:
            offset, total, first, skip = (int(state["o"]), int(state["t"]), str(state["p"]),
                                          int(state["s"]))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            raise Problem(400, "bad_cursor") from None
        chunk = _from_pair(round_, query, outcome, first, skip, query.limit)
    more = {"t": total}
    if chunk:
        last = chunk[-1]["pair"]
        taken = sum(1 for row in chunk if row["pair"] == last)
        more |= {"p": last, "s": taken + (skip if state and last == state["p"] else 0)}
    return listed(schemas.Comparisons, chunk, total, offset, query.limit, **more)


def _from_pair(round_: Round, query: Any, outcome: str, first: str, skip: int, limit: int):  # noqa: ANN202
    """`limit` comparisons from the pair `first` on, after its first `skip`."""
    most = db.session.scalar(
        select(func.count()).select_from(RoundPair).where(RoundPair.round_id == round_.id)
    )
    pairs = 32
    while True:
        rows = comparison_items(round_, query, outcome, pairs_from=first, pair_limit=pairs)
        if len(rows) - skip >= limit or pairs >= (most or 0):
            return rows[skip : skip + limit]
        pairs *= 4


@bp.route(ROUND + "/comparisons")
@api_view("read")
@spec.validate(resp=answers(schemas.Comparisons), tags=["comparisons"])
def comparisons(slug: str, round_slug: str, query: schemas.ComparisonsQuery):  # noqa: ANN201
    """Every comparison of the round with its outcome and review state, by pair."""
    return _comparisons(round_slug, query, query.outcome)


@bp.route(ROUND + "/discrepancies")
@api_view("read")
@spec.validate(resp=answers(schemas.Comparisons), tags=["comparisons"])
def discrepancies(slug: str, round_slug: str, query: schemas.ComparisonsQuery):  # noqa: ANN201
    """The disagreements, as `survey discrepancies ROUND --format json` lists them."""
    return _comparisons(round_slug, query, "disagree")


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


@bp.route(ROUND + "/agreement")
@api_view("read")
@spec.validate(resp=answers(schemas.Agreement), tags=["reports"])
def agreement(slug: str, round_slug: str, query: schemas.AgreementQuery):  # noqa: ANN201
    """Agreement per question, as `survey agreement ROUND --format json` gives it."""
    from survey.comparison import reports

    kwargs = {"seed": query.seed} if query.seed is not None else {}
    results = reports.agreement(db.session, study_round(round_slug), n_boot=query.boot, **kwargs)
    rows = [_finite(r) for r in reports.agreement_rows(results)]
    return etagged(schemas.Agreement(items=rows).model_dump_json().encode())


@bp.route(ROUND + "/agreement/groups")
@api_view("read")
@spec.validate(resp=answers(schemas.AgreementGroups), tags=["reports"])
def agreement_groups(slug: str, round_slug: str, query: schemas.AgreementGroupsQuery):  # noqa: ANN201
    """Agreement by group (before and after follow-up, mode pair, language pair or pair
    kind), as `survey agreement ROUND --by … --format json` gives it."""
    from survey.comparison.agreement_groups import grouped

    if query.values is not None and query.by == "followup":
        raise Problem(
            400,
            "values_with_followup",
            _(
                "by=followup shows the original and the final values side by side: "
                "leave out values."
            ),
        )
    kwargs = {"seed": query.seed} if query.seed is not None else {}
    if query.by != "followup":
        kwargs["values"] = query.values or "original"
    found = grouped(db.session, study_round(round_slug), query.by, n_boot=query.boot, **kwargs)
    rows = [_finite(r) for r in found]
    return etagged(schemas.AgreementGroups(items=rows).model_dump_json().encode())


@bp.route(ROUND + "/tabulation")
@api_view("read")
@spec.validate(resp=answers(schemas.Tabulation), tags=["reports"])
def tabulation(slug: str, round_slug: str, query: schemas.TabulationQuery):  # noqa: ANN201
    """Pairs where both sides, one or neither report each option, as `survey tabulate`."""
    from survey.comparison import reports

    found = reports.tabulate(db.session, study_round(round_slug), query.question or None)
    rows = reports.tabulation_rows(found)
    return etagged(schemas.Tabulation(items=rows).model_dump_json().encode())
