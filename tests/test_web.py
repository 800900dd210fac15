"""Headers, error pages and request limits on every response."""

from __future__ import annotations

from tests.fixtures.web import text_of


def test_security_headers_on_pages_and_errors(client):
    for path in ("/login", "/no-such-page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in {"same-origin", "no-referrer"}
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP in tests


def test_a_views_own_security_header_is_kept_and_hsts_comes_with_secure_cookies(
    app, client, monkeypatch
):
    """A respondent link's stricter Referrer-Policy is not doubled nor replaced."""
    headers = client.get("/r/anything").headers
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    secure = client.get("/login").headers
    assert secure.getlist("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]


def test_not_found_page_is_trilingual_without_internals(client):
    response = client.get("/no-such-page")
    page = text_of(response)
    assert response.status_code == 404
    assert "This page does not exist" in page
    assert "此页面不存在" in page
    assert "此頁面不存在" in page
    assert "Traceback" not in page


def test_unexpected_error_shows_no_traceback(fresh_app):
    def boom():
        raise RuntimeError("secret internals")

    boom._policy = "public"
    fresh_app.add_url_rule("/boom-test-route", "boom_test", boom)
    response = fresh_app.test_client().get("/boom-test-route")
    assert response.status_code == 500
    assert "secret internals" not in text_of(response)
    assert "Something went wrong on our side" in text_of(response)


def test_oversized_request_is_refused(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
