"""Exports from the database: one round's pairs as records, through a layout, into a file.

Reads run in one read transaction (one snapshot: SQLite WAL readers, PostgreSQL
REPEATABLE READ), so an export taken while respondents submit is consistent and
does not block them; the audit row is written afterwards in its own short
transaction. Records are loaded in chunks of pairs, so streaming formats keep a
bounded memory however large the round.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from survey import audit
from survey.accounts.models import User
from survey.comparison.followup_outcomes import Newest, newest
from survey.comparison.models import Comparison, Discrepancy
from survey.comparison.services import questionnaire_of, side_order
from survey.db import utcnow
from survey.errors import ServiceError
from survey.exports import codebook as codebooks
from survey.exports import codebook_files, contacts, layouts, roster_files, rosters, writers
from survey.exports.contacts import side_contacts
from survey.exports.dataset import ExportError
from survey.exports.deidentify import deidentified, withheld_about
from survey.exports.side_labels import side_labels_for
from survey.questionnaires.models import QuestionnaireVersion
from survey.responding.models import Answer, Explanation
from survey.rounds.models import Invitation, Round, RoundPair
from survey.studies.models import Pair, PairSide, Respondent, StudySide

FORMATS = ("csv", "xlsx", "json", "sav", "dta", "rds")
LAYOUT_NAMES = (*layouts.LAYOUTS, "paradata", "contacts")  # exports/paradata.py, contacts.py
# Which pairs: every pair, at least one side submitted, both sides submitted; a side's code
# (us, cn, …) means the pairs where that side submitted.
SIDE_FILTERS = ("all", "any", "both")
# Which answers: as first given, or a follow-up round's where a side gave one there.
VALUES = ("original", "final")
# Formats whose file holds its own codebook: XLSX has a codebook sheet, JSON carries the
# questionnaire and every variable's labels. The others come with a codebook beside them.
SELF_DESCRIBING = ("xlsx", "json")
CODEBOOK_FORMATS = ("html", "xlsx", "csv")
CHUNK = 500
VALUES_ABOUT = {
    "original": "original: every answer as first given in this round; follow-up answers left out",
    "final": "final: a follow-up round's answer where a side gave one (marked in <key>_followup "
    "and the long layout's round column), else the answer first given",
}


@dataclass(frozen=True)
class ExportRequest:
    """What to export: format, layout, label language and the filters."""

    fmt: str = "csv"
    layout: str = "wide"
    lang: str = "en"
    bom: bool = False
    sides: str = "all"
    kind: str | None = None
    include_partial: bool = False
    include_status: bool = True
    label_row: bool = False  # CSV: a second row with the variable labels in `lang`
    values: str = "original"  # or "final": follow-up answers where given
    identifiers: bool = False  # names, identifying answers (callers check; `reason` audited)
    reason: str | None = None

    def check(self, side_codes: tuple[str, ...] = ()) -> None:
        """Refuse unknown values with a clear message (INJ-01: only allow-listed values)."""
        for name, value, allowed in (
            ("format", self.fmt, FORMATS),
            ("layout", self.layout, LAYOUT_NAMES),
            ("sides", self.sides, SIDE_FILTERS + side_codes),
            ("values", self.values, VALUES),
        ):
            if value not in allowed:
                raise ServiceError(name, "bad_choice", value=value, allowed=", ".join(allowed))

    def filters(self) -> dict[str, Any]:
        return {
            "sides": self.sides,
            "kind": self.kind,
            "include_partial": self.include_partial,
            "values": self.values,
        }


@dataclass
class ExportResult:
    rows: int
    pairs: int
    about: dict[str, Any] = field(default_factory=dict)
    beside: tuple[Path, ...] = ()  # the roster files written beside the data file


def _selected_pairs(session: Session, round_: Round, request: ExportRequest) -> list[Pair]:
    query = (
        select(Pair)
        .join(RoundPair, RoundPair.pair_id == Pair.id)
        .where(RoundPair.round_id == round_.id)
        .order_by(Pair.code)
    )
    if request.kind:
        kinds = set(session.scalars(query.with_only_columns(Pair.kind)))
        if request.kind not in kinds:
            raise ServiceError(
                "kind", "unknown_kind", kind=request.kind, kinds=", ".join(sorted(kinds))
            )
        query = query.where(Pair.kind == request.kind)
    pairs = list(session.scalars(query))
    if request.sides == "all":
        return pairs
    submitted: dict[int, set[str]] = {}
    for pair_id, side in session.execute(
        select(Invitation.pair_id, StudySide.code)
        .join(StudySide, StudySide.id == Invitation.side_id)
        .where(Invitation.round_id == round_.id, Invitation.state == "submitted")
    ):
        submitted.setdefault(pair_id, set()).add(side)
    if request.sides == "any":
        return [p for p in pairs if submitted.get(p.id)]
    if request.sides == "both":
        return [p for p in pairs if len(submitted.get(p.id, ())) == 2]
    return [p for p in pairs if request.sides in submitted.get(p.id, ())]


def records(
    session: Session, round_: Round, pairs: list[Pair], request: ExportRequest
) -> Iterator[layouts.PairRecord]:
    """The pairs as PairRecords, loaded CHUNK pairs at a time."""
    sides = side_order(session, round_)
    for start in range(0, len(pairs), CHUNK):
        yield from _chunk(session, round_, pairs[start : start + CHUNK], sides, request)


def _chunk(
    session: Session,
    round_: Round,
    pairs: list[Pair],
    sides: list[StudySide],
    request: ExportRequest,
) -> Iterator[layouts.PairRecord]:
    ids = [p.id for p in pairs]
    places = {
        (ps.pair_id, ps.side_id): ps
        for ps in session.scalars(select(PairSide).where(PairSide.pair_id.in_(ids)))
    }
    invitations = {
        (i.pair_id, i.side_id): (i, r)
        for i, r in session.execute(
            select(Invitation, Respondent)
            .join(Respondent, Respondent.id == Invitation.respondent_id)
            .where(Invitation.round_id == round_.id, Invitation.pair_id.in_(ids))
        )
    }
    answers = _answers(session, [i.id for i, _ in invitations.values()])
    contacted = side_contacts(session, [i for i, _ in invitations.values()])
    explained = _explanations(session, [i.id for i, _ in invitations.values()])
    later = newest(session, round_, ids) if request.values == "final" else {}
    outcomes = _outcomes(session, round_, ids)
    for pair in pairs:
        yield layouts.PairRecord(
            code=pair.code,
            kind=pair.kind,
            established=pair.established,
            attributes=pair.attributes or {},
            sides=tuple(
                _final(
                    _side(
                        side,
                        places.get((pair.id, side.id)),
                        invitations.get((pair.id, side.id)),
                        answers,
                        request,
                        explained,
                        contacted,
                    ),
                    side,
                    later.get(pair.id),
                )
                for side in sides
            ),  # type: ignore[arg-type]
            outcomes=outcomes.get(pair.id, {}),
        )


def _answers(session: Session, invitation_ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    if invitation_ids:
        for invitation_id, key, value in session.execute(
            select(Answer.invitation_id, Answer.question_key, Answer.value).where(
                Answer.invitation_id.in_(invitation_ids)
            )
        ):
            if value is not None:
                found.setdefault(invitation_id, {})[key] = value
    return found


def _explanations(session: Session, invitation_ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    if invitation_ids:
        for invitation_id, key, text in session.execute(
            select(Explanation.invitation_id, Explanation.question_key, Explanation.text).where(
                Explanation.invitation_id.in_(invitation_ids)
            )
        ):
            if text:
                found.setdefault(invitation_id, {})[key] = text
    return found


def _final(side_record: layouts.SideRecord, side: StudySide, later: Newest | None):  # noqa: ANN202
    """A side with its follow-up answers on top (`--values final`), each marked as such."""
    given = later.followup.get(side.id, {}) if later is not None else {}
    if not given or side_record.answers is None:
        return side_record
    told = later.explanations.get(side.id, {}) if later is not None else {}
    explanations = {k: v for k, v in side_record.explanations.items() if k not in given}
    return dataclasses.replace(
        side_record,
        answers={**side_record.answers, **given},
        followup={key: later.asked.get(key, "") for key in given} if later else {},
        explanations=explanations | {k: v for k, v in told.items() if k in given},
    )


def _outcomes(
    session: Session, round_: Round, pair_ids: list[int]
) -> dict[int, dict[str, tuple[str, str | None]]]:
    status = {
        (d.pair_id, d.question_key): d.status
        for d in session.scalars(
            select(Discrepancy).where(
                Discrepancy.round_id == round_.id, Discrepancy.pair_id.in_(pair_ids)
            )
        )
    }
    found: dict[int, dict[str, tuple[str, str | None]]] = {}
    for pair_id, stored in session.execute(
        select(Comparison.pair_id, Comparison.outcomes).where(
            Comparison.round_id == round_.id, Comparison.pair_id.in_(pair_ids)
        )
    ):
        found[pair_id] = {
            key: (value[0], status.get((pair_id, key))) for key, value in stored.items()
        }
    return found


def _side(
    side: StudySide,
    place: PairSide | None,
    invitation: tuple | None,
    answers: dict[int, dict[str, Any]],
    request: ExportRequest,
    explained: dict[int, dict[str, str]] | None = None,
    contacted: dict[int, tuple[str, int]] | None = None,
) -> layouts.SideRecord:
    found, respondent = invitation if invitation else (None, None)
    counted = found is not None and (
        found.state == "submitted" or (request.include_partial and found.state == "in_progress")
    )
    return layouts.SideRecord(
        side=side.code,
        place_en=place.place_en if place else "",
        place_zh=place.place_zh if place else "",
        region=place.region if place else "",
        organization=place.organization if place else "",
        respondent=respondent.name if respondent else "",
        email=respondent.email if respondent else "",
        language=(respondent.language if respondent else None) or side.default_language,
        mode=found.mode if found else None,
        state=found.state if found else None,
        submitted_at=found.submitted_at if found else None,
        answers=answers.get(found.id, {}) if counted else None,
        explanations=(explained or {}).get(found.id, {}) if counted else {},
        last_disposition=(contacted or {}).get(found.id, (None, 0))[0] if found else None,
        attempts=(contacted or {}).get(found.id, (None, 0))[1] if found else None,
    )


def about_of(
    session: Session, round_: Round, request: ExportRequest, rows: int | None = None
) -> dict[str, Any]:
    """The export's description: round, questionnaire version and hash, time, filters."""
    version = session.get(QuestionnaireVersion, round_.questionnaire_version_id)
    about: dict[str, Any] = {
        "round": round_.slug,
        "round_name": round_.name,
        "questionnaire": f"{version.key}@{version.version}" if version else "",
        "questionnaire_sha256": version.content_hash if version else "",
        "exported_at": utcnow(),
        "layout": request.layout,
        "format": request.fmt,
        "language": request.lang,
        "filters": request.filters(),
        "values": VALUES_ABOUT[request.values],
        "title": f"{round_.name} ({version.key} {version.version})" if version else round_.name,
    }
    named = [
        f"{side.code}, {own.kind}: " + " / ".join(own.label.values())
        for side in side_order(session, round_)
        for own in side.kind_labels
    ]
    if named:
        about["side_labels_by_pair_kind"] = "; ".join(named)
    about["identifiers"] = "included" if request.identifiers else "withheld (de-identified)"
    return about | ({"rows": rows} if rows is not None else {})


