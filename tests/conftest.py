"""Test configuration: fixture modules are plugins (STYLE.md 16)."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.web",
    "tests.fixtures.factories",
    "tests.fixtures.smtp",
    "tests.fixtures.followups",
]
