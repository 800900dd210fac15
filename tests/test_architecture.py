"""The house in order: imports run one way down the layers, no import cycles, short modules.

The layer order and the cycle rule are the import-linter contracts in pyproject.toml
(docs/architecture.md explains the order); each exception there names one import and whose
work removes it. import-linter reports an exception that no longer matches an import, so the
list can only shrink.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "survey"
MAX_LINES = 500
# Modules allowed over the limit for now, each with the lines it has; once under, its entry goes.
LONG_FOR_NOW: dict[str, int] = {}


def _lint_imports(*arguments: str) -> subprocess.CompletedProcess[str]:
    """import-linter's own command, on the project's contracts, without its cache."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), "--no-cache", "--config", str(ROOT / "pyproject.toml"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_imports_follow_the_layers_and_make_no_cycle():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # An upward import: the accounts layer reaching into a feature above it.
        ("survey/accounts/services.py", "from survey.exports import services", "layers"),
        # A cycle inside a package: the codebook rows importing the writers that use them.
        ("survey/exports/codebook.py", "from survey.exports import writers", "acyclic"),
    ],
)
def test_the_contracts_catch_a_wrong_import(tmp_path, module, line, contract):
    """The contracts are not vacuous: one wrong import in a copy of the tree breaks them."""
    import shutil

    copy = tmp_path / "tree"
    shutil.copytree(PACKAGE, copy / "survey", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", "utf-8")
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(command), "--no-cache", "--config", "pyproject.toml", "--contract", contract],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout


def test_no_module_is_over_500_lines():
    ours = [*PACKAGE.rglob("*.py"), *(PACKAGE / "static").glob("*.js")]  # not static/vendor
    long = {
        str(path.relative_to(ROOT)): count
        for path in sorted(ours)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    grown = {m: n for m, n in long.items() if n > LONG_FOR_NOW.get(m, MAX_LINES)}
    assert grown == {}, f"split these along their seams (at most {MAX_LINES} lines): {grown}"
    done = sorted(set(LONG_FOR_NOW) - set(long))
    assert done == [], f"under {MAX_LINES} lines now: remove them from LONG_FOR_NOW: {done}"


# The project's top level, as STYLE.md and the lead's layout name it: anything else (a build
# script's folder, a tool's config) belongs under one of these.
TOP_LEVEL = {
    ".ci",
    ".gitignore",
    "README.md",
    "benchmarks",
    "docs",
    "migrations",
    "pyproject.toml",
    "questionnaires",
    "survey",
    "tests",
    "translations",
}


def test_the_top_level_holds_only_the_agreed_folders_and_files():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: " + listed.stderr.strip())
    tops = {line.split("/", 1)[0] for line in listed.stdout.splitlines() if line}
    assert tops <= TOP_LEVEL, sorted(tops - TOP_LEVEL)
