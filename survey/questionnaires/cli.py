"""`survey questionnaire …` commands: check, import, list, show, export."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from survey.commands import ambiguous, not_found, output_file, transactional
from survey.commands.output import Column, chosen, emit, format_option
from survey.core.completeness import completeness
from survey.core.impact import data_impact
from survey.core.questionnaire import Questionnaire, QuestionnaireError
from survey.db import db
from survey.questionnaires import services
from survey.studies.cli import resolve_study


@click.group("questionnaire", cls=AppGroup)
def questionnaire_group() -> None:
    """Questionnaire files and stored versions."""


_SKIP_HELP = (
    "XLSForm: import without the rows survey cannot store yet (geo, media, barcode …),"
    " naming every dropped row and what depended on it."
)


def _warnings(warnings: list) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@questionnaire_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--skip-unsupported", is_flag=True, help=_SKIP_HELP)
def check(files: tuple[str, ...], skip_unsupported: bool) -> None:
    """Validate files; print FILE:LINE: messages and exit 1 on any error."""
    failed = False
    for name in files:
        try:
            q, warnings = services.read_source(name, skip_unsupported=skip_unsupported)
        except QuestionnaireError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem), err=True)
            continue
        _warnings(warnings)
        click.echo(_summary(name, q))
    if failed:
        raise SystemExit(1)


def _summary(name: str, q: Questionnaire) -> str:
    count = sum(1 for _ in q.questions())
    parts = []
    for language, found in completeness(q).items():
        derived = f", {found.derived} converted with OpenCC" if found.derived else ""
        parts.append(f"{language} {found.written + found.derived}/{found.total}{derived}")
    return f"{name}: ok: {q.key} {q.version}, {count} questions; texts: " + "; ".join(parts)


@questionnaire_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--study", "study_slug", default=None, help="Owning study (default: shared library).")
@click.option("--skip-unsupported", is_flag=True, help=_SKIP_HELP)
@transactional
def import_(file: str, study_slug: str | None, skip_unsupported: bool) -> None:
    """Import a .yaml or XLSForm file as an immutable version; print key and version."""
    try:
        q, warnings = services.read_source(file, skip_unsupported=skip_unsupported)
    except QuestionnaireError as error:
        raise click.ClickException(
            "nothing was imported:\n" + "\n".join(str(p) for p in error.problems)
        ) from error
    _warnings(warnings)
    study = resolve_study(study_slug) if study_slug else None
    result = services.import_questionnaire(db.session, q, study=study, source_name=Path(file).name)
    row = result.version
    if not result.created:
        click.echo(f"Already imported: {row.key} {row.version} (sha256 {row.content_hash[:12]}).")
        return
    click.echo(f"Imported {row.key} {row.version} (sha256 {row.content_hash[:12]}).")
    if result.impact is not None and result.previous is not None:
        _print_impact(result, row.scope)


def _print_impact(result: services.ImportResult, scope: str) -> None:
    assert result.impact is not None
    assert result.previous is not None
    click.echo(f"Changes since {result.previous.version}:")
    for line in result.impact.lines() or ["no changes"]:
        click.echo(f"  {line}")
    counts = services.answer_counts(db.session, scope, result.version.key)
    for warning in data_impact(result.impact, counts):
        click.echo(f"  {warning}")


@questionnaire_group.command("list")
@format_option()
def list_(fmt: str | None) -> None:
    """List stored versions: key, version, study, languages, hash and when imported."""
    from sqlalchemy import select

    from survey.questionnaires.models import QuestionnaireVersion

    rows = db.session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.scope, QuestionnaireVersion.key, QuestionnaireVersion.id
        )
    )
    records = [
        {
            "key": r.key,
            "version": r.version,
            "study": None if r.scope == "*" else r.scope,
            "sha256": r.content_hash,
            "languages": r.content["languages"],
            "imported_at": r.imported_at.isoformat(),
        }
        for r in rows
    ]
    columns = [
        Column("key", "Questionnaire"),
        Column("version", "Version"),
        Column("study", "Study", show=lambda row: row["study"] or "(library)"),
        Column("languages", "Languages", show=lambda row: ", ".join(row["languages"])),
        Column("sha256", "SHA-256", show=lambda row: row["sha256"][:12]),
        Column(
            "imported_at",
            "Imported (UTC)",
            show=lambda row: row["imported_at"][:16].replace("T", " "),
            wrap=False,
        ),
    ]
    emit(records, columns, chosen(fmt), records=records)


@questionnaire_group.command("show")
@click.argument("spec", metavar="KEY[@VERSION]")
@click.option("--study", "study_slug", default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def show(spec: str, study_slug: str | None, fmt: str) -> None:
    """Show a stored version: as JSON, or as an outline."""
    row = resolve_questionnaire(spec, study_slug)
    if fmt == "json":
        click.echo(
            json.dumps({"sha256": row.content_hash, **row.content}, ensure_ascii=False, indent=2)
        )
        return
    q = services.model_of(row)
    click.echo(f"{q.key} {q.version} ({', '.join(q.languages)}), sha256 {row.content_hash}")
    for section in q.sections:
        click.echo(f"[{section.key}] {section.title.get(q.base_language, '')}")
        for question in section.questions:
            rule = question.compare.to_dict() if question.compare else "-"
            click.echo(
                f"  {question.key} ({question.type}; compare {json.dumps(rule)}"
                f"{'; mirror ' + question.mirror if question.mirror else ''})"
            )


@questionnaire_group.command("export")
@click.argument("spec", metavar="KEY[@VERSION]")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsform"]), required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--study", "study_slug", default=None)
def export(spec: str, fmt: str, output: str, study_slug: str | None) -> None:
    """Write a stored version back to YAML or XLSForm (re-importing gives the same hash)."""
    output_file(output)
    q = services.model_of(resolve_questionnaire(spec, study_slug))
    if fmt == "yaml":
        from survey.core.loader import dump_yaml

        Path(output).write_text(dump_yaml(q), encoding="utf-8")
    else:
        from survey.core.xlsform import dump_xlsform

        dump_xlsform(q, output)
    click.echo(f"Wrote {q.key} {q.version} to {output}.")


def resolve_questionnaire(spec: str, study_slug: str | None):  # noqa: ANN202
    """`KEY[@VERSION]`: in --study (then the library); without it, the library, else the one
    study that has the key. Unknown: the nearest name; ambiguous: the studies to choose from."""
    from sqlalchemy import select

    from survey.questionnaires.models import QuestionnaireVersion

    key, _, version = spec.partition("@")
    if study_slug:
        scopes = [resolve_study(study_slug).slug, services.LIBRARY]
    else:
        found = set(
            db.session.scalars(
                select(QuestionnaireVersion.scope).where(QuestionnaireVersion.key == key)
            )
        )
        if services.LIBRARY in found or len(found) <= 1:
            scopes = [services.LIBRARY, *found]
        else:
            raise ambiguous("questionnaire", key, found)
    for scope in scopes:
        row = (
            services.latest(db.session, scope, key)
            if not version
            else db.session.scalar(
                select(QuestionnaireVersion).where(
                    QuestionnaireVersion.scope == scope,
                    QuestionnaireVersion.key == key,
                    QuestionnaireVersion.version == version,
                )
            )
        )
        if row is not None:
            return row
    in_scopes = select(QuestionnaireVersion).where(QuestionnaireVersion.scope.in_(scopes))
    versions = [
        r.version for r in db.session.scalars(in_scopes.where(QuestionnaireVersion.key == key))
    ]
    if versions:
        raise not_found("questionnaire", spec, [f"{key}@{v}" for v in versions])
    keys = db.session.scalars(in_scopes.with_only_columns(QuestionnaireVersion.key))
    raise not_found("questionnaire", key, keys, hint="`survey questionnaire list` shows them")
