"""The parts of a question's widget built from its compiled pieces: the drop-down, the
ranking, the conflict box, and the note of a filtered question with no option yet
(`survey.widgets` draws the rest and compiles the pieces)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from survey.core.questionnaire import Question


@dataclass(frozen=True)
class Compiled:
    """The fixed parts of one question's widget, already escaped, in one pair of languages."""

    question: Question
    key: str
    attributes: str  # id, data-key, data-type
    title: str  # the question's text and the required mark
    help: str  # the help paragraph, or ""
    mark: str  # the required mark (in `title` when the question is always required)
    guidance: str  # the interviewers' guidance paragraph, or ""
    choices: tuple[tuple[Any, str], ...]  # (code, the option's <input ...> up to its state)
    columns: tuple[str, ...]  # choice_filter: each option's ' data-columns="…"', else ""
    none_offered: str  # choice_filter: the note shown while no option fits, else ""
    labels: tuple[str, ...]  # "> label</label>" of each choice
    specials: tuple[tuple[str, str], ...]  # (code, label)
    rank_places: tuple[str, ...]  # rank: "Place 1", "Place 2" … escaped
    input_attributes: str  # type, inputmode, class, maxlength of a typed answer
    error_prefix: str
    conflict_texts: tuple[str, str, str, str]  # intro, theirs, mine, no answer


def dropdown(
    c: Compiled,
    value: Any,
    attributes: str,
    described: str,
    errors: Sequence[str],
    details: str,
    off: str,
    offered: frozenset[str] | None = None,
) -> str:
    """A single question's options in one drop-down (XLSForm's appearance `minimal`); the
    special answers come last in it."""
    classes = "question has-error" if errors else "question"
    extra = f' aria-describedby="{described}"' if described else ""
    extra += (' aria-invalid="true"' if errors else "") + off
    listed = [
        (code, label, columns, offered is None or code in offered)
        for (code, _start), columns, label in zip(c.choices, c.columns, c.labels, strict=True)
    ]
    options = "".join(
        f'<option value="{escape(code)}"{columns}'
        f"{(' selected' if code == value else '') if on else ' hidden disabled'}>{label}</option>"
        for code, label, columns, on in [*listed, *((*s, "", True) for s in c.specials)]
    )
    return (
        f'<div class="{classes}" role="group" aria-labelledby="label-{c.key}" {attributes}>\n'
        f'<label class="label" id="label-{c.key}" for="f-{c.key}">{c.title}</label>\n{details}'
        f'\n<select id="f-{c.key}" name="{c.key}"{extra}><option value="">—</option>'
        f"{options}</select>{none_offered(c, offered)}\n</div>"
    )


def none_offered(c: Compiled, offered: frozenset[str] | None) -> str:
    """A filtered question's note for while no option fits the earlier answers (the page
    script shows and hides it as the options change)."""
    if not c.none_offered:
        return ""
    return (
        c.none_offered.replace(">", " hidden>", 1) if offered is None or offered else c.none_offered
    )


def rank(
    c: Compiled,
    value: Any,
    special: str | None,
    attributes: str,
    described: str,
    errors: Sequence[str],
    details: str,
    off: str,
) -> str:
    """One drop-down per place, each offering every option: works without JavaScript."""
    order = list(value) if is_many(value) else []
    classes = "question rank" + (" has-error" if errors else "")
    aria = f' aria-describedby="{described}"' if described else ""
    parts = [
        f'<fieldset class="{classes}" {attributes}{aria}>\n<legend>{c.title}</legend>\n{details}',
        '\n<ol class="ranking">',
    ]
    for place in range(1, len(c.choices) + 1):
        given = order[place - 1] if place <= len(order) else ""
        options = "".join(
            f'<option value="{escape(code)}"{" selected" if code == given else ""}>{label}</option>'
            for (code, _start), label in zip(c.choices, c.labels, strict=True)
        )
        parts.append(
            f'\n<li><label for="f-{c.key}-{place}">{c.rank_places[place - 1]}</label> '
            f'<select id="f-{c.key}-{place}" name="{c.key}"{off}><option value="">—</option>'
            f"{options}</select></li>"
        )
    parts.append("\n</ol>")
    if c.specials:
        parts.append('\n<div class="special">')
        for code, label in c.specials:
            ticked = " checked" if special == code else ""
            parts.append(
                f'\n<label><input type="checkbox" name="{c.key}__special" value="{code}"'
                f"{ticked}{off}> {label}</label>"
            )
        parts.append("\n</div>")
    parts.append("\n</fieldset>")
    return "".join(parts)


def conflict_box(c: Compiled, conflict: tuple[str, str]) -> str:
    intro, theirs, mine, nothing = c.conflict_texts
    saved = escape(conflict[0]) if conflict[0] else nothing
    typed = escape(conflict[1]) if conflict[1] else nothing
    return (
        f'<div class="conflict" id="{c.key}-conflict">\n<p>{intro}</p>\n'
        f'<input type="hidden" name="_pending" value="{c.key}">\n'
        f'<label><input type="radio" name="_c.{c.key}" value="theirs"> {theirs} '
        f"<strong>{saved}</strong></label>\n"
        f'<label><input type="radio" name="_c.{c.key}" value="mine"> {mine} '
        f"<strong>{typed}</strong></label>\n</div>"
    )


def is_many(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict))
