"""Fieldwork words in the interface language: outcomes, modes, groups, rates, problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from survey.errors import ServiceError

OUTCOME_NAMES = {
    "no_answer": _l("no answer"),
    "busy": _l("busy"),
    "answering_machine": _l("answering machine"),
    "wrong_number": _l("wrong number"),
    "callback": _l("callback requested"),
    "appointment": _l("appointment made"),
    "refused": _l("refused"),
    "started": _l("interview started"),
    "completed": _l("completed"),
    "ineligible": _l("ineligible"),
}
MODE_NAMES = {
    "phone": _l("telephone"),
    "email": _l("e-mail"),
    "in_person": _l("in person"),
    "other": _l("other"),
    "web": _l("web"),
    "paper": _l("paper"),
}
GROUP_NAMES = {
    "I": _l("complete interviews"),
    "P": _l("partial interviews"),
    "R": _l("refusals and break-offs"),
    "NC": _l("non-contacts"),
    "O": _l("other eligible"),
    "UH": _l("unknown if reachable"),
    "UO": _l("unknown, other"),
    "NE": _l("not eligible"),
}
RATE_TITLES = {
    "RR1": _l("Response rate"),
    "COOP1": _l("Cooperation rate"),
    "REF1": _l("Refusal rate"),
    "CON1": _l("Contact rate"),
}
PROBLEMS = {
    "unknown_outcome": _l("Unknown outcome %(outcome)s; choose one of %(outcomes)s."),
    "unknown_mode": _l("Unknown mode %(mode)s; choose one of %(modes)s."),
    "unknown_zone": _l("Unknown time zone %(zone)s; give one such as Asia/Shanghai."),
    "bad_time": _l("%(value)s is not a date and time; write it as 2010-03-18 09:00."),
    "skipped_time": _l(
        "%(time)s does not exist in %(zone)s: the clocks move forward then. Choose another time."
    ),
    "repeated_time": _l(
        "%(time)s happens twice in %(zone)s: the clocks move back then. Choose another time, "
        "or give its offset (%(offsets)s)."
    ),
    "callback_needed": _l("Give the agreed time of the callback or appointment."),
    "callback_not_wanted": _l(
        "Only a callback or an appointment has an agreed time; leave it empty for this outcome."
    ),
    "in_future": _l("An attempt cannot be later than now; check the date and time."),
    "note_too_long": _l("Use at most %(max)s characters."),
    "not_in_round": _l("Pair %(pair)s has no side %(side)s in this round."),
    "not_yours": _l("You are not assigned to pair %(pair)s."),
}


class FieldworkError(ServiceError):
    """A refused attempt: the field it concerns and its message in the interface language."""

    @property
    def message(self) -> str:
        return str(PROBLEMS[self.code]) % self.params if self.params else str(PROBLEMS[self.code])
