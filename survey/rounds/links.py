"""Respondent link tokens (QUALITY.md TOK-01, TOK-05).

A token is HMAC-SHA256(link key, nonce), base64url: 256 bits. The database keeps
the random nonce and the SHA-256 of the token; the link key lives only in the
configuration. A copy of the database therefore yields no working link, while
every reminder can carry the same link as the invitation. Re-issuing replaces
the nonce, so the old link stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

MAX_TOKEN_LENGTH = 64  # checked before any lookup (TOK-06)


def new_nonce() -> str:
    """A fresh random nonce for one invitation's link."""
    return secrets.token_hex(32)


def token_for(link_key: str, nonce: str) -> str:
    """The link token of an invitation with this nonce."""
    digest = hmac.new(link_key.encode(), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database stores for lookup: SHA-256 of the token, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def plausible(token: str) -> bool:
    """Cheap shape check before touching the database."""
    return (
        20 <= len(token) <= MAX_TOKEN_LENGTH
        and token.replace("-", "").replace("_", "").isalnum()
        and token.isascii()
    )


def link_url(base_url: str, token: str) -> str:
    """The respondent's link, always on the configured base URL, never the request host."""
    return f"{base_url.rstrip('/')}/r/{token}"