def _snapshot(session: Session) -> None:
    """Begin one consistent read snapshot for the whole export (PostgreSQL REPEATABLE READ;
    an SQLite read transaction is a snapshot already). Inside a transaction that has
    already begun (the tests' outer one) the snapshot is that transaction's."""
    real = session() if isinstance(session, scoped_session) else session
    bind = real.get_bind()
    if (
        bind.dialect.name == "postgresql"
        and isinstance(bind, Engine)
        and (real.get_transaction() is None)
    ):
        real.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def dataset_of(session: Session, round_: Round, request: ExportRequest):  # noqa: ANN201
    """The layout's dataset over the round's selected pairs, and the pair count."""
    sides = side_order(session, round_)
    request.check(tuple(s.code for s in sides))
    q = questionnaire_of(session, round_)
    pairs = _selected_pairs(session, round_, request)
    if request.layout == "paradata":
        from survey.exports import paradata

        return q, paradata.dataset(session, round_, q, sides, pairs), len(pairs)
    if request.layout == "contacts":
        return q, contacts.dataset(q, session, round_, pairs), len(pairs)
    layout = layouts.LAYOUTS[request.layout]
    options: dict[str, Any] = {"side_labels": side_labels_for(sides, pairs)}
    if request.layout in ("wide", "long"):
        options["include_status"] = request.include_status
    options["followup"] = request.values == "final"
    options["round_slug"] = round_.slug
    dataset = layout(
        q,
        [s.code for s in sides],
        rosters.prepared(q, request.layout, records(session, round_, pairs, request)),
        **{k: v for k, v in options.items() if _accepts(layout, k)},
    )
    if request.layout == "long":  # one row per roster row
        dataset = rosters.expanded(q, dataset, len(sides), request.identifiers)
    elif request.layout == "wide":  # and a file (or sheet) of each roster's rows

        def fresh() -> Iterator[layouts.PairRecord]:
            return records(session, round_, pairs, request)

        found = roster_files.parts(q, [s.code for s in sides], fresh, options["side_labels"])
        dataset = dataclasses.replace(dataset, parts=found)
    return q, dataset if request.identifiers else deidentified(q, dataset), len(pairs)


