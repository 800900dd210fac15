"""XLSForm import and export: ODK workbooks to and from the questionnaire model.

Workbooks are read through pyxform's own readers and header parser, so a workbook
reads here as ODK tools read it (.xlsx, .xls and pyxform's .md and .csv), header
aliases included (`list name`, `relevance`, `label:English`). Texts are kept as
written; only in `relevant` and `constraint` are typographic quotes made plain,
as pyxform does. The mapping, and what is refused, is documented in docs/xlsform.md.

The parts: `book` (the sheets and their columns of text per language), `reader` (rows
into sections), `questions` (a row into a question), `kinds` (row types), `skipping` (rows
left out, keys renamed; with `skip_unsupported`, rows dropped and what depended on them),
`loops` (`begin loop over L` as one question per choice and row),
`adapting` (choice names made codes, duplicate choices, a bare null), `fallback` (texts
missing in a language), `cells` (cell values both ways), `languages` (header names to
BCP 47 tags) and `writer`. What ODK accepts and survey adapts is adapted with or without
`skip_unsupported`, always with a warning.
"""

from survey.core.xlsform.book import EXTENSION_COLUMNS
from survey.core.xlsform.cells import compare_from_text, compare_to_text
from survey.core.xlsform.kinds import SUPPORTED
from survey.core.xlsform.languages import LANGUAGE_NAMES, language_header, language_tag
from survey.core.xlsform.reader import XLSFormRead, load_xlsform, read_xlsform
from survey.core.xlsform.writer import dump_xlsform

__all__ = [
    "EXTENSION_COLUMNS",
    "LANGUAGE_NAMES",
    "SUPPORTED",
    "compare_from_text",
    "compare_to_text",
    "dump_xlsform",
    "language_header",
    "language_tag",
    "XLSFormRead",
    "load_xlsform",
    "read_xlsform",
]
