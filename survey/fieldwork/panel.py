"""The round page's fieldwork section: AAPOR rates and dispositions, and the contacts link."""

from __future__ import annotations

from typing import Any

from flask import g

from survey.db import db
from survey.fieldwork import dispositions, rates
from survey.fieldwork.labels import GROUP_NAMES, MODE_NAMES, RATE_TITLES
from survey.rounds.models import Round


def rates_panel(round_: Round) -> tuple[str, dict[str, Any]]:
    """The template and context of the rates section of `round_`'s page."""
    found = rates.round_rates(db.session, round_)
    sides = [s for s in g.study.sides if s.code in found.by_side]
    columns = [("all", None, found.overall)]
    columns += [("side", side, found.by_side[side.code]) for side in sides]
    columns += [("mode", MODE_NAMES.get(mode, mode), r) for mode, r in found.by_mode.items()]
    return "fieldwork/_panel.html", {
        "rates": found,
        "columns": columns,
        "rate_names": dispositions.RATE_NAMES,
        "rate_titles": RATE_TITLES,
        "groups": dispositions.GROUPS,
        "group_names": GROUP_NAMES,
        "codes": found.as_dict()["dispositions"],
    }
