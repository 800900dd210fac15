"""Interview rounds: invitations, links, the outbox, monitoring and interviewer entry."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, template_folder="templates")
