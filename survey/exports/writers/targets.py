"""Where a writer writes: a path (through a temporary file renamed into place) or a stream."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

Target = str | os.PathLike[str] | IO[Any]


@contextmanager
def path_or_stream(target: Target, *, binary: bool) -> Iterator[Any]:
    """A file to write: a path is written atomically; a stream is used as it is."""
    if not isinstance(target, str | os.PathLike):
        yield target
        return
    path = Path(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        if binary:
            yield temporary
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def text_target(target: Target) -> Iterator[IO[str]]:
    """A UTF-8 text stream over a path, a text stream or a binary stream (left open)."""
    with path_or_stream(target, binary=False) as stream:
        if _is_text(stream):
            yield stream
            return
        wrapper = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        try:
            yield wrapper
        finally:
            wrapper.flush()
            wrapper.detach()


def _is_text(stream: Any) -> bool:
    if isinstance(stream, io.TextIOBase):
        return True
    if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
        return False
    return "b" not in getattr(stream, "mode", "w")


@contextmanager
def _file_path(target: Target) -> Iterator[str]:
    """A path for libraries that only write paths; copied to the stream if given one."""
    if isinstance(target, str | os.PathLike):
        with path_or_stream(target, binary=True) as path:
            yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export")
        yield path
        with open(path, "rb") as source:
            shutil.copyfileobj(source, target)
