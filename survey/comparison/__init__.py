"""Pair comparison: outcomes, discrepancies and their review, agreement and reports."""

from flask import Blueprint

bp = Blueprint("comparison", __name__, template_folder="templates")
