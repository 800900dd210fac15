"""Language names in XLSForm headers (`label::Chinese (zh-Hans)`) to BCP 47 tags and back."""

from __future__ import annotations

import re

# (tag, the name dump_xlsform writes in headers, other names accepted on import)
_LANGUAGES: tuple[tuple[str, ...], ...] = (
    ("en", "English"),
    ("zh-Hans", "Simplified Chinese", "Chinese", "Chinese (Simplified)", "Chinese Simplified",
     "Mandarin", "中文", "汉语", "简体中文", "簡體中文", "简体", "中文(简体)", "中文（简体）"),
    ("zh-Hant", "Traditional Chinese", "Chinese (Traditional)", "Chinese Traditional",
     "繁體中文", "繁体中文", "繁體", "漢語", "中文(繁體)", "中文（繁體）"),
    ("fr", "French", "Français"), ("de", "German", "Deutsch"), ("es", "Spanish", "Español"),
    ("pt", "Portuguese", "Português"), ("it", "Italian", "Italiano"),
    ("nl", "Dutch", "Nederlands"), ("ru", "Russian", "Русский"), ("ar", "Arabic", "العربية"),
    ("fa", "Persian", "Farsi", "فارسی"), ("ja", "Japanese", "日本語"), ("ko", "Korean", "한국어"),
    ("vi", "Vietnamese", "Tiếng Việt"), ("th", "Thai", "ไทย"),
    ("id", "Indonesian", "Bahasa Indonesia"), ("hi", "Hindi", "हिन्दी"), ("bn", "Bengali", "বাংলা"),
    ("ur", "Urdu", "اردو"), ("ne", "Nepali", "नेपाली"), ("sw", "Swahili", "Kiswahili"),
    ("am", "Amharic", "አማርኛ"), ("ha", "Hausa"), ("so", "Somali", "Soomaali"),
    ("tet", "Tetun", "Tetum"), ("my", "Burmese", "Myanmar"), ("km", "Khmer"), ("lo", "Lao"),
    ("tr", "Turkish", "Türkçe"),
)  # fmt: skip
LANGUAGE_NAMES = {name.casefold(): tag for tag, *names in _LANGUAGES for name in names}
_HEADER_NAMES = {tag: names[0] for tag, *names in _LANGUAGES}
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_PARENS = re.compile(r"(?P<name>.*?)\s*\((?P<code>[^()]*)\)")


def language_tag(name: str) -> str | None:
    """The BCP 47 tag for an XLSForm language ('English (en)', 'chinese', 'zh-TW'), or None."""
    text = " ".join(name.split())
    match = _PARENS.fullmatch(text)
    if match and (tag := _normalise_tag(match["code"].strip())):
        return tag
    for candidate in (text, match["name"]) if match else (text,):
        if tag := LANGUAGE_NAMES.get(candidate.casefold()):
            return tag
    return _normalise_tag(text)


def language_header(tag: str) -> str:
    """The language suffix dump_xlsform writes for a tag, e.g. 'English (en)'."""
    return f"{_HEADER_NAMES.get(tag, tag)} ({tag})"


def _normalise_tag(code: str) -> str | None:
    if not _TAG.fullmatch(code):
        return None
    subtags = code.replace("_", "-").split("-")
    if subtags[0].lower() == "zh":
        return _chinese(subtags[1:])
    return "-".join(_subtag_case(subtag, i) for i, subtag in enumerate(subtags))


def _chinese(subtags: list[str]) -> str:
    # The service tells Chinese texts apart by script; a region implies the script it uses.
    lowered = {subtag.lower() for subtag in subtags}
    if "hans" not in lowered and lowered & {"hant", "tw", "hk", "mo"}:
        return "zh-Hant"
    return "zh-Hans"


def _subtag_case(subtag: str, index: int) -> str:
    if index and len(subtag) == 4:
        return subtag.title()
    return subtag.upper() if index and len(subtag) == 2 else subtag.lower()
