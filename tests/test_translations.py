"""Every interface string is translated into zh_Hans and zh_Hant, and the catalogue is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = ("zh_Hans", "zh_Hant")
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
TAG = re.compile(r"<[a-zA-Z/]")


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "translations/babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "-k",
            "translate",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(target),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return target


def test_pot_is_current(fresh_pot):
    with fresh_pot.open("rb") as fresh, (TRANSLATIONS / "messages.pot").open("rb") as stored:
        assert _ids(read_po(fresh)) == _ids(read_po(stored)), (
            "translations/messages.pot is stale: run pybabel extract (see docs/translations.md)"
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(locale, fresh_pot):
    with fresh_pot.open("rb") as handle:
        wanted = _ids(read_po(handle))
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if msgid not in wanted:
            continue
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {msgid!r}")
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(msgid)):
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
            if TAG.search(string) and not TAG.search(msgid):
                problems.append(f"markup in translation: {string!r}")
    missing = wanted - _ids(catalog)
    problems += [f"missing: {m!r}" for m in sorted(missing)]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_the_po_file(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    as_dict = {m.id: m.string for m in source if m.id and not m.fuzzy}
    assert as_dict == {m.id: m.string for m in compiled if m.id}
