"""R (.rds): a data.frame serialised here (pyreadr cannot write attributes) with labels."""

from __future__ import annotations

import array
import gzip
import struct
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

from survey.exports import naming
from survey.exports.dataset import Dataset, Variable, text_for
from survey.exports.writers.stat_encoding import (
    UNIX_EPOCH,
    ColumnEncoder,
    _clock,
    _dates,
    _encode_columns,
    _lookup,
    _numbers,
    _other,
    _texts,
    _times,
)
from survey.exports.writers.targets import Target, path_or_stream

R_NA_INTEGER = -(2**31)
R_NA_REAL = struct.unpack(">d", bytes.fromhex("7ff00000000007a2"))[0]
_R_INT = struct.Struct(">i")
_R_SERIAL_VERSION = 2  # readable by every R since 1.4
_R_WRITER = (4 << 16) | (2 << 8) | 2  # "written by" R 4.2.2
_R_MIN_READER = (2 << 16) | (3 << 8)  # R 2.3.0
_STRSXP, _INTSXP, _REALSXP, _VECSXP, _LISTSXP, _SYMSXP, _CHARSXP = 16, 13, 14, 19, 2, 1, 9
_NILVALUE = 254
_UTF8, _ASCII = 8, 64  # CHARSXP encoding flags


def write_rds(dataset: Dataset, target: Target, *, lang: str = "en") -> int:
    """An R data.frame (.rds, gzip, serialisation version 2) with labels in `lang`.

    Every column has a "label" attribute; codes are factors (ordered for scales) whose
    levels are the option labels; dates are Date, times POSIXct in UTC; dk/rf are NA,
    and the `<name>_dkrf` factor says which.
    """
    table = dataset.table("rds")
    names = naming.format_names(table.variables, "rds")
    encoders = [_r_encoder(v) for v in table.variables]
    columns, count = _encode_columns(table, encoders)
    with path_or_stream(target, binary=True) as out, _gzip(out) as stream:
        serializer = _RSerializer(stream)
        writers = [
            _r_column_writer(serializer, v, column, lang)
            for v, column in zip(table.variables, columns, strict=True)
        ]
        serializer.data_frame([names[v.name] for v in table.variables], writers, count)
    return count


def _gzip(out: str | IO[bytes]) -> gzip.GzipFile:
    if isinstance(out, str):
        return gzip.GzipFile(out, "wb", compresslevel=6, mtime=0)
    return gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0)


def _r_encoder(v: Variable) -> ColumnEncoder:
    """A column → what the R column holds: text, factor indexes, or doubles; NA for no
    answer and for dk/rf (the `_dkrf` factor, itself a code variable, says which)."""
    if v.kind in ("string", "codes"):
        return _texts(None, special_missing=bool(v.specials))
    na_specials = {} if v.role == "special" else {s: R_NA_INTEGER for s in v.specials}
    if v.kind == "code":
        table = {code: i for i, code in enumerate(v.value_labels or {}, start=1)}
        return _lookup(v, table | na_specials | {None: R_NA_INTEGER})
    other = _other(v, dict.fromkeys(v.specials, R_NA_REAL), R_NA_REAL)
    if v.kind == "date":
        return _dates(v, UNIX_EPOCH.date(), 1.0, other)
    if v.kind == "datetime":
        return _times(v, UNIX_EPOCH, 1.0, R_NA_REAL)
    if v.kind in ("time", "clock"):
        return _clock(v, UNIX_EPOCH, 1.0, other)
    return _numbers(v, other)


def _r_column_writer(
    r: _RSerializer, v: Variable, values: list[Any], lang: str
) -> Callable[[], None]:
    label = [("label", lambda: r.strings([v.label_in(lang)]))]
    if v.kind in ("string", "codes"):
        return lambda: r.strings(values, label)
    if v.kind == "code":
        levels = _r_levels(v, lang)
        classes = ["ordered", "factor"] if v.ordered else ["factor"]
        attributes = [
            ("levels", lambda: r.strings(levels)),
            ("class", lambda: r.strings(classes)),
            *label,
        ]
        return lambda: r.integers(values, attributes)
    if v.kind == "date":
        return lambda: r.reals(values, [("class", lambda: r.strings(["Date"])), *label])
    if v.kind in ("datetime", "clock"):  # a clock reads as UTC, as haven reads SPSS's
        attributes = [
            ("class", lambda: r.strings(["POSIXct", "POSIXt"])),
            ("tzone", lambda: r.strings(["UTC"])),
            *label,
        ]
        return lambda: r.reals(values, attributes)
    if v.kind == "time":  # seconds since midnight: hms (difftime in base R), as haven's
        attributes = [
            ("units", lambda: r.strings(["secs"])),
            ("class", lambda: r.strings(["hms", "difftime"])),
            *label,
        ]
        return lambda: r.reals(values, attributes)
    return lambda: r.reals(values, label)


