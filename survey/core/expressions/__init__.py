"""XLSForm expressions for `relevant` (show-if) and `constraint`: parse, evaluate, check.

A hand-written tokenizer and recursive-descent parser build an immutable tree;
nothing is ever handed to `eval`. Sources are capped at MAX_LENGTH characters,
MAX_NESTING levels of parentheses, calls and unary minus, and MAX_OPERATORS
operators and calls, so hostile input cannot exhaust the stack.

Grammar, loosest first (XPath 1.0 precedence, all binary operators left-associative):
    or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -
Operands: `${key}`, `.`, 'string' or "string", 12 or 1.5, `( … )`, and the calls
selected(x, c), count-selected(x), string-length(x), today(), true(), false(),
not(x), number(x), string(x), int(x), if(c, a, b), coalesce(a, b), regex(x, pattern),
and those a calculation needs (`functions`): concat, round, sum, max, min, substr, date,
decimal-date-time, format-date, jr:choice-name, now, date-time, decimal-time; ODK's math
(`numeric`: sqrt, pow, abs, exp, exp10, log, log10, floor, ceiling, pi, sin, cos, tan,
asin, acos, atan, atan2, boolean) and its string and select functions (`strings`:
normalize-space, contains, starts-with, ends-with, substring-before, substring-after,
translate, selected-at, boolean-from-string). `functions.RETURNS` declares the type
each function returns.

The parser also rejects a call with the wrong number of arguments and a regex()
whose pattern is not a valid regular expression in a string literal (a pattern
taken from an answer would let respondents run arbitrary regexes); check() adds
the problems that need the questions' types.

Values follow XPath/ODK: every value is a string, a number (float) or a boolean.
An unanswered question, None and the special answers "dk"/"rf" (as `Special` or
as plain strings) read as ''; a multi answer reads as its codes joined by a
space. `=` compares numbers when either side is a number, booleans when either
is a boolean, else strings; `<` and the like compare numbers, NaN comparing
false, except that two date-shaped strings ("YYYY-MM-DD") compare as strings.
A date-shaped string converts to a number as days since 1970-01-01, so
`today() - ${started}` counts days. regex() searches (it is not anchored); a hyphen
next to a class escape in its pattern (`[\\w-\\.]`) is literal, as in ODK and the browser.

`Expression.to_json()` gives the tree for the browser evaluator; every node is a list:
    ["num", 3.0]               number literal (always finite)
    ["str", "yes"]             string literal
    ["ref", "key"]             ${key}
    ["cur"]                    . (the current question's own answer)
    ["col", "province"]        a choice_filter's bare name: that column of the choice
    ["neg", node]              unary minus
    [op, left, right]          op: "or" "and" "=" "!=" "<" "<=" ">" ">=" "+" "-" "*" "div" "mod"
    ["call", name, arg, …]     a function call, arguments in order

`parse_filter` reads a `choice_filter` (cascading selects): there a bare name such as
`province` is a column of the choice being tested (`name` its code), so
`province = ${province}` offers the choices whose column matches the earlier answer.

`ExpressionError.position` is a 0-based character offset into the source.

The parts: `tokens`, `tree`, `parser`, `values` (conversions and operators), `functions`
(the calculation functions, their arities and declared types, with those of `numeric`
and `strings`), `patterns` (regex() patterns as ODK reads them), `evaluate`,
`check` (the checks that need the questions' types) and `expression` (`Expression`, `parse`).
"""

from survey.core.expressions.evaluate import Env, evaluate
from survey.core.expressions.expression import Expression, parse, parse_filter
from survey.core.expressions.tokens import (
    MAX_LENGTH,
    MAX_NESTING,
    MAX_OPERATORS,
    ExpressionError,
    Token,
    tokenize,
)
from survey.core.expressions.tree import Node, to_json, walk
from survey.core.expressions.values import (
    Value,
    answer_value,
    format_number,
    to_boolean,
    to_number,
    to_string,
)

__all__ = [
    "Env",
    "Expression",
    "ExpressionError",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_OPERATORS",
    "Node",
    "Token",
    "Value",
    "answer_value",
    "evaluate",
    "format_number",
    "parse",
    "parse_filter",
    "to_boolean",
    "to_json",
    "to_number",
    "to_string",
    "tokenize",
    "walk",
]
