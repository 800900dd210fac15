"""Messages for service error codes, translated at the moment they are shown."""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "too_short": _l("Use at least %(min)s characters."),
    "too_long": _l("Use at most %(max)s characters."),
    "too_common": _l("This password is too common; choose another one."),
    "invalid_email": _l("Enter a valid e-mail address."),
    "email_taken": _l("An account with the e-mail %(email)s already exists."),
    "unknown_role": _l("Unknown role %(role)s."),
    "not_found": _l("%(what)s was not found."),
    "slug_taken": _l("A study with the name %(slug)s already exists."),
    "bad_slug": _l("Use lower-case letters, digits and hyphens, starting with a letter."),
    "bad_side": _l("Give each side as CODE:LANGUAGE, for example us:en."),
    "two_sides": _l("A study has exactly two sides with different codes."),
    "bad_language": _l("Unknown language %(language)s."),
    "unknown_side": _l("The study has no side %(side)s; its sides are %(sides)s."),
    "unknown_study_kind": _l("No pair of this study is of kind %(kind)s; its kinds are %(kinds)s."),
    "no_kind_label": _l("Side %(side)s has no label of its own for pairs of kind %(kind)s."),
    "label_empty": _l("Write the label in %(language)s; it may not be empty."),
    "password_mismatch": _l("The two passwords differ."),
    "already_member": _l("%(email)s is already a member of this study."),
    "not_member": _l("That user is not a member of this study."),
    "respondent_ambiguous": _l(
        "Several respondents have the e-mail %(email)s (ids %(ids)s); give the id instead."
    ),
    "erase_reason_needed": _l("Give the reason for the erasure; it is kept in the audit log."),
    "erase_mail_queued": _l(
        "%(count)s message(s) to this person wait in the outbox: cancel them with the erasure "
        "(--cancel-mail), or wait until they are sent."
    ),
    "erase_mail_in_flight": _l(
        "%(count)s message(s) to this person are being sent right now; try again in a minute."
    ),
    "identifiers_not_allowed": _l(
        "Only the study's owner or a member with the identifiers permission may see "
        "respondents' names, contacts and identifying answers."
    ),
    "identifiers_reason_needed": _l(
        "Give the reason you need respondents' identifiers; it is kept in the audit log."
    ),
    "questionnaire_invalid": _l("The questionnaire has errors; nothing was imported."),
    "round_exists": _l("A round named %(slug)s already exists in this study."),
    "closes_before_opens": _l("The closing time must be after the opening time."),
    "unknown_pairs": _l("Unknown pairs: %(codes)s."),
    "no_pairs": _l("No pairs match; a round needs at least one pair."),
    "round_ambiguous": _l("Several studies have a round %(slug)s; name the study with --study."),
    "bad_transition": _l("A round that is %(old)s cannot become %(new)s."),
    "unknown_question": _l("Unknown questions: %(keys)s."),
    "reason_required": _l("Give a reason for this change."),
    "already_submitted": _l("These answers have already been submitted."),
    "declined": _l("This invitation was declined."),
    "round_not_open": _l("This round is not open."),
    "bad_reminder_days": _l(
        "Give the days after the invitation as whole numbers from 1 to %(max)s, ascending and "
        "separated by commas, for example 7,14,21 (not %(value)s)."
    ),
    "bad_reminder_hour": _l("Give the local hour as HH:MM, for example 09:00 (not %(value)s)."),
    "bad_reminder_max": _l("The number of reminders must be from 1 to %(max)s."),
    "bad_zone": _l("Unknown time zone %(zone)s; use a name such as Asia/Shanghai."),
    "incomplete": _l("Some answers are missing or need attention: %(keys)s."),
    "not_submitted": _l("These answers have not been submitted yet."),
    "unknown_status": _l("Unknown review state %(status)s."),
    "nothing_to_follow_up": _l(
        "No discrepancy matches this selection, so there is nothing to ask again."
    ),
    "followup_of_followup": _l(
        "%(slug)s is itself a follow-up round; ask again from its original round."
    ),
    "unknown_reveal": _l("Unknown choice %(reveal)s; use none or counterpart."),
    "reveal_owner": _l("Only an owner of the study may show each side the other's answers."),
    "note_required": _l("Write a note explaining this decision."),
    "decision_conflict": _l(
        "Someone else decided this discrepancy while you were looking at it. "
        "Nothing was changed; reload to see their decision."
    ),
    "not_tabulable": _l("%(key)s has no options to count."),
    "bad_choice": _l("%(value)s is not one of: %(allowed)s."),
    "unknown_kind": _l("No pair of this round is of the kind %(kind)s; its kinds are: %(kinds)s."),
    "export_failed": _l("The export could not be written: %(reason)s"),
    "wrong_code": _l("The code is wrong or already used, or the account is locked."),
    "two_factor_already_on": _l("Two-factor sign-in is already on."),
    "two_factor_not_started": _l("Start setting up two-factor sign-in first."),
    "two_factor_required": _l(
        "Two-factor sign-in is required for your account, so it cannot be turned off."
    ),
    "header_line_break": _l("Line breaks are not allowed here."),
    "token_scope": _l("Choose a scope: %(scopes)s."),
    "token_days": _l("A token lasts from 1 to %(most)s days."),
    "version_conflict": _l(
        "Version %(version)s of %(key)s already exists with different content; "
        "give the changed questionnaire a new version."
    ),
}


def message(code: str, **params: Any) -> str:
    """The message for `code` in the current language (English outside an app)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    text = str(template) if has_app_context() else template._args[0]
    return text % params if params else text


def translate(text: str, **params: Any) -> str:
    """gettext when an app is active (the current locale), the English text otherwise."""
    if has_app_context():
        from flask_babel import gettext

        return gettext(text, **params)
    return text % params if params else text
