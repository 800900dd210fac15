"""Flask's signed-cookie sessions with their serializer made once per key (survey.security)."""

from __future__ import annotations

import pytest
from itsdangerous import BadSignature


def test_the_serializer_is_made_once_and_again_when_the_key_changes(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    signed = first.dumps({"respondent": {"i": 1}})
    old_key = app.secret_key
    app.secret_key = "a-rotated-secret-key-with-enough-symbols-0123456789"
    try:
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first
        with pytest.raises(BadSignature):
            rotated.loads(signed)  # the old key no longer opens the cookie…
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert interface.get_signing_serializer(app).loads(signed) == {"respondent": {"i": 1}}
    finally:  # …unless it is named as a fallback, as Flask documents
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_a_session_set_in_one_request_is_read_in_the_next(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["respondent"] = {"i": 7, "h": "x"}
    with client.session_transaction() as session:
        assert session["respondent"] == {"i": 7, "h": "x"}
