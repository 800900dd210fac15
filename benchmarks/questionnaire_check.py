"""Benchmark: load and hash a large three-language questionnaire.

Generates a synthetic questionnaire (every question type, options, `relevant`
expressions on earlier answers, constraints, mirrored pairs) as YAML text, then times
(a) `survey.core.loader.load_yaml` (parse + validate) and (b) canonical JSON + SHA-256,
each against a baseline measured in the same run: a plain `yaml.safe_load` of the same
text. Ratios, not seconds, are what stays comparable between machines.

    python benchmarks/questionnaire_check.py [--questions 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
SECTION_SIZE = 25
# Type of the question at each position in a cycle; the pair of integers mirror each other.
CYCLE = (
    "yesno", "integer", "integer", "single", "multi", "scale", "number", "year",
    "date", "text", "longtext", "note",
)  # fmt: skip
RULES = {
    "yesno": "exact", "single": "exact", "multi": {"overlap": 0.5},
    "scale": {"tolerance": {"abs": 1}}, "integer": {"tolerance": {"abs": 1}},
    "number": {"tolerance": {"rel": 0.1}}, "year": "exact", "date": {"within_days": 31},
    "text": "review", "longtext": "none",
}  # fmt: skip
OPTION_WORDS = [
    ("trade", "Trade and investment", "贸易与投资", "貿易與投資"),
    ("education", "Education", "教育", "教育"),
    ("health", "Health", "卫生", "衛生"),
    ("culture", "Culture and the arts", "文化艺术", "文化藝術"),
    ("environment", "Environment and climate", "环境与气候", "環境與氣候"),
    ("governance", "Governance training", "治理培训", "治理培訓"),
]


def _text(en: str, hans: str, hant: str) -> dict[str, str]:
    return dict(zip(LANGUAGES, (en, hans, hant), strict=True))


def _options(type_: str) -> list[dict[str, Any]]:
    if type_ == "scale":
        points = [("1", "Very poor", "很差", "很差"), ("2", "Poor", "差", "差"),
                  ("3", "Fair", "一般", "一般"), ("4", "Good", "好", "好"),
                  ("5", "Very good", "很好", "很好")]  # fmt: skip
    else:
        points = OPTION_WORDS
    return [{"code": code, "label": _text(en, hans, hant)} for code, en, hans, hant in points]


def _limits(type_: str) -> dict[str, Any]:
    return {
        "integer": {"min": 0, "max": 1000, "constraint": ". >= 0"},
        "number": {"min": 0, "max": 1e9},
        "year": {"min": 1979, "max": 2030},
        "date": {"min": "1979-01-01", "max": "2030-12-31"},
        "text": {"max_length": 200, "pattern": "^[^<>]*$"},
        "longtext": {"max_length": 10000},
    }.get(type_, {})


def _relevant(index: int, earlier: dict[str, str]) -> dict[str, str]:
    """Every third question depends on an earlier yes/no, multi or integer answer."""
    if index % 3 != 2:
        return {}
    for key, type_ in reversed(earlier.items()):
        if type_ == "yesno" and index % 2:
            return {"relevant": f"${{{key}}} = 'yes'"}
        if type_ == "multi":
            return {"relevant": f"selected(${{{key}}}, 'trade') or count-selected(${{{key}}}) > 2"}
        if type_ == "integer":
            return {"relevant": f"${{{key}}} > 0 and ${{{key}}} < 500"}
    return {}


def _question(index: int, earlier: dict[str, str]) -> dict[str, Any]:
    type_ = CYCLE[index % len(CYCLE)]
    key = f"q{index:04d}"
    n = index + 1
    question: dict[str, Any] = {
        "key": key,
        "type": type_,
        "text": _text(
            f"Question {n}: how did the exchange go? 🤝",
            f"第{n}题：交流进展如何？",
            f"第{n}題：交流進展如何？",
        ),  # fmt: skip
        "help": _text("Answer for your own side.", "请按贵方情况回答。", "請按貴方情況回答。"),
    }
    if type_ != "note":
        # A copy each time: shared objects would come out as YAML anchors and aliases.
        question.update({"required": index % 4 == 0, "compare": copy.deepcopy(RULES[type_])})
    if type_ in ("single", "multi", "scale"):
        question["options"] = _options(type_)
    question.update(_limits(type_))
    question.update(_relevant(index, earlier))
    return question


def _mirror(questions: list[dict[str, Any]]) -> None:
    """Pair up the two integer questions of every fourth cycle as sent/received mirrors."""
    for start in range(0, len(questions) - len(CYCLE) + 1, 4 * len(CYCLE)):
        first, second = questions[start + 1], questions[start + 2]
        first["mirror"], second["mirror"] = second["key"], first["key"]


def _section(number: int, questions: list[dict[str, Any]]) -> dict[str, Any]:
    title = _text(f"Part {number}", f"第{number}部分", f"第{number}部分")
    return {"key": f"s{number:03d}", "title": title, "questions": questions}


def make_questionnaire_yaml(n_questions: int) -> str:
    """A valid questionnaire of `n_questions` questions in three languages, as YAML text."""
    earlier: dict[str, str] = {}
    questions = []
    for index in range(n_questions):
        questions.append(_question(index, earlier))
        earlier[questions[-1]["key"]] = questions[-1]["type"]
    _mirror(questions)
    sections = [
        _section(start // SECTION_SIZE + 1, questions[start : start + SECTION_SIZE])
        for start in range(0, n_questions, SECTION_SIZE)
    ]
    document = {
        "key": "synthetic", "version": "1", "languages": list(LANGUAGES),
        "title": _text("Synthetic interview", "合成访谈", "合成訪談"), "sections": sections,
    }  # fmt: skip
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


# ---------------------------------------------------------------------------- timing


def best_time(action: Callable[[], object], repeat: int, before: Callable[[], object]) -> float:
    """The fastest of `repeat` runs of `action`, in seconds; `before` runs untimed each time."""
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(n_questions: int, repeat: int) -> dict[str, float]:
    """Seconds for the baseline, load_yaml (whole, and reading alone), canonical JSON + hash."""
    from survey.core import expressions
    from survey.core.loader import load_yaml

    text = make_questionnaire_yaml(n_questions)
    questionnaire = load_yaml(text, "synthetic.yaml")
    # Parsed expressions are cached; clear the cache so each load pays for its own parsing.
    fresh = getattr(expressions.parse, "cache_clear", lambda: None)
    return {
        "yaml.safe_load (baseline)": best_time(lambda: yaml.safe_load(text), repeat, fresh),
        "load_yaml (parse + validate)": best_time(
            lambda: load_yaml(text, "synthetic.yaml"), repeat, fresh
        ),
        "  of which reading (no validate)": best_time(
            lambda: load_yaml(text, "synthetic.yaml", validate=False), repeat, fresh
        ),
        "canonical JSON + hash": best_time(questionnaire.content_hash, repeat, fresh),
        "import into SQLite (check + store)": _import_time(text, repeat, fresh),
    }


def _import_time(text: str, repeat: int, fresh: Callable[[], object]) -> float:
    """Check the file and store it as a new version in a migrated SQLite database."""
    import tempfile

    from survey import create_app
    from survey.core.loader import load_yaml
    from survey.db import db, writing
    from survey.questionnaires.services import import_questionnaire

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 40})
        with app.app_context():
            app.test_cli_runner().invoke(args=["db", "upgrade"])
            counter = iter(range(10**6))

            def store() -> None:
                q = load_yaml(text.replace('version: "1"', f'version: "{next(counter)}"', 1), "x")
                with writing():
                    import_questionnaire(db.session, q)
                    db.session.commit()

            seconds = best_time(store, repeat, fresh)
            db.session.remove()
            db.engine.dispose()
        return seconds


def report(results: dict[str, float], n_questions: int) -> list[str]:
    """Lines of the result table: total, per question and the ratio to the baseline."""
    baseline = next(iter(results.values()))
    lines = [f"{'':34} {'total ms':>10} {'ms/question':>12} {'× baseline':>11}"]
    for name, seconds in results.items():
        per_question = seconds * 1000 / n_questions
        lines.append(
            f"{name:34} {seconds * 1000:10.1f} {per_question:12.4f} {seconds / baseline:11.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    # Run as a script, the repository root is not on the path; add it so `survey` imports.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    size = len(make_questionnaire_yaml(args.questions))
    print(f"{args.questions} questions, {len(LANGUAGES)} languages, {size:,} characters of YAML;")
    print(f"best of {args.repeat} runs")
    print("\n".join(report(measure(args.questions, args.repeat), args.questions)))


if __name__ == "__main__":
    main()
