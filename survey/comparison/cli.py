"""`survey compare | discrepancies | agreement | tabulate` commands."""

from __future__ import annotations

import json
from typing import Any

import click

from survey.commands import transactional
from survey.commands.output import Column, chosen, emit, format_option, progress
from survey.comparison import services
from survey.comparison.cli_labels import Labels
from survey.db import db
from survey.rounds.cli import resolve
from survey.studies.cli import LANGUAGES
from survey.wording import rule_words


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
    round_ = resolve(slug, study_slug)
    with progress(f"Comparing the pairs of {round_.slug}"):
        report = services.compare_round(db.session, round_, include_partial=include_partial)
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
    type=click.Choice(["open", "explained", "corrected", "confirmed", "dismissed", "resolved"]),
    default=None,
)
@format_option()
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Labels in.")
@transactional
def discrepancies_command(
    slug: str, study_slug: str | None, outcome: str, status: str | None, fmt: str | None, lang: str
) -> None:
    """List the disagreements (or every comparison) with their review state."""
    round_ = resolve(slug, study_slug)
    sides = services.side_order(db.session, round_)
    found = [
        i.to_dict() for i in services.items(db.session, round_, outcome=outcome, status=status)
    ]
    fmt = chosen(fmt)
    if fmt == "json":
        from survey.comparison.followup_outcomes import pair_code_blocks

        followups = pair_code_blocks(db.session, round_)
        for item in found:  # what a follow-up round found, where one asked the question
            block = followups.get((item["pair"], item["question"]))
            item["followup"] = (
                {k: v for k, v in block.items() if k != "answered"} if block else None
            )
        emit(found, [], fmt)
        return
    words = _labels(round_, lang)
    rows = [
        {
            "pair": r["pair"],
            "question": r["question"],
            "outcome": r["outcome"],
            "status": r["status"] or "",
            **{f"value_{s.code}": r["values"].get(s.code) for s in sides},
            "rule": json.dumps(r["rule"], ensure_ascii=False),
            "_rule": r["rule"],
        }
        for r in found
    ]
    columns = [
        Column("pair", "Pair", show=lambda row: words.pair(row["pair"])),
        Column("question", "Question", show=lambda row: words.question(row["question"])),
        Column("outcome", "Outcome"),
        Column("status", "Review"),
        *(
            Column(
                f"value_{s.code}",
                words.side(s.code),
                show=lambda row, c=s.code: words.value(row["question"], row[f"value_{c}"]),
            )
            for s in sides
        ),
        Column("rule", "Rule", show=lambda row: rule_words(row["_rule"], lang)),
    ]
    columns = _words_for_csv(
        fmt,
        rows,
        columns,
        [
            ("pair_places", lambda row: words.pair(row["pair"]).split("\n")[0]),
            ("question_text", lambda row: words.question_text(row["question"])),
            *(
                (
                    f"label_{s.code}",
                    lambda row, c=s.code: words.value(row["question"], row[f"value_{c}"]),
                )
                for s in sides
            ),
            ("rule_text", lambda row: rule_words(row["_rule"], lang)),
        ],
    )
    emit(rows, columns, fmt, title=f"{round_.name}: {outcome}")


def _words_for_csv(
    fmt: str, rows: list[dict[str, Any]], columns: list[Column], added: list
) -> list[Column]:
    """CSV is opened by people in a spreadsheet: after the codes, the same things in words.

    TSV and JSON stay the machine formats, codes only. `added`: (key, row -> words).
    """
    if fmt != "csv":
        return columns
    for row in rows:
        for key, words in added:
            row[key] = words(row)
    return [*columns, *(Column(key, key) for key, _ in added)]


def _labels(round_, lang: str) -> Labels:  # noqa: ANN001
    sides = services.side_order(db.session, round_)
    return Labels(db.session, round_, services.questionnaire_of(db.session, round_), sides, lang)


STATISTIC_HEADERS = {
    "percent_agreement": "Agreement",
    "cohen_kappa": "Cohen's κ",
    "weighted_kappa": "Weighted κ",
    "krippendorff_alpha": "Krippendorff's α",
    "gwet_ac1": "Gwet's AC1",
}


