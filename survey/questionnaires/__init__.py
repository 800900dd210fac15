"""Questionnaire versions: import, storage, preview, translation completeness, impact."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__, template_folder="templates")
