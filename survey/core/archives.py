"""Zip archives (.xlsx workbooks are zips) checked before a parser opens them (FILE-01).

A 3.9 MB workbook can unpack to 1.5 GB: openpyxl and pyxform would read it all and hold a
worker until it is killed (issue 15, F3). The central directory says how large every member
unpacks and how many there are; Python's zipfile never inflates a member past its declared
size, so checking the declared sizes bounds what any reader of the file can unpack.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a workbook of 20,000 pairs unpacks to about 15 MB
MAX_MEMBERS = 1000  # a workbook has a few dozen parts


class ArchiveTooLargeError(ValueError):
    """An archive that unpacks too large or holds too many members; nothing was parsed."""

    def __init__(self, reason: str, **params: int) -> None:
        self.reason = reason  # "unpacked_size" or "members"
        self.params = params
        super().__init__(self.describe())

    def shown(self) -> dict[str, str]:
        """The numbers as a message shows them: counts, or sizes in MB."""
        if self.reason == "members":
            return {name: f"{value:,}" for name, value in self.params.items()}
        return {name: f"{value / 1_048_576:,.0f}" for name, value in self.params.items()}

    def describe(self) -> str:
        shown = self.shown()
        if self.reason == "members":
            return (
                f"the file holds {shown['members']} parts, more than the "
                f"{shown['limit']} a workbook may have"
            )
        return (
            f"the file unpacks to {shown['size']} MB, more than the "
            f"{shown['limit']} MB a workbook may have"
        )


def check_archive(source: Path | bytes) -> None:
    """Raise ArchiveTooLargeError when `source`, if it is a zip, would unpack too large.

    Anything that is not a zip passes: its own reader says what is wrong with it.
    """
    opened = BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(opened) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if len(members) > MAX_MEMBERS:
        raise ArchiveTooLargeError("members", members=len(members), limit=MAX_MEMBERS)
    size = sum(member.file_size for member in members)
    if size > MAX_UNPACKED_BYTES:
        raise ArchiveTooLargeError("unpacked_size", size=size, limit=MAX_UNPACKED_BYTES)
