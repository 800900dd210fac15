"""Question widgets: the HTML of one question, its fixed parts compiled once per language.

Shared by the respondent's pages, interviewer entry and the questionnaire preview.
What never changes for a question in one questionnaire language and one interface
language (its texts, options, labels and attributes) is escaped and joined once and
kept; a request only fills in the answer, its version, errors, conflict and state.
A page of the respondent's form is drawn on every Next, so this is the costliest
part of serving the form (docs/respondent.md, "Performance").

Accessible: every input has a label, choice groups are fieldsets with legends, typed
answers and their don't-know boxes form a labelled group; help, errors and conflicts
are linked with aria-describedby. Don't know / Prefer not to answer come last and
smaller: offered, not encouraged. Everything from a questionnaire or a respondent is
escaped (markupsafe), as Jinja's autoescaping would.

Arguments of `question_html(q, lang, ...)`:
  value     the answer to show: a stored value, or what was typed (a string, a list of
            codes; "dk"/"rf" stored for a typed answer tick its box)
  special   "dk"/"rf" ticked beside a typed answer (text, number, date questions)
  disabled  for previews: nothing can be changed or sent
  errors    messages shown beside the field
  version   the stored answer's version (0 for none): sent back to detect a concurrent save
  hidden    the question does not apply now (`relevant`); the page script may show it
  tree      the `relevant` expression as JSON for the page script
  conflict  (their shown value, my shown value) when someone else saved meanwhile
  guidance  show the question's guidance for interviewers (entry page, preview)
  required  mark the question required (its required_if holds now)
  offered   choice_filter: the codes offered now (the others are drawn hidden, never
            ticked; the page script shows them as the earlier answers change)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from survey.caching import Same
from survey.core.choices import columns_of
from survey.core.expressions import Expression, ExpressionError, parse, parse_filter
from survey.core.questionnaire import Question
from survey.core.types import TYPES, format_number, type_of
from survey.core.types.base import ACKNOWLEDGE_LABELS
from survey.core.types.ranged import points
from survey.templating import SPECIAL_LABELS, YES_NO_LABELS, text_in
from survey.widget_parts import Compiled, conflict_box, dropdown, is_many, none_offered, rank

CHOICE_WIDGETS = frozenset({"radio", "checkbox", "yesno"})  # the widgets (core.types) with choices
CHOICES = frozenset(name for name, t in TYPES.items() if t.widget in CHOICE_WIDGETS)  # types
PIPED = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}")  # `${key}` in a text: piping
CACHE_SIZE = 8192
DRAWN_SIZE = 4096  # drawn unanswered widgets (a couple of KB each)
SCALE_POINTS = 11  # a range of at most this many values is drawn as one row


def question_html(
    q: Question,
    lang: str,
    value: Any = None,
    disabled: bool = False,
    errors: Sequence[str] = (),
    special: str | None = None,
    version: int | None = None,
    hidden: bool = False,
    tree: Any = None,
    conflict: tuple[str, str] | None = None,
    locale: str | None = None,
    piped: Mapping[str, str] | None = None,
    offered: frozenset[str] | None = None,
    *,
    guidance: bool = False,
    required: bool = False,
) -> Markup:
    """One question's widget (see the module's docstring for the arguments; a roster's is
    `survey.roster_widgets.widget_html`'s).

    `locale` is the interface's (Babel's current one when not given: a page drawing
    many widgets looks it up once).

    An unanswered widget without errors or a conflict is remembered (`_unanswered`): it
    looks the same to every respondent. A widget showing an answer is drawn afresh, so
    that no respondent's answer stays in the process after the request.
    """
    locale = locale or str(get_locale() or "en")
    drawn = piped or errors or conflict or special is not None or offered is not None
    if drawn or guidance or required or not _is_unanswered(value):
        return _draw(
            q, lang, value, disabled, errors, special, version, hidden, tree, conflict, locale,
            piped, offered, guidance=guidance, required=required,
        )  # fmt: skip
    blank = tuple(value) if isinstance(value, list) else value  # hashable, shown alike
    return _unanswered(Same(q), lang, locale, blank, disabled, version, hidden, Same(tree))


def pipe(text: str, piped: Mapping[str, str]) -> str:
    """`text` (escaped already) with each `${key}` replaced by that answer's shown text,
    escaped; an answer not given (yet) shows as nothing, as in ODK."""
    if "${" not in text:
        return text
    return PIPED.sub(lambda m: str(escape(piped.get(m.group(1), ""))), text)


def _is_unanswered(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple)) and len(value) == 0)


@functools.lru_cache(maxsize=DRAWN_SIZE)
def _unanswered(  # noqa: PLR0913  (question_html's arguments)
    q: Same,
    lang: str,
    locale: str,
    value: Any,
    disabled: bool,
    version: int | None,
    hidden: bool,
    tree: Same,
) -> Markup:
    question, shown = q.thing, tree.thing
    return _draw(question, lang, value, disabled, (), None, version, hidden, shown, None, locale)


def _draw(  # noqa: PLR0913  (question_html's arguments)
    q: Question,
    lang: str,
    value: Any,
    disabled: bool,
    errors: Sequence[str],
    special: str | None,
    version: int | None,
    hidden: bool,
    tree: Any,
    conflict: tuple[str, str] | None,
    locale: str,
    piped: Mapping[str, str] | None = None,
    offered: frozenset[str] | None = None,
    *,
    guidance: bool = False,
    required: bool = False,
) -> Markup:
    """Built from strings for speed: each fixed part was escaped when compiled, and every
    value of this call goes through `escape` below before it is joined in.
    """
    if q.type == "calculate":
        return Markup("")  # computed on save: nobody is asked for it
    c = _compiled_for(q, lang, locale)
    if required and not q.required:  # required_if holds now: its mark is shown
        c = replace(c, title=c.title.replace(c.mark, c.mark.replace(" hidden>", ">", 1), 1))
    if guidance and c.guidance:  # for interviewers (and the preview), never respondents
        c = replace(c, help=c.help + c.guidance)
    if piped:
        labels = tuple(pipe(label, piped) for label in c.labels)
        c = replace(c, title=pipe(c.title, piped), help=pipe(c.help, piped), labels=labels)
    if q.type == "range" and isinstance(value, int | float) and not isinstance(value, bool):
        value = format_number(value)  # as its choice is sent
    if (
        special is None
        and isinstance(value, str)
        and value in ("dk", "rf")
        and type_of(q).widget not in CHOICE_WIDGETS
    ):
        special, value = value, None
    key = c.key
    described = " ".join(
        name
        for name, on in (
            (f"{key}-help", c.help),
            (f"{key}-conflict", conflict),
            (f"{key}-error", errors),
        )
        if on
    )
    attributes = c.attributes
    if tree is not None:
        attributes += f' data-relevant="{escape(str(htmlsafe_json_dumps(tree)))}"'
    if hidden:
        attributes += " hidden"
    details = c.help
    if conflict:
        details += conflict_box(c, conflict)
    if errors:
        joined = " ".join(str(escape(error)) for error in errors)
        details += f'<p class="error" id="{key}-error">{c.error_prefix} {joined}</p>'
    if version is not None:
        details += f'<input type="hidden" name="_v.{key}" value="{int(version)}">'
    off = " disabled" if disabled else ""
    widget = type_of(q).widget
    if widget == "note":
        html = f'<div class="question note" {attributes}><p>{c.title}</p>{c.help}</div>'
    elif q.dropdown:
        html = dropdown(c, value, attributes, described, errors, details, off, offered)
    elif widget in CHOICE_WIDGETS:
        html = _choice(q, c, value, attributes, described, errors, details, off, offered)
    elif widget == "rank":
        html = rank(c, value, special, attributes, described, errors, details, off)
    else:
        html = _typed(q, c, value, special, attributes, described, errors, details, off)
    return Markup(html)  # noqa: S704  every piece escaped: compiled parts in _compile, values here


def _choice(
    q: Question,
    c: Compiled,
    value: Any,
    attributes: str,
    described: str,
    errors: Sequence[str],
    details: str,
    off: str,
    offered: frozenset[str] | None = None,
) -> str:
    chosen = value if is_many(value) else (value,)
    shape = " scale" if q.type in ("scale", "range") else ""
    if q.type == "range" and len(c.choices) <= SCALE_POINTS:
        shape += " points"  # a short run of numbers: one row
    classes = "question" + (" has-error" if errors else "") + shape
    aria = f' aria-describedby="{described}"' if described else ""
    parts = [
        f'<fieldset class="{classes}" {attributes}{aria}>\n<legend>{c.title}</legend>\n{details}',
        '\n<div class="choices">',
    ]
    for (code, start), columns, label in zip(c.choices, c.columns, c.labels, strict=True):
        if offered is not None and code not in offered:  # never ticked: it would be sent
            parts.append(f"{start.replace('<label>', '<label hidden>', 1)}{columns}{off}{label}")
            continue
        parts.append(f"{start}{columns}{' checked' if code in chosen else ''}{off}{label}")
    parts.append("\n</div>")
    parts.append(none_offered(c, offered))
    if c.specials:
        kind = "checkbox" if type_of(q).widget == "checkbox" else "radio"
        parts.append('\n<div class="special">')
        for code, label in c.specials:
            ticked = " checked" if code in chosen else ""
            parts.append(
                f'\n<label><input type="{kind}" name="{c.key}" value="{code}" data-special'
                f"{ticked}{off}> {label}</label>"
            )
        parts.append("\n</div>")
    parts.append("\n</fieldset>")
    return "".join(parts)


def _typed(
    q: Question,
    c: Compiled,
    value: Any,
    special: str | None,
    attributes: str,
    described: str,
    errors: Sequence[str],
    details: str,
    off: str,
) -> str:
    raw = value if isinstance(value, str) else ("" if value is None or is_many(value) else value)
    shown = escape(raw)
    extra = f' aria-describedby="{described}"' if described else ""
    extra += (' aria-invalid="true"' if errors else "") + off
    classes = "question has-error" if errors else "question"
    parts = [
        f'<div class="{classes}" role="group" aria-labelledby="label-{c.key}" {attributes}>\n'
        f'<label class="label" id="label-{c.key}" for="f-{c.key}">{c.title}</label>\n{details}'
    ]
    if type_of(q).widget == "textarea":
        parts.append(
            f'\n<textarea id="f-{c.key}" name="{c.key}" rows="5"{c.input_attributes}{extra}>'
            f"{shown}</textarea>"
        )
    else:
        parts.append(
            f'\n<input id="f-{c.key}" name="{c.key}" value="{shown}"{c.input_attributes}{extra}>'
        )
    if c.specials:
        parts.append('\n<div class="special">')
        for code, label in c.specials:
            ticked = " checked" if special == code else ""
            parts.append(
                f'\n<label><input type="checkbox" name="{c.key}__special" value="{code}"'
                f"{ticked}{off}> {label}</label>"
            )
        parts.append("\n</div>")
    parts.append("\n</div>")
    return "".join(parts)


# ---------------------------------------------------------------------------- compiling


def _tree(source: str | None, parser: Callable[[str], Expression]) -> Any:
    """An expression as JSON for the page script, or None without one. One that does not
    parse (validated at import, so only an older stored version) draws as without it."""
    try:
        return parser(source).to_json() if source else None
    except ExpressionError:
        return None


def _compiled_for(q: Question, lang: str, locale: str) -> Compiled:
    return _compiled(Same(q), lang, locale)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compiled(q: Same, lang: str, locale: str) -> Compiled:
    return _compile(q.thing, lang)  # in `locale`: the caller's current one


def _compile(q: Question, lang: str) -> Compiled:
    key = str(escape(q.key))
    required = escape(_("(required)"))
    mark = (
        ' <span class="required"><span aria-hidden="true">*</span>'
        f'<span class="visually-hidden">{required}</span></span>'
    )
    attributes = f'id="q-{key}" data-key="{key}" data-type="{escape(q.type)}"'
    conditional = not q.required and (when := _tree(q.required_if, parse)) is not None
    if conditional:
        # required_if: the mark is drawn hidden; shown while the condition holds, by the
        # server when drawing and by the page script as the answers change
        attributes += f' data-required-if="{escape(str(htmlsafe_json_dumps(when)))}"'
        mark = mark.replace('"required">', '"required" data-mark hidden>', 1)
    help_text = text_in(q.help, lang) if q.help else ""
    guidance = ""
    if guidance_text := (text_in(q.guidance, lang) if q.guidance else ""):
        intro = escape(_("Interviewer guidance:"))
        shown = escape(guidance_text)
        guidance = f'<p class="help guidance"><strong>{intro}</strong> {shown}</p>'
    widget = type_of(q).widget
    if widget == "yesno":
        choices = [("yes", str(YES_NO_LABELS["yes"])), ("no", str(YES_NO_LABELS["no"]))]
    elif q.type == "acknowledge":
        choices = [(code, text_in(label, lang)) for code, label in ACKNOWLEDGE_LABELS.items()]
    elif q.type == "range":
        choices = [(point, point) for point in points(q)]
    else:
        choices = [(option.code, text_in(option.label, lang)) for option in q.options]
    kind = "checkbox" if widget == "checkbox" else "radio"
    specials = q.specials() if q.offer_special else ()
    typed = type_of(q).input_attributes
    if q.max_length:
        typed += f' maxlength="{int(q.max_length)}"'
    error = escape(_("Error:"))
    conflict = _(
        "Someone else (for example an interviewer) saved a different answer to this question "
        "while you had this page open. Please choose which answer to keep."
    )
    columns = [""] * len(choices)
    none_offered = ""
    if q.choice_filter and (tree := _tree(q.choice_filter, parse_filter)) is not None:
        attributes += f' data-filter="{escape(str(htmlsafe_json_dumps(tree)))}"'
        by_code = {option.code: columns_of(option) for option in q.options}
        columns = [
            f' data-columns="{escape(str(htmlsafe_json_dumps(by_code.get(code, {}))))}"'
            for code, _label in choices
        ]
        nothing = _("No choice fits your earlier answers yet.")
        none_offered = f'<p class="help" data-none>{escape(nothing)}</p>'
    return Compiled(
        question=q,
        key=key,
        attributes=attributes,
        columns=tuple(columns),
        none_offered=none_offered,
        title=f"{escape(text_in(q.text, lang))}{mark if q.required or conditional else ''}",
        mark=mark,
        guidance=guidance,
        help=f'<p class="help" id="{key}-help">{escape(help_text)}</p>' if help_text else "",
        choices=tuple(
            (
                code,
                f'\n<label><input type="{kind}" name="{key}" value="{escape(code)}" '
                f'id="f-{key}{f"-{number}" if number > 1 else ""}"',
            )
            for number, (code, _label) in enumerate(choices, start=1)
        ),
        labels=tuple(
            (str(escape(label)) if widget == "rank" or q.dropdown else f"> {escape(label)}</label>")
            for _code, label in choices
        ),
        rank_places=tuple(
            str(escape(_("Place %(number)s", number=number)))
            for number in range(1, len(choices) + 1)
            if widget == "rank"
        ),
        specials=tuple((str(s.value), str(escape(str(SPECIAL_LABELS[s.value])))) for s in specials),
        input_attributes=typed,
        error_prefix=f'<span class="visually-hidden">{error}</span>',
        conflict_texts=(
            str(escape(conflict)),
            str(escape(_("Keep the saved answer:"))),
            str(escape(_("Keep my answer:"))),
            str(escape(_("(no answer)"))),
        ),
    )
