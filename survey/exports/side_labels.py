"""The sides' labels an export gives its variables, value labels and codebook."""

from __future__ import annotations

from collections.abc import Sequence

from survey.core.questionnaire import Text
from survey.exports.dataset import text_for
from survey.studies.models import Pair, StudySide


def side_labels_for(sides: Sequence[StudySide], pairs: Sequence[Pair]) -> dict[str, Text]:
    """Each side's label in an export of `pairs`: the one all of them give it.

    Pairs of one kind (`--kind cross-strait`) name a side by that kind's label ("Taiwan"), in
    variable labels, value labels and the codebook alike. A column over pairs whose kinds
    name a side differently carries every name, the side's own first ("China / Taiwan"),
    per language; `about_of` lists which kind has which (docs/exports.md).
    """
    kinds = sorted({pair.kind for pair in pairs}) or [""]
    labels = {}
    for side in sides:
        own = [dict(side.label_for(kind)) for kind in kinds]
        distinct = [label for n, label in enumerate(own) if label not in own[:n]]
        if len(distinct) > 1 and dict(side.label) in distinct:
            distinct.remove(dict(side.label))
            distinct.insert(0, dict(side.label))
        languages = dict.fromkeys(lang for label in distinct for lang in label)
        labels[side.code] = (
            distinct[0]
            if len(distinct) == 1
            else {
                lang: " / ".join(dict.fromkeys(text_for(label, lang) for label in distinct))
                for lang in languages
            }
        )
    return labels