@click.command("agreement")
@click.argument("slug", metavar="ROUND")
@click.option("--study", "study_slug", default=None)
@format_option()
@click.option("--boot", default=1000, show_default=True, help="Bootstrap replicates (0: none).")
@click.option("--seed", default=None, type=int, help="Bootstrap seed (reproducible reports).")
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Labels in.")
@click.option(
    "--by",
    type=click.Choice(["followup", "mode", "language", "kind"]),
    default=None,
    help="By group: before and after follow-up, mode pair, language pair or pair kind "
    "(a cell of fewer than 5 pairs shows no statistic).",
)
@click.option(
    "--values",
    type=click.Choice(["original", "final"]),
    default=None,
    help="With --by mode|language|kind: the answers first given (original, the default) or "
    "each pair compared again on the newest answer of each side (final: a follow-up's "
    "answer where given). --by followup shows both.",
)
@transactional
def agreement_command(  # noqa: PLR0913
    slug: str,
    study_slug: str | None,
    fmt: str | None,
    boot: int,
    seed: int | None,
    lang: str,
    by: str | None,
    values: str | None,
) -> None:
    """Agreement per question: percent, kappa, weighted kappa, alpha, AC1 with 95 % intervals."""
    from survey.comparison import reports

    if values is not None and by in (None, "followup"):
        raise click.UsageError(
            "--values goes with --by mode, language or kind; "
            "--by followup shows the original and the final values side by side."
        )
    round_ = resolve(slug, study_slug)
    kwargs: dict[str, Any] = {"seed": seed} if seed is not None else {}
    if by is not None:
        kwargs["values"] = values or "original"
        _grouped(round_, by, fmt, boot, kwargs, lang)
        return
    rows = reports.agreement_rows(reports.agreement(db.session, round_, n_boot=boot, **kwargs))
    fmt = chosen(fmt)
    if fmt == "json":
        emit(rows, [], fmt)
        return
    words = _labels(round_, lang)
    first = [
        Column("question", "Question", show=lambda row: words.question(row["question"])),
        Column("level", "Level"),
        Column("pairs_compared", "Pairs", numeric=True),
    ]
    if fmt == "table":  # each statistic with its 95 % interval below it
        columns = [
            *first,
            *(
                Column(n, STATISTIC_HEADERS[n], True, lambda row, n=n: _with_interval(row, n))
                for n in reports.STATISTIC_COLUMNS
            ),
        ]
    else:
        columns = [
            *first,
            *(
                Column(key, key, True)
                for n in reports.STATISTIC_COLUMNS
                for key in (n, f"{n}_low", f"{n}_high")
            ),
        ]
    columns = _words_for_csv(
        fmt, rows, columns, [("question_text", lambda row: words.question_text(row["question"]))]
    )
    emit(rows, columns, fmt, title=f"{round_.name}: agreement (95 % intervals)")


def _grouped(round_, by: str, fmt: str | None, boot: int, kwargs: dict, lang: str) -> None:  # noqa: ANN001
    from survey.comparison import agreement_groups, reports

    rows = agreement_groups.grouped(db.session, round_, by, n_boot=boot, **kwargs)
    fmt = chosen(fmt)
    if fmt == "json":
        emit(rows, [], fmt)
        return
    words = _labels(round_, lang)
    question = lambda row: (  # noqa: E731
        "(overall)" if row["question"] == "overall" else words.question(row["question"])
    )
    first = [
        Column(
            "group",
            {"followup": "Values", "mode": "Modes", "language": "Languages"}.get(by, "Pair kind"),
        ),
        Column("question", "Question", show=question),
        Column("pairs_compared", "Pairs", numeric=True),
    ]
    if fmt == "table":
        shown = [
            Column(n, STATISTIC_HEADERS[n], True, lambda row, n=n: _with_interval(row, n))
            for n in reports.STATISTIC_COLUMNS
        ]
        columns = [*first, *shown, Column("note", "Note", show=lambda r: r["note"] or "")]
    else:
        keys = [k for n in reports.STATISTIC_COLUMNS for k in (n, f"{n}_low", f"{n}_high")]
        columns = [*first, *(Column(k, k, True) for k in keys), Column("note", "note")]
    held = "" if by == "followup" else f", {kwargs['values']} values"
    emit(rows, columns, fmt, title=f"{round_.name}: agreement by {by}{held} (95 % intervals)")


def _with_interval(row: dict[str, Any], name: str) -> str:
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if value is None:
        return ""
    if low is None or high is None:
        return f"{value:.2f}"
    return f"{value:.2f}\n({low:.2f}–{high:.2f})"


@click.command("tabulate")
@click.argument("slug", metavar="ROUND")
@click.argument("questions", nargs=-1)
@click.option("--study", "study_slug", default=None)
@format_option()
@click.option("--lang", type=LANGUAGES, default="en", show_default=True, help="Labels in.")
@transactional
def tabulate_command(
    slug: str, questions: tuple[str, ...], study_slug: str | None, fmt: str | None, lang: str
) -> None:
    """Pairs where both sides, only one, or neither report each option (yes for yes/no)."""
    from survey.comparison import reports

    round_ = resolve(slug, study_slug)
    rows = reports.tabulation_rows(reports.tabulate(db.session, round_, list(questions) or None))
    words = _labels(round_, lang)
    first, second = (words.side(s.code) for s in services.side_order(db.session, round_))
    columns = [
        Column("question", "Question", show=lambda row: words.question(row["question"])),
        Column("option", "Option", show=lambda row: words.value(row["question"], row["option"])),
        Column("both", "Both sides", numeric=True),
        Column("only_a", f"Only {first}", numeric=True),
        Column("only_b", f"Only {second}", numeric=True),
        Column("neither", "Neither", numeric=True),
        Column("usable_pairs", "Usable pairs", numeric=True),
        Column("missing", "Missing", numeric=True),
        Column("skipped", "Skipped", numeric=True),
    ]
    fmt = chosen(fmt)
    columns = _words_for_csv(
        fmt,
        rows,
        columns,
        [
            ("question_text", lambda row: words.question_text(row["question"])),
            ("option_label", lambda row: words.value(row["question"], row["option"])),
        ],
    )
    emit(rows, columns, fmt, title=f"{round_.name}: pairs reporting each option")