def _accepts(function: Any, name: str) -> bool:
    import inspect

    return name in inspect.signature(function).parameters


def write(session: Session, round_: Round, request: ExportRequest, target: Any) -> ExportResult:
    """Write the export to `target` (a path or a stream) from one read snapshot."""
    _snapshot(session)
    q, dataset, pairs = dataset_of(session, round_, request)
    about = about_of(session, round_, request) | withheld_about(dataset)
    beside = request.fmt in roster_files.FILE_FORMATS and isinstance(target, Path)
    files = [(roster_files.file_beside(target, k), p) for k, p in dataset.parts if beside]
    try:
        rows = _write(dataset, request, target, about)
        for path, part in files:  # XLSX, JSON: inside the file
            _write(part, request, path, about)
    except ExportError as error:
        raise ServiceError(None, "export_failed", reason=str(error)) from error
    return ExportResult(rows=rows, pairs=pairs, about=about, beside=tuple(p for p, _ in files))


def _write(dataset: Any, request: ExportRequest, target: Any, about: dict[str, Any]) -> int:
    if request.fmt == "csv":
        labels = request.lang if request.label_row else None
        return writers.write_csv(dataset, target, bom=request.bom, labels=labels)
    if request.fmt == "xlsx":
        return writers.write_xlsx(dataset, target, about=about)
    if request.fmt == "json":
        return writers.write_json(dataset, target, about=about)
    if request.fmt == "rds":
        return writers.write_rds(dataset, target, lang=request.lang)
    writer = writers.write_sav if request.fmt == "sav" else writers.write_dta
    return writer(dataset, target, lang=request.lang, about=about)


