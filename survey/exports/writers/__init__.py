"""Writers: one dataset → one file in CSV, XLSX, JSON, SPSS (.sav), Stata (.dta) or R (.rds).

docs/exports.md describes what each format receives. In short:

- CSV, XLSX and JSON stream the rows (memory stays flat) and keep the literal codes
  `dk` / `rf`; CSV and XLSX neutralise text that a spreadsheet could run as a formula.
- SPSS and Stata go through pyreadstat, which needs the whole table in a pandas
  DataFrame and cannot append, so their memory grows with the rows. Option codes
  become numbers with value labels; dk/rf become SPSS user-missing -98/-99 and Stata
  extended missing .d/.r. Names and labels follow naming.py.
- R: a data.frame serialised by this module (pyreadr cannot write attributes), with
  factors, Date and POSIXct columns, a "label" attribute on every column, NA for
  dk/rf and a `<name>_dkrf` factor saying which.

A writer given a path writes a temporary file beside it and renames it into place,
so a failed export never leaves a half-written file. Every writer returns the number
of data rows written, for checking against the database.

The parts: `cells` (formula-safe text, ISO times), `targets` (path or stream, written
atomically), `csv_file`, `workbook` (XLSX cells and sheets), `xlsx`, `json_file`,
`stat_encoding` (columns as SPSS/Stata numbers), `spss_stata` and `rds`.
"""

from survey.core.formulas import FORMULA_START, neutralise
from survey.exports.writers.cells import TEXT_KINDS, iso_datetime, text_batches
from survey.exports.writers.csv_file import iter_csv, write_csv
from survey.exports.writers.json_file import write_json
from survey.exports.writers.rds import write_rds
from survey.exports.writers.spss_stata import write_dta, write_sav
from survey.exports.writers.targets import Target, path_or_stream, text_target
from survey.exports.writers.workbook import about_value, write_only_workbook, xlsx_sheet, xlsx_text
from survey.exports.writers.xlsx import write_xlsx

__all__ = [
    "FORMULA_START",
    "TEXT_KINDS",
    "Target",
    "about_value",
    "iso_datetime",
    "iter_csv",
    "neutralise",
    "path_or_stream",
    "text_batches",
    "text_target",
    "write_csv",
    "write_dta",
    "write_json",
    "write_only_workbook",
    "write_rds",
    "write_sav",
    "write_xlsx",
    "xlsx_sheet",
    "xlsx_text",
]
