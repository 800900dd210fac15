"""XSS-04 and XSS-05: what may reach a page unescaped, checked over the code and every response.

The static checks read the templates and the Python sources; each use of a construct that
marks text as safe must be on the allow-list below, with the reason it is safe. The
catalogues are linted so that a translation can carry no markup its English source does not
(Flask-Babel's lazy strings and Jinja's new-style gettext treat a msgstr as markup).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string

from tests.fixtures.web import login

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "survey"
TEMPLATES = sorted(set(SURVEY.rglob("templates/**/*.html")) | set(SURVEY.glob("templates/*.html")))
SOURCES = sorted(SURVEY.rglob("*.py"))

# Markup() around something other than a literal: where, and why the text inside is safe.
MARKUP_ALLOWED = {
    ("templating.py", "Markup('<span class=\"nowrap\">%s</span>') % part"): (
        "a literal template; `%` escapes `part`"
    ),
    ("responding/drawing.py", "Markup(''.join(['\\n    ' + str(item.html) for item in items]))"): (
        "each item's html is a Markup the widget drew with every value escaped"
    ),
    ("widgets.py", "Markup(html)"): (
        "html is built from compiled parts (escaped when compiled) and escaped values"
    ),
    ("roster_widgets.py", "Markup(''.join(parts))"): (
        "every part is a literal with escaped values, or a cell's widget from question_html"
    ),
}
# Attributes that take a URL must get one the server built.
URL_ATTRIBUTE = re.compile(r'\b(?:href|src|action|formaction)="\{\{\s*([^}]*?)\s*\}\}')
SERVER_URLS = ("url_for(", "url(", "listing.url(", "listing.sort_url(")
# Macro parameters that take a URL: every caller passes one the server built.
URL_PARAMETERS = {
    ("templates/ui.html", "href"): "breadcrumbs, link_button, pair_name: callers pass url_for()",
    ("templates/ui.html", "action"): "post_button: callers pass url_for()",
    ("templates/ui.html", "csv_url"): "bar_chart: callers pass url_for()",
}
TAG = re.compile(r"</?\s*([a-zA-Z][\w-]*)")


def relative(path: Path) -> str:
    return str(path.relative_to(SURVEY))


def test_templates_never_mark_text_safe_or_leave_attributes_unquoted():
    assert TEMPLATES, "the templates were found"
    problems = []
    for path in TEMPLATES:
        text = path.read_text("utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{relative(path)}:{number}"
            if re.search(r"\|\s*safe\b", line):
                problems.append(f"{where}: |safe")
            if re.search(r"\{%-?\s*autoescape\s+false", line):
                problems.append(f"{where}: autoescape false")
            if re.search(r"\s[\w:-]+=\{\{", line):
                problems.append(f"{where}: an unquoted attribute value")
            for value in URL_ATTRIBUTE.findall(line):
                if (
                    not value.startswith(SERVER_URLS)
                    and (relative(path), value) not in URL_PARAMETERS
                ):
                    problems.append(f"{where}: a URL attribute from {value!r}, not url_for")
    assert problems == []


def _markup_calls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Markup":
            literal = all(isinstance(arg, ast.Constant) for arg in node.args)
            if not literal:
                calls.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Call):
            inner = node.left
            if getattr(inner.func, "id", None) == "Markup":
                calls.append((node.lineno, ast.unparse(node)))
    return calls


def test_python_marks_only_allowed_text_safe():
    found = {}
    for path in SOURCES:
        text = path.read_text("utf-8")
        if "render_template_string" in text:
            found[(relative(path), "render_template_string")] = "not allowed"
        for line, call in _markup_calls(path):
            key = (relative(path), call)
            if key not in MARKUP_ALLOWED:
                found[key] = f"line {line}: Markup() of something other than a literal"
    assert found == {}, "add to MARKUP_ALLOWED only with the reason the text is safe"
    # and every allowed use still exists: the list says what the code does
    present = {(relative(p), call) for p in SOURCES for _line, call in _markup_calls(p)}
    assert set(MARKUP_ALLOWED) <= present, set(MARKUP_ALLOWED) - present


def tags(text: str) -> list[str]:
    return sorted(tag.lower() for tag in TAG.findall(text))


def catalogue_problems(path: Path) -> list[str]:
    """Translations carrying markup (tags) their English source does not carry."""
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = tags(" ".join(ids))
        for string in strings:
            if tags(string) != allowed:
                problems.append(f"{ids[0][:60]!r}: {string[:80]!r}")
    return problems


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_translations_carry_no_markup_of_their_own(locale):
    po = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    assert catalogue_problems(po) == []


def test_the_catalogue_lint_finds_a_hostile_translation(tmp_path):
    hostile = tmp_path / "messages.po"
    hostile.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Sign in"\nmsgstr "登录<script>alert(1)</script>"\n\n'
        'msgid "Go to <b>%(x)s</b>"\nmsgstr "前往<b>%(x)s</b>"\n\n'
        'msgid "Next"\nmsgstr "<img src=x onerror=alert(1)>下一步"\n',
        encoding="utf-8",
    )
    problems = catalogue_problems(hostile)
    assert len(problems) == 2
    assert "Sign in" in problems[0]
    assert "Next" in problems[1]


def test_values_put_into_translated_text_are_escaped(app):
    payload = "<script>alert(1)</script>"
    with app.test_request_context("/"):
        page = render_template_string("{{ _('Hello %(name)s', name=name) }}", name=payload)
    assert payload not in page
    assert "&lt;script&gt;" in page


def test_every_response_carries_the_security_headers(app, client, session, make_user, make_study):
    """Pages, downloads, redirects and errors (XSS-04's runtime check)."""
    owner = make_user()
    study = make_study(owner=owner)
    login(client, owner.email)
    paths = ["/", "/login", "/no-such-page", f"/studies/{study.slug}/", "/?q=a%00"]
    paths += [f"/studies/{study.slug}/audit/?format=csv", f"/studies/{study.slug}/pairs/?page=x"]
    paths += ["/r/not-a-link", "/respond/", "/static/researcher.css"]
    for path in paths:
        with client.get(path) as response:
            headers = response.headers
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
            assert headers["X-Content-Type-Options"] == "nosniff", path
            assert headers["Referrer-Policy"] in {"same-origin", "no-referrer"}, path


def test_every_template_is_autoescaped(app):
    files = [p for p in SURVEY.rglob("*") if p.is_file() and "templates" in p.parts]
    assert files
    for path in files:
        assert app.select_jinja_autoescape(path.name), relative(path)
