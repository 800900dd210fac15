"""The API's request and response shapes: pydantic models, validated by spectree, which also
writes the OpenAPI 3.1 document from them. Dates are ISO 8601 in UTC (`...Z`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Value = Any  # an answer: text, number, a list of option codes, or a special code


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error (RFC 9457), worded in the Accept-Language language."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    retry_after: int | None = None


class PageQuery(Strict):
    cursor: str | None = Field(None, max_length=200, description="from the previous page")
    limit: int = Field(100, ge=1, le=1000)


class IdentifiersQuery(Strict):
    """An identified read: the owner or a member with the identifiers permission, a reason."""

    identifiers: bool = Field(
        False, description="names, contacts and identifying answers (owner or permission)"
    )
    reason: str | None = Field(
        None, max_length=2000, description="why the identifiers are needed (audited)"
    )


class Page(BaseModel):
    total: int = Field(description="items in every page together")
    next_cursor: str | None = Field(description="the next page's cursor; null on the last")


class Side(BaseModel):
    code: str
    position: int
    label: dict[str, str]
    default_language: str


class Study(BaseModel):
    slug: str
    title: dict[str, str]
    archived: bool
    created_at: dt.datetime
    sides: list[Side]
    role: str = Field(description="the token's user's role in the study")
    scope: str = Field(description="the token's scope")


class Studies(Page):
    items: list[Study]


class Respondent(BaseModel):
    id: int
    name: str | None = Field(description="null unless identifiers=true")
    email: str | None = Field(
        description="null unless identifiers=true and the role may see contacts"
    )
    phone: str | None
    organization: str
    position: str | None
    years_involved: int | None
    language: str | None
    timezone: str | None = Field(
        description="IANA zone for reminders and closing dates; null: the side's zone"
    )
    is_primary: bool


class PairSide(BaseModel):
    side: str
    place_en: str
    place_zh: str
    region: str
    organization: str
    respondents: list[Respondent]


class Pair(BaseModel):
    code: str
    kind: str
    established: int | None
    attributes: dict[str, Any]
    created_at: dt.datetime
    sides: list[PairSide]


class Pairs(Page):
    items: list[Pair]


class PairsQuery(PageQuery, IdentifiersQuery):
    kind: str | None = Field(None, max_length=50)


class PairsIn(Strict):
    """Rows of the pairs file, one per pair side, keyed by its column names."""

    rows: list[dict[str, str | int | None]] = Field(min_length=1, max_length=20000)


class PairsWriteQuery(Strict):
    dry_run: bool = False


class PairsReport(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    not_in_file: list[str]
    dry_run: bool


class Round(BaseModel):
    slug: str
    name: str
    state: str
    questionnaire: str = Field(description="key@version")
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    timezone: str
    created_at: dt.datetime
    pairs: int
    followup_of: str | None


class Rounds(Page):
    items: list[Round]


class RoundIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    questionnaire: str = Field(min_length=1, max_length=200, description="key or key@version")
    pairs: list[str] | None = Field(None, description="pair codes; all pairs when absent")
    kinds: list[str] | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


class DayCount(BaseModel):
    date: dt.date
    submitted: int


class Progress(BaseModel):
    pairs: int
    complete_both: int
    complete_one: int
    complete_neither: int
    by_side: dict[str, dict[str, int]]
    submitted_per_day: list[DayCount]


class Invitation(BaseModel):
    pair: str
    side: str
    state: str
    mode: str
    language: str | None
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None
    started_at: dt.datetime | None
    submitted_at: dt.datetime | None
    declined_at: dt.datetime | None


class Invitations(Page):
    items: list[Invitation]


class InvitationsQuery(PageQuery):
    state: str | None = Field(None, max_length=20)
    mode: str | None = Field(None, max_length=10)


class Link(BaseModel):
    pair: str
    side: str
    respondent: str
    email: str
    language: str
    state: str
    link: str


class Links(BaseModel):
    items: list[Link]


class LabelsQuery(Strict):
    labels: Literal["en", "zh-Hans", "zh-Hant"] | None = Field(
        None, description="values as labels in this language instead of codes"
    )


class AnswersQuery(LabelsQuery, IdentifiersQuery):
    pass


class Answers(BaseModel):
    pair: str
    side: str
    state: str
    mode: str
    version: int = Field(description="the invitation's version")
    answers: dict[str, Value]
    versions: dict[str, int] = Field(description="each answer's version")
    withheld: list[str] = Field(
        default_factory=list, description="identifying questions left out (no identifiers=true)"
    )


class AnswersIn(Strict):
    answers: dict[str, Value] = Field(max_length=2000)
    mode: Literal["phone", "email", "paper"] = "phone"
    submit: bool = False
    reason: str | None = Field(None, max_length=2000, description="required once submitted")


class Saved(BaseModel):
    saved: dict[str, Value]
    submitted: bool
    state: str


class ComparisonsQuery(PageQuery, LabelsQuery):
    outcome: Literal["disagree", "all", "agree", "missing", "skipped", "review"] = "disagree"
    status: (
        Literal["open", "explained", "corrected", "confirmed", "dismissed", "resolved"] | None
    ) = None
    kind: str | None = Field(None, max_length=50)
    question: str | None = Field(None, max_length=100)
    pair: str | None = Field(None, max_length=100)


class Comparison(BaseModel):
    pair: str
    kind: str
    question: str
    outcome: str
    status: str | None
    values: dict[str, Value]
    rule: Any
    followup: dict[str, Any] | None
    discrepancy: int | None = Field(description="the discrepancy's id, to decide on")
    version: int | None = Field(description="the discrepancy's version, for If-Match")


class Comparisons(Page):
    items: list[Comparison]


class Discrepancy(BaseModel):
    id: int
    round: str
    pair: str
    question: str
    status: str
    values: dict[str, Value]
    note: str
    version: int
    decided_by: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


class DecisionIn(Strict):
    status: Literal["open", "explained", "corrected", "confirmed", "dismissed"]
    note: str = Field("", max_length=5000)


class AgreementQuery(Strict):
    boot: int = Field(1000, ge=0, le=5000, description="bootstrap replicates")
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class AgreementRow(BaseModel):
    question: str
    level: str
    pairs_compared: int
    percent_agreement: float | None
    percent_agreement_low: float | None
    percent_agreement_high: float | None
    cohen_kappa: float | None
    cohen_kappa_low: float | None
    cohen_kappa_high: float | None
    weighted_kappa: float | None
    weighted_kappa_low: float | None
    weighted_kappa_high: float | None
    krippendorff_alpha: float | None
    krippendorff_alpha_low: float | None
    krippendorff_alpha_high: float | None
    gwet_ac1: float | None
    gwet_ac1_low: float | None
    gwet_ac1_high: float | None


class Agreement(BaseModel):
    items: list[AgreementRow]


class AgreementGroupsQuery(Strict):
    by: Literal["followup", "mode", "language", "kind"] = Field(
        description="before and after follow-up, mode pair, language pair or pair kind"
    )
    values: Literal["original", "final"] | None = Field(
        None,
        description="with by=mode|language|kind: the answers first given (original, the "
        "default) or each pair compared again on the newest answers (final)",
    )
    boot: int = Field(1000, ge=0, le=5000, description="bootstrap replicates")
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class AgreementGroupRow(AgreementRow):
    group: str
    shown: bool = Field(description="false for a cell of fewer than 5 pairs: no statistic")
    note: str | None


class AgreementGroups(BaseModel):
    items: list[AgreementGroupRow]


class TabulationQuery(Strict):
    question: list[str] | None = Field(None, description="question keys; all tabulable if none")


class TabulationRow(BaseModel):
    question: str
    option: str
    both: int
    only_a: int
    only_b: int
    neither: int
    usable_pairs: int
    missing: int
    skipped: int


class Tabulation(BaseModel):
    items: list[TabulationRow]


class AuditRow(BaseModel):
    id: int
    at: dt.datetime
    action: str
    actor: str | None
    on_behalf_of: str | None
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]
    reason: str | None


class AuditPage(Page):
    items: list[AuditRow]


class AuditQuery(PageQuery):
    action: str | None = Field(None, max_length=60)
