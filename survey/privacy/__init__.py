"""Respondents' rights: what is held about a person (access), erasure, retention.

See docs/privacy.md. Above every feature whose tables hold a person's data (it reads and
clears them all), below the command line and the models module.
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__, template_folder="templates")
