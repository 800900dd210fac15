"""An audit row's fields and values in words, in the page's language, for the audit log.

Rows store codes (`status: confirmed`, `before: draft`, `outcomes: {"agree": 775}`); the
page shows what they mean ("Review state: confirmed", "open → closed" in the reader's
language) and keeps the code small beside each word, as the other pages do. Words come
from the same catalogue entries as the pages that show those states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from survey.studies.forms import ROLE_LABELS
from survey.templating import OUTCOME_NAMES, STATE_NAMES, YES_NO_LABELS

FIELD_NAMES = {
    "answers": _l("Answers"),
    "by": _l("Decided by"),
    "of": _l("Original round"),
    "questions": _l("Questions"),
    "reveal": _l("Partner's answers shown"),
    "round": _l("Round"),
    "states": _l("Review states"),
    "assignments_removed": _l("Interviewer assignments removed"),
    "code": _l("Code"),
    "count": _l("Count"),
    "created": _l("Created"),
    "created_pairs": _l("Pairs created"),
    "email": _l("E-mail"),
    "established": _l("Year established"),
    "file": _l("File"),
    "filters": _l("Filters"),
    "format": _l("Format"),
    "hash": _l("SHA-256"),
    "impact": _l("Impact"),
    "invitations": _l("Invitations"),
    "is_primary": _l("Primary respondent"),
    "kept_columns": _l("Columns kept"),
    "key": _l("Questionnaire"),
    "kind": _l("Kind"),
    "language": _l("Language"),
    "layout": _l("Layout"),
    "name": _l("Name"),
    "note": _l("Note"),
    "opened": _l("Opened"),
    "organization": _l("Organisation"),
    "outcomes": _l("Outcomes"),
    "pair": _l("Pair"),
    "pairs": _l("Pairs"),
    "partial": _l("Unsubmitted answers included"),
    "phone": _l("Phone"),
    "place_en": _l("Place (English)"),
    "place_zh": _l("Place (Chinese)"),
    "position": _l("Position"),
    "previous": _l("Previous version"),
    "queued": _l("Queued"),
    "questionnaire": _l("Questionnaire"),
    "region": _l("Region"),
    "removed": _l("Removed"),
    "reopened": _l("Reopened"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "sha256": _l("SHA-256"),
    "side": _l("Side"),
    "sides": _l("Sides"),
    "slug": _l("Short name"),
    "state": _l("State"),
    "status": _l("Decision"),
    "timezone": _l("Time zone"),
    "unchanged": _l("Unchanged"),
    "updated": _l("Updated"),
    "values_seen": _l("Answers compared"),
    "version": _l("Version"),
    "years_involved": _l("Years involved"),
}

REVIEW_STATES = {
    "open": _l("Open"),
    "explained": _l("explained"),
    "corrected": _l("corrected"),
    "confirmed": _l("confirmed"),
    "dismissed": _l("Dismissed"),
    "resolved": _l("resolved"),
}
MAIL_KINDS = {"invitation": _l("invitation"), "reminder": _l("reminder")}


def field_words(field: str) -> str | None:
    """A field of an audit row in words, or None when it has none (a question key, say)."""
    name = FIELD_NAMES.get(field)
    return str(name) if name is not None else None


def value_words(
    action: str, field: str, value: Any, sides: Mapping[str, str] | None = None
) -> Markup | None:
    """A coded value in words with its code small beside it; None when it is not a code.

    `sides`: side code → the side's label, for values keyed by side (`values_seen`).
    """
    words = _words_for(action, field)
    if isinstance(value, bool):
        return _word(YES_NO_LABELS["yes" if value else "no"], None)
    if isinstance(value, str) and words and value in words:
        return _word(words[value], value)
    if isinstance(value, dict) and value:
        keys: Mapping[str, Any] = {}
        if field == "outcomes":
            keys = OUTCOME_NAMES
        elif field == "values_seen":
            keys = sides or {}
        if keys and all(key in keys for key in value):  # in the sides' or outcomes' order
            return escape(str(_l(", "))).join(
                Markup("{} {}").format(_word(keys[key], key), _plain(value[key]))
                for key in keys
                if key in value
            )
    return None


def _words_for(action: str, field: str) -> Mapping[str, Any] | None:
    if field == "status":
        return REVIEW_STATES
    if field == "role":
        return ROLE_LABELS
    if field == "kind" and action.startswith(("round.", "mail.")):
        return MAIL_KINDS
    if field in ("", "state", "from_state") and action.startswith(("round.", "invitation.")):
        return STATE_NAMES  # a round's or an invitation's state: before → after
    return None


def _word(word: Any, code: str | None) -> Markup:
    if code is None or str(word) == code:
        return escape(str(word))
    return Markup('<span class="nowrap">{} <code class="key">{}</code></span>').format(
        str(word), code
    )


def _plain(value: Any) -> str:
    return "—" if value is None else str(value)