def record_export(
    session: Session,
    round_: Round,
    request: ExportRequest,
    result: ExportResult,
    *,
    user: User | None,
    what: str = "export",
) -> None:
    """The audit row of an export: who, what, which filters, how many rows (ACL-06)."""
    audit.record(
        session,
        f"round.{what}",
        study_id=round_.study_id,
        object_type="round",
        object_id=str(round_.id),
        actor_user_id=user.id if user else None,
        details={
            "format": request.fmt,
            "layout": request.layout,
            "language": request.lang,
            "filters": request.filters(),
            "rows": result.rows,
            "pairs": result.pairs,
            "identifiers": request.identifiers,
        },
        reason=request.reason if request.identifiers else None,
    )


def write_codebook(
    session: Session, round_: Round, fmt: str, target: Any, request: ExportRequest | None = None
) -> int:
    """The bilingual codebook of an export layout, as CSV, XLSX or HTML."""
    request = request or ExportRequest()
    q, dataset, _ = dataset_of(session, round_, request)
    rows = codebooks.codebook(q, dataset)
    if fmt == "csv":
        codebook_files.write_codebook_csv(rows, target, bom=request.bom)
    elif fmt == "xlsx":
        codebook_files.write_codebook_xlsx(rows, target)
    elif fmt == "html":
        about = about_of(session, round_, request) | withheld_about(dataset)
        codebook_files.write_codebook_html(rows, target, q=q, about=about)
    else:
        raise ServiceError("format", "bad_choice", value=fmt, allowed="csv, xlsx, html")
    return len(rows)  # the variables described, whatever the format's writer returns


def export_name(round_: Round, request: ExportRequest, suffix: str | None = None) -> str:
    """A file name such as wave-1-wide-20091201.sav (or .zip for a bundle)."""
    return f"{round_.slug}-{request.layout}-{dt.date.today():%Y%m%d}.{suffix or request.fmt}"


def needs_codebook(fmt: str) -> bool:
    """Whether a file of `fmt` needs a codebook beside it (its labels are not all inside)."""
    return fmt not in SELF_DESCRIBING


def codebook_path(data: Path, fmt: str = "html") -> Path:
    """The codebook written beside a data file: wave-1.csv → wave-1.codebook.html."""
    return data.with_name(f"{data.stem}.codebook.{fmt}")


def write_bundle(
    session: Session, round_: Round, request: ExportRequest, target: Any, data_name: str
) -> ExportResult:
    """A zip of the data file (named `data_name`) and its bilingual codebook (HTML)."""
    with tempfile.TemporaryDirectory(prefix="survey-bundle-") as folder:
        data = Path(folder) / data_name
        book = codebook_path(data)
        result = write(session, round_, request, data)
        write_codebook(session, round_, "html", book, request)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for path in [data, book, *sorted(set(data.parent.iterdir()) - {data, book})]:
                bundle.write(path, path.name)  # with the roster files beside the data
    return result
