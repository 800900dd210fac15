"""longtext: several paragraphs of free text, stored exactly as typed."""

from __future__ import annotations

from survey.core.types.text import TextType


class LongTextType(TextType):
    """Several paragraphs of free text, stored exactly as typed."""

    name = "longtext"
    default_rule = "none"
    widget = "textarea"
    input_attributes = ""
