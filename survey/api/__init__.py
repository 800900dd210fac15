"""The JSON API under `/api/v1/` (issue 18): bearer tokens per user and study, OpenAPI 3.1.

`models` (tokens, idempotent requests), `tokens` (create, list, revoke, look up by hash),
`problems` (RFC 9457 errors in the Accept-Language language), `auth` (the bearer check,
scopes, roles, throttle), `schemas` (pydantic models that validate requests and shape
responses, and through spectree give the OpenAPI document), `paging` (cursors, `Link`),
the views (`views`, `read_views`, `write_views`, `export_views`), `cli` (`survey token`)
and the study page that manages tokens (`token_views`). See docs/api.md.
"""
