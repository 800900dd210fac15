"""docs/deployment.md describes what the deployment test runs (part of the default suite)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.deployment.stack import HERE, Ports, Stack, app_environment

DOC = (HERE.parent.parent / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_the_nginx_configuration_shown_is_the_one_the_test_runs() -> None:
    shown = re.search(r"```nginx\n(.*?)```", DOC, re.DOTALL)
    assert shown is not None
    assert shown.group(1) == (HERE / "nginx.conf").read_text(encoding="utf-8")


def test_the_gunicorn_command_shown_is_the_one_the_test_runs(tmp_path: Path) -> None:
    shown = re.search(r"```sh\n(gunicorn .*?)\n```", DOC, re.DOTALL)
    assert shown is not None
    command = Stack(tmp_path, "postgresql://unused/none").gunicorn_command(Ports().app_a)
    assert shlex.split(shown.group(1).replace("\\\n", " ")) == ["gunicorn", *command[3:]]


def test_every_setting_the_test_gives_the_app_is_documented() -> None:
    settings = [
        k for k in app_environment("postgresql://unused/none", Ports()) if k.startswith("SURVEY_")
    ]
    assert settings
    missing = [
        name for name in settings if f"`{name}`" not in DOC and name != "SURVEY_DEPLOY_PORTS"
    ]
    assert not missing
