"""The pairs file's columns, the limits of their cells, and the members' ranks."""

from __future__ import annotations

import re

from survey.studies.models import ROLES

COLUMNS = (
    "pair", "kind", "established", "side", "place_en", "place_zh", "region", "organization",
    "respondent_name", "respondent_email", "respondent_phone", "position", "years_involved",
    "language", "timezone",
)  # fmt: skip
REQUIRED = ("pair", "side")
PAIR_COLUMNS = ("kind", "established")
PLACE_COLUMNS = ("place_en", "place_zh", "region", "organization")
RESPONDENT_COLUMNS = {
    "respondent_name": "name",
    "respondent_email": "email",
    "respondent_phone": "phone",
    "position": "position",
    "years_involved": "years_involved",
    "language": "language",
    "timezone": "timezone",
}
PERSON = (
    "name", "email", "phone", "organization", "position", "years_involved", "language", "timezone",
)  # fmt: skip
PERSON_COLUMN = {f: c for c, f in RESPONDENT_COLUMNS.items()} | {
    "organization": "respondent_organization"
}
PERSONAL = frozenset({"respondent_name", "respondent_email", "respondent_phone", "position"})
MAX_LENGTH = {
    "pair": 100, "kind": 50, "place_en": 200, "place_zh": 200, "region": 200,
    "organization": 300, "respondent_name": 200, "respondent_email": 254,
    "respondent_phone": 50, "position": 200, "attribute": 1000,
}  # fmt: skip
MULTILINE = frozenset({"organization", "attribute"})  # Excel cells with Alt+Enter are fine here
PAIR_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A CSV cell starting with one of these gets a leading ' on export (INJ-02); ' is included so
# that a value that really starts with ' survives the round trip.
ESCAPE_START = ("=", "+", "-", "@", "\t", "\r", "'")
MAX_ROWS = 200_000
MAX_YEARS_INVOLVED = 120
PAGE_SIZE = 100
CONTACT_ROLE = "researcher"  # the lowest role that sees e-mails and phones, and may download
MANAGER_ROLE = "researcher"  # the lowest role that manages members (up to its own rank)
RANK = {role: len(ROLES) - index for index, role in enumerate(ROLES)}  # owner 4 … viewer 1
# Model field (web forms) → pairs-file column, for the validators both share.
FIELD_COLUMN = {
    "code": "pair",
    "name": "respondent_name",
    "email": "respondent_email",
    "phone": "respondent_phone",
}