def _r_levels(v: Variable, lang: str) -> list[str]:
    """Factor levels: the option labels in `lang`; a repeated label gets its code added."""
    labels = [(code, text_for(text, lang) or str(code)) for code, text in _items(v)]
    seen = [label for _, label in labels]
    return [label if seen.count(label) == 1 else f"{label} ({code})" for code, label in labels]


def _items(v: Variable) -> list[tuple[Any, Any]]:
    return list((v.value_labels or {}).items())


_R_NA_STRING = _R_INT.pack(_CHARSXP) + _R_INT.pack(-1)
_R_ASCII = _R_INT.pack(_CHARSXP | _ASCII << 12)
_R_UTF8 = _R_INT.pack(_CHARSXP | _UTF8 << 12)


def _charsxp(text: str | None) -> bytes:
    """One string as R serialises it: flags (ASCII or UTF-8), length in bytes, bytes."""
    if text is None:
        return _R_NA_STRING
    data = text.encode("utf-8")
    flags = _R_ASCII if len(data) == len(text) else _R_UTF8
    return flags + _R_INT.pack(len(data)) + data


class _RSerializer:
    """Just enough of R's serialisation format (XDR, version 2) for a data.frame."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        out.write(b"X\n")
        for number in (_R_SERIAL_VERSION, _R_WRITER, _R_MIN_READER):
            self._int(number)

    def _int(self, number: int) -> None:
        self.out.write(_R_INT.pack(number))

    def _flags(
        self,
        kind: int,
        *,
        is_object: bool = False,
        attributes: bool = False,
        tag: bool = False,
        levels: int = 0,
    ) -> None:
        self._int(kind | is_object << 8 | attributes << 9 | tag << 10 | levels << 12)

    def _head(self, kind: int, length: int, attributes: Sequence[tuple[str, Any]]) -> None:
        is_object = any(name == "class" for name, _ in attributes)
        self._flags(kind, is_object=is_object, attributes=bool(attributes))
        self._int(length)

    def _attributes(self, attributes: Sequence[tuple[str, Callable[[], None]]]) -> None:
        if not attributes:
            return
        for name, write in attributes:  # a pairlist: tag (a symbol), value, next
            self._flags(_LISTSXP, tag=True)
            self._flags(_SYMSXP)
            self._charsxp(name)
            write()
        self._int(_NILVALUE)

    def _charsxp(self, text: str | None) -> None:
        self.out.write(_charsxp(text))

    def strings(self, values: Sequence[str | None], attributes: Sequence[Any] = ()) -> None:
        self._head(_STRSXP, len(values), attributes)
        known: dict[str | None, bytes] = {}  # the same texts recur down a column
        chunk = []
        for value in values:
            encoded = known.get(value)
            if encoded is None:
                encoded = known[value] = _charsxp(value)
            chunk.append(encoded)
            if len(chunk) == 4096:
                self.out.write(b"".join(chunk))
                chunk.clear()
        self.out.write(b"".join(chunk))
        self._attributes(attributes)

    def integers(self, values: Sequence[int], attributes: Sequence[Any] = ()) -> None:
        self._numbers(_INTSXP, array.array("i", values), attributes)

    def reals(self, values: Sequence[float], attributes: Sequence[Any] = ()) -> None:
        self._numbers(_REALSXP, array.array("d", values), attributes)

    def _numbers(self, kind: int, data: array.array[Any], attributes: Sequence[Any]) -> None:
        self._head(kind, len(data), attributes)
        if sys.byteorder == "little":
            data.byteswap()  # XDR is big-endian
        self.out.write(data.tobytes())
        self._attributes(attributes)

    def data_frame(self, names: list[str], columns: list[Callable[[], None]], rows: int) -> None:
        self._head(_VECSXP, len(columns), [("class", None)])
        for write in columns:
            write()
        row_names = [R_NA_INTEGER, -rows] if rows else []  # R's compact automatic row names
        self._attributes([
            ("names", lambda: self.strings(names)),
            ("class", lambda: self.strings(["data.frame"])),
            ("row.names", lambda: self.integers(row_names)),
        ])  # fmt: skip
