"""The API's routes gathered for the app factory: the JSON API's blueprint with its reads and
writes (`blueprint`, `read_views`, `write_views`) and the study's API tokens page."""

from __future__ import annotations

from survey.api import read_views, write_views  # noqa: F401  (their routes join the blueprint)
from survey.api.blueprint import bp
from survey.api.token_views import bp as tokens_bp

blueprints = (bp, tokens_bp)
