"""The codebook that goes with every export: one row per variable, in every language.

Each row gives the variable's name in CSV and, where naming.py had to change it, in
SPSS, Stata and R; the question it belongs to with its text, type, options (code, the
number SPSS/Stata use, label), compare rule, mirror and relevance; and how its values
are coded, including the agreement flags and the special answers. Labels that SPSS or
Stata had to cut appear here in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from survey.core.questionnaire import Question, Questionnaire, Text
from survey.exports import naming
from survey.exports.dataset import Dataset, Variable, text_for
from survey.exports.layouts import rule_text

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
STAT_ORDER = ("sav", "dta", "rds")


@dataclass(frozen=True, slots=True)
class CodebookOption:
    code: str
    number: int | None  # its value in SPSS/Stata
    label: Text


@dataclass(frozen=True, slots=True)
class CodebookRow:
    """Everything a reader needs to know about one exported variable."""

    variable: str  # the name in CSV, XLSX and JSON
    names: Mapping[str, str]  # format → name there (sav, dta, rds), where the format has it
    formats: tuple[str, ...]
    role: str
    kind: str
    question: str | None
    side: str | None
    label: Text  # full variable label per language
    text: Text  # the question's text per language
    type: str | None
    options: tuple[CodebookOption, ...]
    compare: str | None
    relevant: str | None
    specials: tuple[str, ...]
    coding: Text  # how the values are coded, per language


def codebook(
    q: Questionnaire, dataset: Dataset, lang_order: Sequence[str] = LANGUAGES
) -> list[CodebookRow]:
    """The codebook rows for `dataset` (exported from `q`), in variable order, then those
    of its roster files (a roster's column named `<roster>.<column>` as its question)."""
    languages = tuple(dict.fromkeys([*lang_order, *q.languages]))
    questions = {question.key: question for question in q.questions()}
    questions |= {
        f"{question.key}.{column.key}": column
        for question in q.questions()
        for column in question.columns
    }
    found = []
    for roster, part in (("", dataset), *dataset.parts):
        names = {fmt: naming.format_names(part.variables, fmt) for fmt in STAT_ORDER}
        found += [
            _row(v, questions.get(v.question or ""), q, names, languages, roster)
            for v in part.variables
        ]
    return found


def _row(
    v: Variable,
    question: Question | None,
    q: Questionnaire,
    names: Mapping[str, Mapping[str, str]],
    languages: Sequence[str],
    roster: str = "",
) -> CodebookRow:
    numbers = v.numbers() if v.value_labels else {}
    options = tuple(
        CodebookOption(str(code), numbers.get(code), dict(label))
        for code, label in (v.value_labels or {}).items()
    )
    return CodebookRow(
        variable=v.name,
        names={fmt: names[fmt][v.name] for fmt in STAT_ORDER if v.name in names[fmt]},
        formats=tuple(fmt for fmt in ("csv", "xlsx", "json", *STAT_ORDER) if fmt in v.formats),
        role=v.role,
        kind=v.kind,
        question=v.question,
        side=v.side,
        label={lang: text_for(v.label, lang) for lang in languages},
        text=_text(question, languages) if question else {},
        type=question.type if question else None,
        options=options,
        compare=rule_text(question) if question and question.compare else None,
        relevant=_relevance(q, question) if question else None,
        specials=tuple(str(s) for s in v.specials),
        coding={
            lang: _in_file(roster, lang) + _coding(v, lang, question, roster) for lang in languages
        },
    )


def _in_file(roster: str, lang: str) -> str:
    """Where a roster file's variable is: that file, sheet or JSON key."""
    return text_for(CODING["roster_file"], lang) % {"roster": roster} if roster else ""


CALCULATED: Text = {"en": "Calculated: ", "zh-Hans": "计算值：", "zh-Hant": "計算值："}


def _text(question: Question, languages: Sequence[str]) -> Text:
    """The question's text per language; for a calculation (no text: nobody is asked), the
    expression it is computed with, so a reader knows where the values come from."""
    if question.type == "calculate" and question.calculation:
        return {lang: text_for(CALCULATED, lang) + question.calculation for lang in languages}
    return {lang: text_for(question.text, lang) for lang in languages}


def _relevance(q: Questionnaire, question: Question) -> str | None:
    if question.key not in {x.key for x in q.questions()}:  # a roster's column
        return question.relevant
    section = q.section_of(question.key)
    parts = [f"section {section.key}: {section.relevant}"] if section.relevant else []
    parts += [question.relevant] if question.relevant else []
    # cascading selects: which options were offered depended on earlier answers
    parts += [f"choice_filter: {question.choice_filter}"] if question.choice_filter else []
    return "; ".join(parts) or None


# ---------------------------------------------------------------------------- coding

CODING: dict[str, Text] = {
    "special_number": {
        "en": "dk/rf: 'dk'/'rf' in CSV, XLSX, JSON; SPSS -98/-99 (user-missing); "
        "Stata .d/.r; R NA (the _dkrf column says which)",
        "zh-Hans": "不知道/不愿回答：CSV、XLSX、JSON 中为 dk/rf；SPSS 为 -98/-99（用户缺失值）；"
        "Stata 为 .d/.r；R 为 NA（由 _dkrf 列区分）",
        "zh-Hant": "不知道/不願回答：CSV、XLSX、JSON 中為 dk/rf；SPSS 為 -98/-99（使用者遺漏值）；"
        "Stata 為 .d/.r；R 為 NA（由 _dkrf 欄區分）",
    },
    "special_text": {
        "en": "dk/rf: the text 'dk'/'rf' in CSV, XLSX, JSON, SPSS (declared missing when "
        "the variable is at most 8 bytes wide) and Stata; R NA (the _dkrf column says which)",
        "zh-Hans": "不知道/不愿回答：CSV、XLSX、JSON、SPSS（变量宽度不超过 8 字节时声明为缺失值）"
        "和 Stata 中为文本 dk/rf；R 为 NA（由 _dkrf 列区分）",
        "zh-Hant": "不知道/不願回答：CSV、XLSX、JSON、SPSS（變數寬度不超過 8 位元組時宣告為遺漏值）"
        "及 Stata 中為文字 dk/rf；R 為 NA（由 _dkrf 欄區分）",
    },
    "code": {
        "en": "option codes in CSV, XLSX, JSON; the numbers listed, with value labels, in "
        "SPSS and Stata; a factor of the labels in R",
        "zh-Hans": "CSV、XLSX、JSON 中为选项代码；SPSS 和 Stata 中为所列数值并带值标签；"
        "R 中为以标签为水平的因子",
        "zh-Hant": "CSV、XLSX、JSON 中為選項代碼；SPSS 與 Stata 中為所列數值並附值標籤；"
        "R 中為以標籤為水準的因子",
    },
    "codes": {
        "en": "the chosen option codes joined by ';'; SPSS, Stata and R also get one 0/1 "
        "variable per option",
        "zh-Hans": "所选选项代码以 ';' 连接；SPSS、Stata 和 R 另有每个选项一个 0/1 变量",
        "zh-Hant": "所選選項代碼以 ';' 連接；SPSS、Stata 與 R 另有每個選項一個 0/1 變數",
    },
    "option": {
        "en": "1 = selected, 0 = not selected, empty = no answer",
        "zh-Hans": "1 = 选中，0 = 未选，空 = 未作答",
        "zh-Hant": "1 = 選取，0 = 未選，空 = 未作答",
    },
    "agree": {
        "en": "1 = agree, 0 = disagree, empty = missing, skipped, review or not compared",
        "zh-Hans": "1 = 一致，0 = 不一致，空 = 缺失、跳过、待人工核对或未比对",
        "zh-Hant": "1 = 一致，0 = 不一致，空 = 缺漏、略過、待人工核對或未比對",
    },
    "followup": {
        "en": "1 = a side's exported value came from a follow-up round (final values), "
        "0 = both as first answered",
        "zh-Hans": "1 = 某一方导出的值来自追问轮次（最终值），0 = 双方均为最初的回答",
        "zh-Hant": "1 = 某一方匯出的值來自追問輪次（最終值），0 = 雙方均為最初的回答",
    },
    "special": {
        "en": "R only: don't know or refused (a factor) when the answer was one of them, else NA",
        "zh-Hans": "仅 R：回答为不知道或不愿回答时为该值（因子），否则为 NA",
        "zh-Hant": "僅 R：回答為不知道或不願回答時為該值（因子），否則為 NA",
    },
    "outcome": {
        "en": "agree, disagree, missing, skipped or review; numbered in SPSS and Stata",
        "zh-Hans": "agree、disagree、missing、skipped 或 review；SPSS 和 Stata 中为编号",
        "zh-Hant": "agree、disagree、missing、skipped 或 review；SPSS 與 Stata 中為編號",
    },
    "roster": {
        "en": "a roster: the number of rows a side gave (dk/rf as they are); the rows "
        "themselves are in the roster file <name>_%(key)s (XLSX: the sheet %(key)s; JSON: "
        "rosters.%(key)s), a line per pair, side and row; the long layout has a line per row, "
        "question <key>.<n>, the two sides' rows paired by the roster rule, each as "
        "column=value; columns: %(columns)s",
        "zh-Hans": "名册：该方填写的行数（dk/rf 保持原样）；各行本身在名册文件 <name>_%(key)s 中"
        "（XLSX 为工作表 %(key)s；JSON 为 rosters.%(key)s），每对、每方、每行一条记录；"
        "长格式中每行一条记录，问题为 <key>.<n>，双方各行按名册规则配对，每行写作 栏=值；"
        "各栏：%(columns)s",
        "zh-Hant": "名冊：該方填寫的列數（dk/rf 保持原樣）；各列本身在名冊檔案 <name>_%(key)s 中"
        "（XLSX 為工作表 %(key)s；JSON 為 rosters.%(key)s），每對、每方、每列一筆記錄；"
        "長格式中每列一筆記錄，問題為 <key>.<n>，雙方各列依名冊規則配對，每列寫作 欄=值；"
        "各欄：%(columns)s",
    },
    "roster_file": {
        "en": "in the roster file <name>_%(roster)s (XLSX: the sheet %(roster)s; JSON: "
        "rosters.%(roster)s), a line per pair, side and row; ",
        "zh-Hans": "位于名册文件 <name>_%(roster)s（XLSX 为工作表 %(roster)s；JSON 为 "
        "rosters.%(roster)s），每对、每方、每行一条记录；",
        "zh-Hant": "位於名冊檔案 <name>_%(roster)s（XLSX 為工作表 %(roster)s；JSON 為 "
        "rosters.%(roster)s），每對、每方、每列一筆記錄；",
    },
    "row_agree": {
        "en": "1 = paired by the roster rule with no column disagreeing, 0 = a row of one side "
        "only or a column disagrees, empty = a column goes to review",
        "zh-Hans": "1 = 按名册规则配对且各栏均一致，0 = 仅一方有此行或有一栏不一致，"
        "空 = 有一栏待人工核对",
        "zh-Hant": "1 = 依名冊規則配對且各欄均一致，0 = 僅一方有此列或有一欄不一致，"
        "空 = 有一欄待人工核對",
    },
    "date": {
        "en": "YYYY-MM-DD; an SPSS date (SDATE10), a Stata %td date, an R Date",
        "zh-Hans": "YYYY-MM-DD；SPSS 日期（SDATE10）、Stata %td 日期、R Date",
        "zh-Hant": "YYYY-MM-DD；SPSS 日期（SDATE10）、Stata %td 日期、R Date",
    },
    "datetime": {
        "en": "UTC: ISO 8601 with offset in CSV, XLSX, JSON; SPSS DATETIME, Stata %tc, R POSIXct",
        "zh-Hans": "UTC：CSV、XLSX、JSON 中为带时区偏移的 ISO 8601；"
        "SPSS DATETIME、Stata %tc、R POSIXct",
        "zh-Hant": "UTC：CSV、XLSX、JSON 中為帶時區偏移的 ISO 8601；"
        "SPSS DATETIME、Stata %tc、R POSIXct",
    },
    "time": {
        "en": "a time of day, HH:MM or HH:MM:SS; an SPSS TIME8, a Stata %tcHH:MM:SS (milliseconds "
        "since midnight), an R hms (seconds since midnight)",
        "zh-Hans": "一天中的时间，HH:MM 或 HH:MM:SS；SPSS TIME8、Stata %tcHH:MM:SS"
        "（自午夜起的毫秒数）、R hms（自午夜起的秒数）",
        "zh-Hant": "一天中的時間，HH:MM 或 HH:MM:SS；SPSS TIME8、Stata %tcHH:MM:SS"
        "（自午夜起的毫秒數）、R hms（自午夜起的秒數）",
    },
    "clock": {
        "en": "a date and time on the respondent's wall clock, no time zone: YYYY-MM-DDTHH:MM in "
        "CSV, XLSX, JSON (with the offset an import gave); SPSS DATETIME, Stata %tc, R POSIXct "
        "labelled UTC (the offset not applied)",
        "zh-Hans": "受访者当地的日期和时间，不含时区：CSV、XLSX、JSON 中为 YYYY-MM-DDTHH:MM"
        "（导入时带有的时区偏移照原样保留）；SPSS DATETIME、Stata %tc、标为 UTC 的 R POSIXct"
        "（不按偏移换算）",
        "zh-Hant": "受訪者當地的日期和時間，不含時區：CSV、XLSX、JSON 中為 YYYY-MM-DDTHH:MM"
        "（匯入時帶有的時區偏移照原樣保留）；SPSS DATETIME、Stata %tc、標為 UTC 的 R POSIXct"
        "（不按偏移換算）",
    },
}


def _coding(v: Variable, lang: str, question: Question | None = None, roster: str = "") -> str:
    if roster and v.role == "agree":  # a roster file's row_agree
        return text_for(CODING["row_agree"], lang)
    if question is not None and question.type == "roster" and v.role == "answer":
        columns = ", ".join(column.key for column in question.columns)
        return text_for(CODING["roster"], lang) % {"columns": columns, "key": question.key}
    keys = []
    if v.role in ("agree", "option", "special", "outcome", "followup"):
        keys.append(v.role)
    elif v.kind in ("code", "codes", "date", "datetime", "time", "clock"):
        keys.append(v.kind)
    if v.specials and v.role != "special":
        keys.append("special_text" if v.kind in ("string", "codes") else "special_number")
    return "; ".join(text_for(CODING[key], lang) for key in keys)


# ---------------------------------------------------------------------------- tables


def tabulate(
    rows: Iterable[CodebookRow], lang_order: Sequence[str] = LANGUAGES
) -> tuple[list[str], list[list[Any]]]:
    """The codebook as a header and lines of text, for CSV and XLSX."""
    header = [
        "variable", *(f"name_{fmt}" for fmt in STAT_ORDER), "formats", "role", "kind",
        "question", "side", "type", *(f"label_{lang}" for lang in lang_order),
        *(f"text_{lang}" for lang in lang_order), "options", "compare", "relevant",
        "specials", *(f"coding_{lang}" for lang in lang_order),
    ]  # fmt: skip
    lines = [
        [
            row.variable,
            *(row.names.get(fmt) for fmt in STAT_ORDER),
            " ".join(row.formats),
            row.role,
            row.kind,
            row.question,
            row.side,
            row.type,
            *(row.label.get(lang) for lang in lang_order),
            *(row.text.get(lang) for lang in lang_order),
            "\n".join(_option_line(o, lang_order) for o in row.options) or None,
            row.compare,
            row.relevant,
            " ".join(row.specials) or None,
            *(row.coding.get(lang) or None for lang in lang_order),
        ]  # fmt: skip
        for row in rows
    ]
    return header, lines


def _option_line(option: CodebookOption, lang_order: Sequence[str]) -> str:
    number = "" if option.number is None else f" = {option.number}"
    labels = " / ".join(text_for(option.label, lang) for lang in lang_order)
    return f"{option.code}{number}: {labels}"
