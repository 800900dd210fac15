"""The API's routes gathered for the app factory: the JSON API's blueprint with its reads and
writes (`blueprint`, `read_views`, `write_views`, `export_views`) and the study's API tokens
page."""

from __future__ import annotations

from survey.api import (  # noqa: F401  (their routes join `bp`)
    comparison_views,
    export_views,
    read_views,
    write_views,
)
from survey.api.blueprint import bp
from survey.api.spec import EXTRA_OPERATIONS
from survey.api.token_views import bp as tokens_bp

# The export streams a file, which spectree cannot validate: its operation is written from
# the same model that checks its query (export_views.ExportQuery).
EXTRA_OPERATIONS["/api/v1/studies/{slug}/rounds/{round_slug}/export"] = export_views.operation

blueprints = (bp, tokens_bp)
