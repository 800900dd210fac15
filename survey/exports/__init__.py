"""Exports: layouts (wide, long, pairwise, respondent) × writers (CSV, XLSX, JSON, SPSS,
Stata, R), with a bilingual codebook. Pure Python over plain records: no Flask, no
database (docs/exports.md)."""

from flask import Blueprint

bp = Blueprint("exports", __name__, template_folder="templates")
