"""Variable names and labels that each statistical format accepts (docs/exports.md).

Names: a name that is already valid and unique keeps itself; otherwise runs of invalid
characters become `_` (`Q1-a` → `Q1_a`), a name that cannot start as it does gets a
prefix, a reserved word gets a trailing `_`, the result is cut to the length limit and
a collision gets `_2`, `_3`, … Names that were valid claim theirs first, so renaming
one variable never renames another. The mapping goes into the codebook.

Labels are cut to the format's limit at a character boundary (never inside a UTF-8
sequence); the codebook keeps the full text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from survey.exports.dataset import Variable

SPSS_RESERVED = frozenset(
    {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
)
STATA_RESERVED = frozenset(
    {
        "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int",
        "long", "_n", "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
    }
)  # fmt: skip
R_RESERVED = frozenset(
    {
        "if", "else", "repeat", "while", "function", "for", "in", "next", "break",
        "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_",
        "NA_character_", "NA_complex_",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Rules:
    """One format's naming rules."""

    limit: int  # characters; the names are ASCII, so bytes too
    valid: re.Pattern[str]  # a whole valid name
    invalid_run: re.Pattern[str]  # characters to replace by "_"
    prefix: str  # put before a name that does not start validly
    starts_ok: Callable[[str], bool]
    reserved: Callable[[str], bool]
    fold: Callable[[str], str]  # two names are the same if their folds are equal


def _spss_reserved(name: str) -> bool:
    return name.upper() in SPSS_RESERVED


def _stata_reserved(name: str) -> bool:
    return name in STATA_RESERVED or re.fullmatch(r"str[0-9]+", name) is not None


RULES: dict[str, Rules] = {
    # SPSS: a letter first, then letters, digits and _ . @ # $; not ending in "."; case-blind.
    "sav": Rules(
        64,
        re.compile(r"[A-Za-z][A-Za-z0-9_.@#$]*(?<!\.)"),
        re.compile(r"[^A-Za-z0-9_.@#$]+"),
        "v",
        lambda n: n[:1].isascii() and n[:1].isalpha(),
        _spss_reserved,
        str.upper,
    ),
    # Stata: a letter or _ first, then letters, digits and _; case-sensitive.
    "dta": Rules(
        32,
        re.compile(r"[A-Za-z_][A-Za-z0-9_]*"),
        re.compile(r"[^A-Za-z0-9_]+"),
        "v",
        lambda n: n[:1] == "_" or (n[:1].isascii() and n[:1].isalpha()),
        _stata_reserved,
        str,
    ),
    # R (make.names): a letter, or a dot not followed by a digit, first; letters, digits, _ .
    "rds": Rules(
        10_000,
        re.compile(r"(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9_.]*"),
        re.compile(r"[^A-Za-z0-9_.]+"),
        "X",
        lambda n: re.match(r"[A-Za-z]|\.(?![0-9])", n) is not None,
        R_RESERVED.__contains__,
        str,
    ),
}


def is_valid(name: str, fmt: str, limit: int | None = None) -> bool:
    """Whether `name` is a valid variable name in `fmt` on its own (uniqueness aside)."""
    rules = RULES[fmt]
    return (
        len(name) <= (limit or rules.limit)
        and rules.valid.fullmatch(name) is not None
        and not rules.reserved(name)
    )


def sanitize(name: str, fmt: str, limit: int | None = None) -> str:
    """`name` made valid in `fmt`, before making it unique."""
    rules = RULES[fmt]
    limit = limit or rules.limit
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    clean = rules.invalid_run.sub("_", ascii_name) or rules.prefix
    if not rules.starts_ok(clean):
        clean = rules.prefix + clean
    if rules.reserved(clean):
        clean += "_"
    return _trim(clean[:limit], fmt)


def _trim(name: str, fmt: str) -> str:
    """SPSS names must not end in a period."""
    return (name.rstrip(".") or RULES[fmt].prefix) if fmt == "sav" else name


def rename(names: Sequence[str], fmt: str, limits: Sequence[int] | None = None) -> dict[str, str]:
    """A valid, unique name in `fmt` for each of `names` (which are unique themselves)."""
    rules = RULES[fmt]
    limits = limits or [rules.limit] * len(names)
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name, limit in zip(names, limits, strict=True):  # valid names claim theirs first
        if is_valid(name, fmt, limit) and rules.fold(name) not in taken:
            result[name] = name
            taken.add(rules.fold(name))
    for name, limit in zip(names, limits, strict=True):
        if name in result:
            continue
        candidate = sanitize(name, fmt, limit)
        base, number = candidate.rstrip("_") or candidate, 2
        while rules.fold(candidate) in taken:
            suffix = f"_{number}"
            candidate = _trim(base[: limit - len(suffix)], fmt) + suffix
            number += 1
        result[name] = candidate
        taken.add(rules.fold(candidate))
    return {name: result[name] for name in names}


def format_names(variables: Iterable[Variable], fmt: str) -> dict[str, str]:
    """Dataset name → name in `fmt`, for the variables that `fmt` writes.

    Stata: pyreadstat names each value-label set after its variable plus a running
    number (`name` + "0", "1", …) and Stata caps that name at 32 characters too, so a
    labelled variable's name leaves room for the number.
    """
    chosen = [v for v in variables if fmt in v.formats]
    if fmt != "dta":
        return rename([v.name for v in chosen], fmt)
    limits, count = [], 0
    for v in chosen:
        if v.stat_labelled:
            limits.append(RULES["dta"].limit - len(str(count)))
            count += 1
        else:
            limits.append(RULES["dta"].limit)
    return rename([v.name for v in chosen], fmt, limits)


# ---------------------------------------------------------------------------- labels

LABEL_LIMITS = {
    # format: (variable label, value label, file label), each (limit, "bytes" | "chars")
    "sav": ((256, "bytes"), (120, "bytes"), (64, "bytes")),
    "dta": ((80, "chars"), (32_000, "chars"), (80, "chars")),
}


def cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def cut(text: str, fmt: str, which: str) -> str:
    """`text` cut to `fmt`'s limit for a 'variable', 'value' or 'file' label."""
    limits = LABEL_LIMITS.get(fmt)
    if limits is None:
        return text
    limit, unit = limits[("variable", "value", "file").index(which)]
    if unit == "bytes":
        return cut_bytes(text, limit)
    # Stata counts characters but stores 4 bytes for each at most; keep both true.
    return cut_bytes(text[:limit], limit * 4)
