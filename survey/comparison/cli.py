"""`survey compare | discrepancies | agreement | tabulate` commands."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from survey.commands import transactional
from survey.comparison import services
from survey.db import db
from survey.exports_safety import safe_cell
from survey.rounds.cli import resolve

FORMATS = click.Choice(["table", "json", "csv"])


@click.command("compare")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option(
    "--include-partial",
    is_flag=True,
    help="Also compare saved answers of sides that have not submitted (marked partial).",
)
@transactional
def compare_command(slug: str, study_slug: str | None, include_partial: bool) -> None:
    """Re-run the comparison of a whole round."""
    report = services.compare_round(
        db.session, resolve(slug, study_slug), include_partial=include_partial
    )
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted((report.outcomes or {}).items()))
    click.echo(
        f"Compared {report.pairs} pairs: {outcomes or 'nothing to compare'}. "
        f"Discrepancies: {report.opened} new, {report.reopened} reopened, "
        f"{report.kept} kept, {report.removed} removed."
    )


@click.command("discrepancies")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option(
    "--outcome",
    type=click.Choice(["disagree", "all", "agree", "missing", "skipped", "review"]),
    default="disagree",
    show_default=True,
)
@click.option(
    "--status",
    type=click.Choice(["open", "explained", "corrected", "confirmed", "dismissed"]),
    default=None,
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@transactional
def discrepancies_command(
    slug: str, study_slug: str | None, outcome: str, status: str | None, fmt: str
) -> None:
    """List the disagreements (or every comparison) with their review state."""
    round_ = resolve(slug, study_slug)
    sides = [s.code for s in services.side_order(db.session, round_)]
    found = [
        i.to_dict() for i in services.items(db.session, round_, outcome=outcome, status=status)
    ]
    _print(found, fmt, sides)


def _print(rows: list[dict[str, Any]], fmt: str, sides: list[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    flat = [
        {
            "pair": r["pair"],
            "question": r["question"],
            "outcome": r["outcome"],
            "status": r["status"] or "",
            **{f"value_{s}": _text(r["values"].get(s)) for s in sides},
            "rule": json.dumps(r["rule"], ensure_ascii=False),
        }
        for r in rows
    ]
    columns = ["pair", "question", "outcome", "status", *(f"value_{s}" for s in sides), "rule"]
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in flat)
        return
    for row in flat:
        click.echo("\t".join(str(row[c]) for c in columns))
    click.echo(f"{len(flat)} rows")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _table(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        return
    click.echo("\t".join(columns))
    for row in rows:
        click.echo("\t".join(_cell(row[c]) for c in columns))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@click.command("agreement")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--boot", default=1000, show_default=True, help="Bootstrap replicates (0: none).")
@click.option("--seed", default=None, type=int, help="Bootstrap seed (reproducible reports).")
@transactional
def agreement_command(
    slug: str, study_slug: str | None, fmt: str, boot: int, seed: int | None
) -> None:
    """Agreement per question: percent, kappa, weighted kappa, alpha, AC1 with 95 % intervals."""
    from survey.comparison import reports

    kwargs = {"seed": seed} if seed is not None else {}
    results = reports.agreement(db.session, resolve(slug, study_slug), n_boot=boot, **kwargs)
    _table(reports.agreement_rows(results), fmt)


@click.command("tabulate")
@click.argument("slug", metavar="ROUND")
@click.argument("questions", nargs=-1)
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@transactional
def tabulate_command(
    slug: str, questions: tuple[str, ...], study_slug: str | None, fmt: str
) -> None:
    """Pairs where both sides, only one, or neither report each option (yes for yes/no)."""
    from survey.comparison import reports

    results = reports.tabulate(db.session, resolve(slug, study_slug), list(questions) or None)
    _table(reports.tabulation_rows(results), fmt)
