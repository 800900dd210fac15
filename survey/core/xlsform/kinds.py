"""Row types: which XLSForm types become which question types, and which are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyxform import aliases, constants
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json import RE_SELECT

_OUR_TYPES = {
    **dict.fromkeys(("text", "string", "q string", "add text prompt", "phone number"), "text"),
    **dict.fromkeys(("integer", "int", "q int", "add integer prompt"), "integer"),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), "number"),
    **dict.fromkeys(("date", "q date", "add date prompt"), "date"),
    **dict.fromkeys(("note", "q note", "add note prompt"), "note"),
    "calculate": "calculate",
    "time": "time",
    **dict.fromkeys(
        ("datetime", "date time", "q date time", "q datetime", "add date time prompt",
         "add datetime prompt"), "datetime",
    ),
    "range": "range",
    **dict.fromkeys(
        ("acknowledge", "q acknowledge", "add acknowledge prompt", "trigger"), "acknowledge"
    ),
}  # fmt: skip
# Rows that record the device or the session (start, deviceid, audit …), never an answer:
# type → what pyxform preloads into it (start, end, today, deviceid, username …).
_METADATA = {
    name.lower(): spec["bind"]["jr:preloadParams"]
    for name, spec in QUESTION_TYPE_DICT.items()
    if "jr:preload" in spec.get("bind", {})
} | {
    name: name
    for name in (
        "audit", "start-geopoint", "background-geopoint", "xml-external", "csv-external", "hidden",
    )
}  # fmt: skip
# What the device's rows would record, in words: a web form has none of it.
DEVICE_DATA = {
    "deviceid": "device id", "uri:deviceid": "device id", "subscriberid": "subscriber id",
    "uri:subscriberid": "subscriber id", "simserial": "SIM serial number",
    "uri:simserial": "SIM serial number", "phonenumber": "phone number",
    "uri:phonenumber": "phone number", "username": "device user name",
    "uri:username": "device user name", "email": "device e-mail account",
    "uri:email": "device e-mail account", "audit": "audit log of the device",
    "start-geopoint": "location", "background-geopoint": "location",
    "xml-external": "external XML data", "csv-external": "external CSV data",
}  # fmt: skip
# What survey records itself for the interview: the preloads it has as paradata.
PARADATA = {
    "start": "when the interview was started",
    "end": "when the interview was submitted",
    "today": "the day the interview was started",
}
_ODK_TYPES = {name.lower() for name in QUESTION_TYPE_DICT} | {
    *aliases.select, *aliases.osm, *aliases.cascading,
}  # fmt: skip
_SELECTS = {
    constants.SELECT_ONE: "single", constants.SELECT_ALL_THAT_APPLY: "multi", "rank": "rank",
}  # fmt: skip
_CONTROL = re.compile(
    r"(?P<edge>begin|end)[ _](?P<what>group|repeat|loop|lgroup|looped group)\b"
    r"(?: (?:over )?(?P<list_name>\S+))?.*",
    re.IGNORECASE,
)
# `select_one_external L`: choices from the workbook's external_choices sheet (pyxform writes
# them out as itemsets.csv for ODK); `select_multiple_external L` read the same way.
_EXTERNAL = re.compile(r"select_(?P<how>one|multiple)_external +(?P<list_name>\S+)", re.IGNORECASE)
# (XLSForm type as ours, appearance) → our type; without the appearance the plain type holds.
_BY_APPEARANCE = {
    ("text", "multiline"): "longtext", ("date", "year"): "year", ("single", "likert"): "scale",
}  # fmt: skip
_APPEARANCES = {ours: look for (_, look), ours in _BY_APPEARANCE.items()}
SUPPORTED = (
    "text, integer, decimal, date, time, dateTime, range, note, calculate, acknowledge,"
    " select_one, select_multiple, select_one_external, rank, begin group/end group,"
    " begin repeat/end repeat, begin loop/end loop"
)
_REFUSALS = {
    "refused": "question '{name}' has type '{type}', which survey cannot store"
               f" (supported: {SUPPORTED})",
    "unknown": f"question '{{name}}' has the unknown type '{{type}}' (supported: {SUPPORTED})",
    "no_list": "question '{name}' has type '{type}' but names no choice list",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Kind:
    """What a survey row's type says: a question of one of our types, metadata, or a refusal."""

    kind: str  # "question", "metadata", or a key of _REFUSALS
    qtype: str | None = None  # for metadata: what it records (start, deviceid …)
    list_name: str | None = None
    or_other: bool = False  # `select_one L or_other`: an 'other' choice and its text question
    file: str | None = None  # `select_one_from_file F.csv`: the CSV file its choices are in
    external: bool = False  # `select_one_external L`: list L is on the external_choices sheet

    @property
    def unsupported(self) -> bool:
        """An ODK row survey cannot store yet: dropped with --skip-unsupported, else refused."""
        return self.kind == "refused"


def control_what(control: re.Match[str]) -> str:
    """'group', 'repeat' or 'loop' for a begin/end row (`lgroup`, `looped group`: repeats,
    as pyxform reads them)."""
    what = control["what"].lower()
    return what if what in ("group", "loop") else "repeat"


def _classify(type_text: str) -> _Kind:
    if external := _EXTERNAL.fullmatch(type_text):
        qtype = "single" if external["how"].lower() == "one" else "multi"
        return _Kind("question", qtype, external["list_name"], external=True)
    if select := RE_SELECT.match(type_text):
        return _select_kind(select)
    lowered = type_text.lower()
    if lowered in _OUR_TYPES:
        return _Kind("question", _OUR_TYPES[lowered])
    if lowered in _METADATA:
        return _Kind("metadata", _METADATA[lowered])
    if lowered in aliases.select:
        return _Kind("no_list")
    # The first word too: 'osm c1' and 'select_one_external c1' are ODK types with an argument.
    known = lowered in _ODK_TYPES or lowered.split()[0] in _ODK_TYPES
    return _Kind("refused" if known else "unknown")


def _select_kind(match: re.Match[str]) -> _Kind:
    command = match["select_command"]
    target = aliases.select[command]
    if command in aliases.select_from_file and target in _SELECTS:
        if match["list_name"].lower().endswith(".csv") and not match["specify_other"]:
            return _Kind("question", _SELECTS[target], file=match["list_name"])
        return _Kind("refused")  # a .geojson or .xml file: places or a tree survey cannot read
    if command in aliases.select_from_file or target not in _SELECTS:
        return _Kind("refused")  # select_one_external
    other = bool(match["specify_other"])
    return _Kind("question", _SELECTS[target], match["list_name"], or_other=other)
