"""Studies, their sides and members, pairs and respondents."""

from flask import Blueprint

bp = Blueprint("studies", __name__, template_folder="templates")
