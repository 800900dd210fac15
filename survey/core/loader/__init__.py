"""Load questionnaires from YAML files (docs/questionnaire-format.md) and write them back.

`load_yaml` composes the YAML into nodes, which keep their lines, and builds the
frozen model of survey.core.questionnaire from them: it rejects what PyYAML lets
pass (duplicate keys), catches typos in keys, checks the kind of every value,
applies the defaults and `derive:` (OpenCC), then runs `validate`. It raises one
QuestionnaireError with every problem, YAML-level and semantic, in line order.

`load_yaml(..., validate=False)` skips the semantic checks, so the researcher
preview can show a file whose translations are still incomplete; problems that
make the model unreliable (YAML syntax, unknown keys, wrong kinds of values)
still raise.

`dump_yaml` writes a model back as readable YAML. Texts that OpenCC derived are
written out as ordinary texts and no `derive:` is written, so the dump stands on
its own and loads back to the same content hash.

The parts: `files` (load and dump), `keys`, `nodes` (YAML nodes and typed values), `texts`
(languages and `derive:`) and `reader` (the model and its compare rules).
"""

from survey.core.loader.files import dump_yaml, load_file, load_yaml
from survey.core.loader.keys import DEFAULT_RULES, PLAIN_RULES, RULE_EXAMPLES

__all__ = ["DEFAULT_RULES", "PLAIN_RULES", "RULE_EXAMPLES", "dump_yaml", "load_file", "load_yaml"]
