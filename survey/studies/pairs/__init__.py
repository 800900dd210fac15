"""Pairs and respondents: the pairs file (all-or-nothing import, export) and the edits behind
the researcher pages (pairs, respondents, members, interviewer assignments).

The parts: `columns` (the file's columns and limits), `problems` (messages and errors),
`files` (reading and writing .csv/.xlsx), `checking` (cells and rows), `stored` (a study's
pairs as plain values), `importing`, `exporting`, `changes` (what an update changed),
`editing` (the pages' reads and edits) and `members`.

The pairs file (PRODUCT.md, "Exchange formats") has one row per side::

    pair, kind, established, side, place_en, place_zh, region, organization,
    respondent_name, respondent_email, respondent_phone, position, years_involved, language

Import
- All or nothing: every row is checked first; on any problem `PairsImportError` lists every
  problem (row as in the file, header = row 1; column) and nothing is written.
- Rows match on (pair code, side code): known pairs are updated in place, new ones created.
  Pairs of the study that the file does not mention are left alone (and reported).
- A standard column absent from the header leaves that field untouched; a blank cell in a
  present column clears it.
- Unknown columns become pair attributes (`Pair.attributes`) when both rows of the pair agree
  (a blank on one row is not a disagreement); a blank removes the attribute from that pair.
- Text is stored as given (no trimming; `=SUM(A1)` is just text). Codes, numbers, e-mail
  addresses and languages are normalised; CR/LF is refused in one-line fields (INJ-03).
- CSV: UTF-8 with or without BOM, else GB18030 (what Chinese Excel writes), or the encoding
  given; separated by commas (semicolons or tabs are recognised). XLSX: the first sheet.

Export writes the same columns (plus one per attribute) for the primary respondent of each side.
So that the CSV is safe to open in Excel (QUALITY.md INJ-02) a cell starting with = + - @ tab
CR or ' gets a leading ', and import strips a leading ' that is followed by one of those
characters, so export → import is exactly a no-op. XLSX cells are typed as text instead.

Audit: one row per import with counts, the created pair codes and, per updated pair, the
changed fields. Old → new values are kept for pair and place fields; for a respondent's name,
e-mail, phone and position only the field name: the audit log is append-only, so personal
contact data in it could not be erased (docs/privacy.md).

Members: a member may grant or change roles only up to their own (ACL-04 grant ceiling) and
never touch a member ranked above them; the last owner cannot be removed or demoted.
"""

from survey.studies.pairs.changes import FieldChange
from survey.studies.pairs.checking import check_table, clean
from survey.studies.pairs.columns import COLUMNS, PAGE_SIZE, PLACE_COLUMNS, RANK
from survey.studies.pairs.editing import (
    PairData,
    PlaceData,
    RespondentData,
    add_respondent,
    create_pair,
    get_pair,
    get_pair_side,
    get_respondent,
    list_pairs,
    may_see_contacts,
    pair_kinds,
    primary_respondent,
    update_pair,
    update_respondent,
)
from survey.studies.pairs.exporting import export_pairs
from survey.studies.pairs.files import (
    escape,
    pairs_file,
    read_table,
    unescape,
    write_pairs_csv,
    write_pairs_xlsx,
)
from survey.studies.pairs.importing import PairsImportReport, import_pairs
from survey.studies.pairs.members import (
    add_member,
    assign_interviewer,
    change_member_role,
    pair_interviewers,
    remove_member,
    study_interviewers,
    unassign_interviewer,
)
from survey.studies.pairs.problems import ForbiddenError, PairError, PairsImportError, RowProblem
from survey.studies.pairs.stored import StoredPair, stored_pairs

__all__ = [
    "COLUMNS",
    "FieldChange",
    "ForbiddenError",
    "PAGE_SIZE",
    "PLACE_COLUMNS",
    "PairData",
    "PairError",
    "PairsImportError",
    "PairsImportReport",
    "PlaceData",
    "RANK",
    "RespondentData",
    "RowProblem",
    "StoredPair",
    "add_member",
    "add_respondent",
    "assign_interviewer",
    "change_member_role",
    "check_table",
    "clean",
    "create_pair",
    "escape",
    "export_pairs",
    "get_pair",
    "get_pair_side",
    "get_respondent",
    "import_pairs",
    "list_pairs",
    "may_see_contacts",
    "pair_interviewers",
    "pair_kinds",
    "pairs_file",
    "primary_respondent",
    "read_table",
    "remove_member",
    "stored_pairs",
    "study_interviewers",
    "unassign_interviewer",
    "unescape",
    "update_pair",
    "update_respondent",
    "write_pairs_csv",
    "write_pairs_xlsx",
]
