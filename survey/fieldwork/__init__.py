"""Fieldwork: contact attempts and appointments, their AAPOR dispositions and outcome rates.

An interviewer records each attempt to reach one side of a round's invitation
(`models.ContactAttempt`); `dispositions` maps attempts and invitation states to AAPOR
final dispositions and computes RR1, COOP1, REF1 and CON1; `services` logs and lists
attempts with the entry rules of `rounds.entry`; `cli` is `survey contact`; `views` the
round's contacts pages and `panel` the rates on the round page. See docs/fieldwork.md.
"""

from flask import Blueprint

bp = Blueprint("fieldwork", __name__, template_folder="templates")
