"""The keys a questionnaire file may use, the compare rules' defaults, and OpenCC's conversions."""

from __future__ import annotations

from survey.core.types import TYPES

TOP_KEYS = (
    "key", "version", "languages", "default_language", "derive", "title", "introduction",
    "closing", "sections",
)  # fmt: skip
SECTION_KEYS = ("key", "title", "description", "relevant", "questions")
QUESTION_KEYS = (
    "key", "type", "text", "help", "guidance", "required", "required_if", "required_message",
    "options", "min", "max", "step", "pattern", "min_length", "max_length", "relevant",
    "constraint", "constraint_message", "compare", "mirror", "dont_know", "refused",
    "offer_special", "calculation", "default", "read_only", "dropdown", "identifying",
    "choice_filter", "columns", "count",
)  # fmt: skip
ROSTER_RULE_KEYS = ("match", "compare", "mirror")
OPTION_KEYS = ("code", "label", "columns")
PLAIN_RULES = ("exact", "set", "review", "none")
RULE_EXAMPLES = {
    "overlap": "{overlap: 0.5}",
    "tolerance": "{tolerance: {abs: 1}} or {tolerance: {rel: 0.1}}",
    "within_days": "{within_days: 31}",
    "within_minutes": "{within_minutes: 30}",
    "rank_agreement": "{rank_agreement: 0.8}",
    "roster": "{roster: {match: [year, direction]}}",
}
# Each question type's compare rule when the file names none (core.types).
DEFAULT_RULES = {name: t.default_rule for name, t in TYPES.items() if t.default_rule}
# (target, source) → OpenCC conversion
CONVERSIONS = {("zh-Hant", "zh-Hans"): "s2t", ("zh-Hans", "zh-Hant"): "t2s"}
NULL_TAG = "tag:yaml.org,2002:null"
