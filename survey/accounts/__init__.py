"""Researcher accounts: login, logout, sessions, roles and the authorisation check."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")
