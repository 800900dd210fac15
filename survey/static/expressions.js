/* The expression language of questionnaires, evaluated in the browser with the server's
 * rules (survey/core/expressions): XPath 1.0 values, the operators, and every function
 * (tests/responding/test_script_parity.py runs this file in Node against the server's
 * evaluator, the respondent browser test in Chromium); now() reads this browser's clock.
 * An expression this browser cannot evaluate (a regular expression JavaScript does not
 * accept) throws: the page then leaves the question as the server drew it, and the server
 * decides on every save. Used by respondent.js, loaded before it.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ values (XPath 1.0)
  var NUMERIC = /^\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*$/;
  var DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  var SPECIALS = ["dk", "rf"];
  var DAY = 86400000;

  function answerValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return SPECIALS.indexOf(value) >= 0 ? "" : value;
    if (typeof value === "boolean" || typeof value === "number") return value;
    if (Array.isArray(value)) {
      return value.map(function (item) { return toString(answerValue(item)); })
        .filter(function (item) { return item !== ""; }).join(" ");
    }
    return String(value);
  }

  function days(text) {
    var parts = text.split("-").map(Number);
    var time = Date.UTC(parts[0], parts[1] - 1, parts[2]);
    var date = new Date(time);
    if (parts[0] < 1 || date.getUTCFullYear() !== parts[0] || date.getUTCMonth() !== parts[1] - 1 ||
        date.getUTCDate() !== parts[2]) {
      return NaN;
    }
    return Math.round(time / DAY);
  }

  function toNumber(value) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return value;
    if (NUMERIC.test(value)) return parseFloat(value.trim());
    if (DATE.test(value.trim())) return days(value.trim());
    return NaN;
  }

  function plain(number) {
    // Python's format(Decimal(repr(x)), "f"): the shortest digits, never an exponent.
    var text = String(number);
    var match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (!match) return text;
    var digits = match[2] + (match[3] || "");
    var point = 1 + parseInt(match[4], 10);
    if (point <= 0) return match[1] + "0." + "0".repeat(-point) + digits;
    if (point >= digits.length) return match[1] + digits + "0".repeat(point - digits.length);
    return match[1] + digits.slice(0, point) + "." + digits.slice(point);
  }

  function formatNumber(number) {
    if (Number.isNaN(number)) return "NaN";
    if (!Number.isFinite(number)) return number > 0 ? "Infinity" : "-Infinity";
    if (Number.isInteger(number)) return BigInt(number).toString();
    return plain(number);
  }

  function toString(value) {
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return formatNumber(value);
    return value;
  }

  function toBoolean(value) {
    if (typeof value === "number") return !(value === 0 || Number.isNaN(value));
    return Boolean(value);
  }

  function equals(left, right) {
    if (typeof left === "boolean" || typeof right === "boolean") {
      return toBoolean(left) === toBoolean(right);
    }
    if (typeof left === "number" || typeof right === "number") {
      return toNumber(left) === toNumber(right);
    }
    return left === right;
  }

  function isDate(value) { return typeof value === "string" && DATE.test(value); }

  function relational(test) {
    return function (left, right) {
      if (isDate(left) && isDate(right)) return test(left, right);
      return test(toNumber(left), toNumber(right));
    };
  }

  function divide(left, right) {
    if (right === 0) {
      if (left === 0 || Number.isNaN(left)) return NaN;
      return (left < 0 ? -Infinity : Infinity) * (Object.is(right, -0) ? -1 : 1);
    }
    return left / right;
  }

  function modulo(left, right) {
    if (right === 0 || !Number.isFinite(left)) return NaN;
    return left % right; // keeps the dividend's sign, like XPath and fmod
  }

  function arithmetic(op) {
    return function (left, right) { return op(toNumber(left), toNumber(right)); };
  }

  var OPERATORS = {
    "=": equals,
    "!=": function (l, r) { return !equals(l, r); },
    "<": relational(function (a, b) { return a < b; }),
    "<=": relational(function (a, b) { return a <= b; }),
    ">": relational(function (a, b) { return a > b; }),
    ">=": relational(function (a, b) { return a >= b; }),
    "+": arithmetic(function (a, b) { return a + b; }),
    "-": arithmetic(function (a, b) { return a - b; }),
    "*": arithmetic(function (a, b) { return a * b; }),
    "div": arithmetic(divide),
    "mod": arithmetic(modulo)
  };

  function numbers(args) {
    return Array.prototype.slice.call(args, 1).map(toNumber);
  }

  function extreme(pick) {
    return function () {
      var all = numbers(arguments);
      if (!all.length || all.some(Number.isNaN)) return NaN;
      return pick.apply(null, all);
    };
  }

  var DATE_TIME = new RegExp("^\\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})" +
    "(?::([0-9]{2})(?:\\.([0-9]{1,6})[0-9]*)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?\\s*$");
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  function pad(number, width) { return String(number).padStart(width, "0"); }

  function isoDay(date) {
    return pad(date.getUTCFullYear(), 4) + "-" + pad(date.getUTCMonth() + 1, 2) + "-" +
      pad(date.getUTCDate(), 2);
  }

  var DATE_FORMATS = {
    "Y": function (d) { return pad(d.getUTCFullYear(), 4); },
    "y": function (d) { return pad(d.getUTCFullYear() % 100, 2); },
    "m": function (d) { return pad(d.getUTCMonth() + 1, 2); },
    "n": function (d) { return String(d.getUTCMonth() + 1); },
    "b": function (d) { return MONTHS[d.getUTCMonth()]; },
    "d": function (d) { return pad(d.getUTCDate(), 2); },
    "e": function (d) { return String(d.getUTCDate()); },
    "a": function (d) { return WEEKDAYS[d.getUTCDay()]; },
    "H": function (d) { return pad(d.getUTCHours(), 2); },
    "h": function (d) { return String(d.getUTCHours()); },
    "M": function (d) { return pad(d.getUTCMinutes(), 2); },
    "S": function (d) { return pad(d.getUTCSeconds(), 2); },
    "3": function (d) { return pad(d.getUTCMilliseconds(), 3); }
  };

  function inYears(time) {
    var year = new Date(time).getUTCFullYear();
    return Number.isFinite(time) && year >= 1 && year <= 9999 ? time : null;
  }

  function moment(value) {
    // A date or date-time (or days since 1970) as milliseconds since 1970 UTC, else null.
    if (typeof value === "boolean") return null;
    var found = typeof value === "string" ? DATE_TIME.exec(value) : null;
    if (found) {
      var parts = found.slice(1, 7).map(function (part) { return Number(part || 0); });
      var date = new Date(0);
      date.setUTCFullYear(parts[0], parts[1] - 1, parts[2]);
      date.setUTCHours(parts[3], parts[4], parts[5], 0);
      if (parts[0] < 1 || date.getUTCFullYear() !== parts[0] ||
          date.getUTCMonth() !== parts[1] - 1 || date.getUTCDate() !== parts[2] ||
          parts[3] > 23 || parts[4] > 59 || parts[5] > 59) {
        return null;
      }
      var time = date.getTime() + Number((found[7] || "0").padEnd(6, "0")) / 1000;
      var zone = found[8];
      if (zone && zone !== "Z") {
        var digits = zone.slice(1).replace(":", "");
        var minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
        time -= (zone[0] === "-" ? -1 : 1) * minutes * 60000;
      }
      return inYears(time);
    }
    var number = toNumber(value);
    if (!Number.isFinite(number) || Math.abs(number) > 3000000) return null;
    return inYears(number * DAY);
  }

  // White space as Python and JavaScript both know it (strings.py's words() splits alike).
  function words(value) {
    return toString(value).split(/[\s\x1c-\x1f\x85]+/).filter(Boolean);
  }

  // ODK's math, string, select and time functions, as survey/core/expressions/numeric.py,
  // strings.py and functions.py define them.
  function unary(fn) { return function (env, value) { return fn(toNumber(value)); }; }

  function exactPower(x, y) {
    // A whole base to a whole power, exactly, rounded once; null where the platform answers.
    if (!Number.isInteger(x) || !Number.isInteger(y)) return null;
    if (Math.abs(x) >= Math.pow(2, 53) || Math.abs(y) > 1100) return null;
    var magnitude = Number(BigInt(x) ** BigInt(Math.abs(y)));
    return y >= 0 ? magnitude : 1 / magnitude;
  }

  function power(x, y) {
    // Math.pow is Java's (NaN for 1 to an infinite power): only whole powers differ, exact here
    if (y === 0) return 1;
    if (x === 0 && y < 0) {
      var odd = Number.isInteger(y) && Math.abs(y) < Math.pow(2, 53) && Math.abs(y) % 2 === 1;
      return odd && Object.is(x, -0) ? -Infinity : Infinity;
    }
    var exact = x !== 0 && !Number.isNaN(x) ? exactPower(x, y) : null;
    return exact === null ? Math.pow(x, y) : exact;
  }

  function whole(fn) {
    return function (number) { return Number.isFinite(number) ? fn(number) : number; };
  }

  function logarithm(fn) {
    return function (number) { return number === 0 ? -Infinity : fn(number); };
  }

  function textTest(test) {
    return function (env, value, part) { return test(toString(value), toString(part)); };
  }

  function pad3(number) { return pad(number, 3); }

  function written(time) {
    // A moment (milliseconds since 1970) as date-time() and now() write it: UTC, to the ms.
    var date = new Date(time);
    return isoDay(date) + "T" + pad(date.getUTCHours(), 2) + ":" + pad(date.getUTCMinutes(), 2) +
      ":" + pad(date.getUTCSeconds(), 2) + "." + pad3(date.getUTCMilliseconds()) + "+00:00";
  }

  var TIME = new RegExp("^[ \\t\\n\\r]*([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]{1,3})[0-9]*)?)?" +
    "(Z|[+-][0-9]{2}:?[0-9]{2})?[ \\t\\n\\r]*$");
  var DAY_MS = 86400000;

  function decimalTime(env, value) {
    var found = typeof value === "string" ? TIME.exec(value) : null;
    if (!found || Number(found[1]) > 23 || Number(found[2]) > 59 || Number(found[3] || 0) > 59) {
      return NaN;
    }
    var offset = (found[5] || "Z").replace(":", "");
    var zone = 0;
    if (offset !== "Z") {
      if (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(3)) > 59) return NaN;
      zone = (offset[0] === "-" ? -1 : 1) *
        (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3))) * 60000;
    }
    var ms = ((Number(found[1]) * 60 + Number(found[2])) * 60 + Number(found[3] || 0)) * 1000 +
      Number((found[4] || "0").padEnd(3, "0")) - zone;
    return (((ms % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  }

  var MORE_FUNCTIONS = {
    "sqrt": unary(Math.sqrt),
    "abs": unary(Math.abs),
    "floor": unary(whole(Math.floor)),
    "ceiling": unary(whole(Math.ceil)),
    "pow": function (env, x, y) { return power(toNumber(x), toNumber(y)); },
    "exp": unary(Math.exp),
    "exp10": function (env, value) { return power(10, toNumber(value)); },
    "log": unary(logarithm(Math.log)),
    "log10": unary(logarithm(Math.log10)),
    "sin": unary(Math.sin),
    "cos": unary(Math.cos),
    "tan": unary(Math.tan),
    "asin": unary(Math.asin),
    "acos": unary(Math.acos),
    "atan": unary(Math.atan),
    "atan2": function (env, y, x) { return Math.atan2(toNumber(y), toNumber(x)); },
    "pi": function () { return Math.PI; },
    "boolean": function (env, value) { return toBoolean(value); },
    "normalize-space": function (env, value) {
      return toString(value).replace(/[ \t\n\r]+/g, " ").replace(/^ | $/g, "");
    },
    "contains": textTest(function (text, part) { return text.indexOf(part) >= 0; }),
    "starts-with": textTest(function (text, part) { return text.startsWith(part); }),
    "ends-with": textTest(function (text, part) { return text.endsWith(part); }),
    "substring-before": textTest(function (text, part) {
      var place = text.indexOf(part);
      return place < 0 ? "" : text.slice(0, place);
    }),
    "substring-after": textTest(function (text, part) {
      var place = text.indexOf(part);
      return place < 0 ? "" : text.slice(place + part.length);
    }),
    "translate": function (env, value, source, target) {
      var old = Array.from(toString(source));
      var replacement = Array.from(toString(target));
      var table = new Map();
      old.forEach(function (char, place) {
        if (!table.has(char)) table.set(char, place < replacement.length ? replacement[place] : "");
      });
      return Array.from(toString(value)).map(function (char) {
        return table.has(char) ? table.get(char) : char;
      }).join("");
    },
    "selected-at": function (env, value, place) {
      var codes = words(value);
      var number = toNumber(place);
      if (!Number.isFinite(number)) return "";
      var index = Math.trunc(number);
      return index >= 0 && index < codes.length ? codes[index] : "";
    },
    "boolean-from-string": function (env, value) {
      var text = toString(value);
      return text === "true" || text === "1";
    },
    "now": function (env) { return env.now || written(Date.now()); },
    "date-time": function (env, value) {
      var time = moment(value);
      return time === null ? "" : written(time);
    },
    "decimal-time": decimalTime
  };

  var FUNCTIONS = {
    "selected": function (env, value, code) {
      return words(value).indexOf(toString(code).trim()) >= 0;
    },
    "count-selected": function (env, value) { return words(value).length; },
    "string-length": function (env, value) { return Array.from(toString(value)).length; },
    "today": function (env) { return env.today; },
    "true": function () { return true; },
    "false": function () { return false; },
    "not": function (env, value) { return !toBoolean(value); },
    "number": function (env, value) { return toNumber(value); },
    "string": function (env, value) { return toString(value); },
    "int": function (env, value) {
      var number = toNumber(value);
      return Number.isFinite(number) ? Math.trunc(number) : number;
    },
    "if": function (env, test, then, other) { return toBoolean(test) ? then : other; },
    "coalesce": function (env, first, second) { return first === "" ? second : first; },
    "regex": function (env, value, pattern) {
      return new RegExp(toString(pattern)).test(toString(value)); // may throw: see relevant()
    },
    // The calculation functions, as survey/core/expressions/functions.py defines them.
    "concat": function (env) {
      return Array.prototype.slice.call(arguments, 1).map(toString).join("");
    },
    "round": function (env, value, digits) {
      var number = toNumber(value);
      var places = digits === undefined ? 0 : toNumber(digits);
      if (Number.isNaN(places)) return NaN;
      if (!Number.isFinite(number)) return number;
      places = Math.max(-20, Math.min(20, Math.trunc(places)));
      var scaled = number * Math.pow(10, places);
      if (!Number.isFinite(scaled) || Math.abs(scaled) >= Math.pow(2, 52)) return number;
      var rounded = Math.floor(scaled + 0.5) / Math.pow(10, places);
      return Number.isFinite(rounded) ? rounded : number;
    },
    "sum": function (env) {
      return numbers(arguments).reduce(function (total, n) { return total + n; }, 0);
    },
    "max": extreme(Math.max),
    "min": extreme(Math.min),
    "substr": function (env, value, start, end) {
      var text = Array.from(toString(value));
      var first = toNumber(start);
      var last = end === undefined ? text.length : toNumber(end);
      if (Number.isNaN(first) || Number.isNaN(last)) return "";
      first = Math.trunc(Math.max(0, Math.min(text.length, first)));
      last = Math.trunc(Math.max(0, Math.min(text.length, last)));
      return text.slice(first, last).join("");
    },
    "date": function (env, value) {
      var time = moment(value);
      return time === null ? "" : isoDay(new Date(time));
    },
    "decimal-date-time": function (env, value) {
      var time = moment(value);
      return time === null ? NaN : time / DAY;
    },
    "format-date": function (env, value, pattern) {
      var time = moment(value);
      if (time === null) return "";
      var date = new Date(time);
      return toString(pattern).replace(/%([\s\S])/g, function (all, code) {
        return code in DATE_FORMATS ? DATE_FORMATS[code](date) : all;
      });
    },
    "jr:choice-name": function (env, code, question) {
      var text = toString(code);
      var found = /^\s*\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*$/.exec(toString(question));
      if (!env.labels || !found || !text) return text;
      return env.labels(found[1], text);
    }
  };

  Object.assign(FUNCTIONS, MORE_FUNCTIONS);

  function evaluate(node, env) {
    var kind = node[0];
    if (kind === "num" || kind === "str") return node[1];
    if (kind === "ref") return answerValue(env.answers[node[1]]);
    if (kind === "cur") return answerValue(env.current);
    if (kind === "col") return env.choice && env.choice[node[1]] !== undefined ? env.choice[node[1]] : "";
    if (kind === "neg") return -toNumber(evaluate(node[1], env));
    if (kind === "call") {
      var args = node.slice(2).map(function (arg) { return evaluate(arg, env); });
      return FUNCTIONS[node[1]].apply(null, [env].concat(args));
    }
    var left = evaluate(node[1], env);
    if (kind === "and") return toBoolean(left) ? toBoolean(evaluate(node[2], env)) : false;
    if (kind === "or") return toBoolean(left) ? true : toBoolean(evaluate(node[2], env));
    return OPERATORS[kind](left, evaluate(node[2], env));
  }

  function relevant(tree, env) {
    try {
      return toBoolean(evaluate(tree, env));
    } catch (error) {
      return true; // an expression this browser cannot evaluate: show it, the server decides
    }
  }

  // The page script (respondent.js) and the tests of the evaluator use these.
  window.surveyExpressions = {
    evaluate: evaluate, relevant: relevant, toBoolean: toBoolean, toString: toString,
    answerValue: answerValue, SPECIALS: SPECIALS
  };
})();
