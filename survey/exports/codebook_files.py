"""The codebook as a file of its own: CSV, XLSX or a printable HTML page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2 import DictLoader, Environment

from survey.core.questionnaire import Questionnaire, Text
from survey.exports import writers
from survey.exports.codebook import LANGUAGES, CodebookRow, tabulate
from survey.exports.dataset import Dataset, Variable, text_for


def write_codebook_csv(
    rows: Iterable[CodebookRow],
    target: writers.Target,
    *,
    lang_order: Sequence[str] = LANGUAGES,
    bom: bool = False,
) -> int:
    """The codebook as CSV (formula-safe like every CSV export)."""
    header, lines = tabulate(rows, lang_order)
    table = Dataset(tuple(Variable(h, {"en": h}, "string") for h in header), lines)
    return writers.write_csv(table, target, bom=bom)


def write_codebook_xlsx(
    rows: Iterable[CodebookRow], target: writers.Target, *, lang_order: Sequence[str] = LANGUAGES
) -> int:
    """The codebook alone as an XLSX workbook (the XLSX export has it as a sheet)."""
    header, lines = tabulate(rows, lang_order)
    with writers.write_only_workbook(target) as workbook:
        writers.xlsx_sheet(workbook, "codebook", header, lines)
    return len(lines)


# ---------------------------------------------------------------------------- HTML

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ page_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, "Noto Sans CJK SC", "Noto Sans CJK TC", sans-serif;
       margin: 1.5rem; line-height: 1.4; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; vertical-align: top; text-align: left; }
th { background: #eee; position: sticky; top: 0; }
code { font-family: ui-monospace, monospace; }
ul { margin: 0; padding-left: 1.1rem; }
.names { color: #555; font-size: .9em; }
td p { margin: 0 0 .3rem; }
</style>
</head>
<body>
<h1>{% for lang, text in titles %}<span lang="{{ lang }}">{{ text }}</span>{{
  " · " if not loop.last }}{% endfor %}</h1>
{% if about %}<dl>{% for key, value in about %}<dt>{{ key }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>{% endif %}
<table>
<thead><tr>{% for heading in headings %}<th>{% for lang, text in heading
  %}<span lang="{{ lang }}">{{ text }}</span>{{ " / " if not loop.last }}{% endfor %}</th>{%
  endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr id="{{ row.variable }}">
<td><code>{{ row.variable }}</code>{% for fmt, name in row.names.items() if name != row.variable
  %}<div class="names">{{ fmt }}: <code>{{ name }}</code></div>{% endfor %}
<div class="names">{{ row.formats | join(" ") }}</div>
<div class="names">{{ row.role }} · {{ row.kind }}{% if row.side %} · {{ row.side }}{% endif
  %}</div></td>
<td>{% if row.question %}<code>{{ row.question }}</code> ({{ row.type }}){% for lang in langs
  %}{% if row.text.get(lang) %}<p lang="{{ lang }}">{{ row.text[lang] }}</p>{% endif %}{% endfor
  %}{% endif %}</td>
<td>{% for lang in langs %}<p lang="{{ lang }}">{{ row.label.get(lang, "") }}</p>{% endfor %}</td>
<td>{% if row.options %}<ul>{% for option in row.options %}<li><code>{{ option.code }}</code>{%
  if option.number is not none %} = {{ option.number }}{% endif %}:{% for lang in langs
  %} <span lang="{{ lang }}">{{ option.label.get(lang, "") }}</span>{{ " /" if not loop.last
  }}{% endfor %}</li>{% endfor %}</ul>{% endif %}</td>
<td>{% if row.compare %}<code>{{ row.compare }}</code>{% endif %}{% if row.relevant
  %}<p><code>{{ row.relevant }}</code></p>{% endif %}</td>
<td>{% for lang in langs %}{% if row.coding.get(lang) %}<p lang="{{ lang }}">{{
  row.coding[lang] }}</p>{% endif %}{% endfor %}</td>
</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""
HEADINGS: tuple[Text, ...] = (
    {"en": "variable", "zh-Hans": "变量", "zh-Hant": "變數"},
    {"en": "question", "zh-Hans": "问题", "zh-Hant": "問題"},
    {"en": "label", "zh-Hans": "标签", "zh-Hant": "標籤"},
    {"en": "options", "zh-Hans": "选项", "zh-Hant": "選項"},
    {"en": "compare · relevant", "zh-Hans": "比对 · 显示条件", "zh-Hant": "比對 · 顯示條件"},
    {"en": "coding", "zh-Hans": "编码", "zh-Hant": "編碼"},
)
_ENVIRONMENT = Environment(
    loader=DictLoader({"codebook.html": _TEMPLATE}), autoescape=True, keep_trailing_newline=True
)


def write_codebook_html(
    rows: Iterable[CodebookRow],
    target: writers.Target,
    *,
    q: Questionnaire | None = None,
    lang_order: Sequence[str] = LANGUAGES,
    about: Mapping[str, Any] | None = None,
) -> None:
    """A standalone page (no external assets), every text escaped and tagged with `lang`."""
    titles = [(lang, text_for(q.title, lang)) for lang in lang_order] if q else []
    headings = [[(lang, text_for(h, lang)) for lang in lang_order] for h in HEADINGS]
    page = _ENVIRONMENT.get_template("codebook.html").render(
        headings=headings,
        page_lang=lang_order[0],
        title=" · ".join(dict.fromkeys(text for _, text in titles)) or "Codebook",
        titles=[(lang, text) for lang, text in titles if text],
        about=[(key, writers.about_value(value)) for key, value in (about or {}).items()],
        rows=list(rows),
        langs=list(lang_order),
    )
    with writers.text_target(target) as stream:
        stream.write(page)
