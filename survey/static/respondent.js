/* The respondent's page, improved when scripts run; everything works without it.
 *
 * - Live relevance: questions carry their `relevant` expression as a JSON tree
 *   (survey/core/expressions.py, Expression.to_json) in data-relevant; expressions.js
 *   (loaded first) evaluates it with the server's rules, and this file hides or shows
 *   the question. The server stays authoritative on every save.
 * - Live required marks: a question with a `required_if` carries it in data-required-if;
 *   its mark (drawn hidden unless the condition held) is shown while it holds.
 * - Live choice filters: a question with a `choice_filter` carries its tree in data-filter
 *   and each option its columns in data-columns; as the answers change, the options
 *   that no longer fit are hidden and cleared, as the server draws them.
 * - Autosave: ~1.5 s after the last change the page's fields are POSTed as JSON to
 *   the form's data-autosave address with the CSRF token in X-CSRFToken; the answer
 *   versions that come back keep the page's optimistic lock current.
 * - Focus moves to the error summary; don't know / refused exclude other choices;
 *   Submit is sent once (the server is idempotent anyway).
 */
(function () {
  "use strict";

  var expressions = window.surveyExpressions;
  var evaluate = expressions.evaluate;
  var relevant = expressions.relevant;
  var toBoolean = expressions.toBoolean;
  var SPECIALS = expressions.SPECIALS;

  // ------------------------------------------------------------------ the page's answers
  var form = document.getElementById("page");

  function folded(text) {
    return text.normalize("NFKC").replace(/\u2212/g, "-").trim();
  }

  function checked(wrapper, name) {
    return Array.prototype.filter.call(
      wrapper.querySelectorAll("input[name=\"" + CSS.escape(name) + "\"]"),
      function (input) { return input.checked; }
    ).map(function (input) { return input.value; });
  }

  function valueOf(wrapper) {
    var key = wrapper.dataset.key;
    var type = wrapper.dataset.type;
    if (type === "note") return undefined;
    if (type === "multi") {
      var codes = checked(wrapper, key);
      return codes.some(function (code) { return SPECIALS.indexOf(code) >= 0; }) ? "" : codes;
    }
    if (type === "single" || type === "yesno" || type === "scale" || type === "acknowledge") {
      var dropdown = wrapper.querySelector("select[name=\"" + CSS.escape(key) + "\"]");
      if (dropdown) return dropdown.value === "" ? null : dropdown.value;
      var chosen = checked(wrapper, key);
      return chosen.length ? chosen[0] : null;
    }
    if (type === "range") {
      var point = checked(wrapper, key);
      return point.length ? (SPECIALS.indexOf(point[0]) >= 0 ? "" : parseFloat(point[0])) : null;
    }
    if (checked(wrapper, key + "__special").length) return "";
    if (type === "rank") {
      var order = Array.prototype.map.call(
        wrapper.querySelectorAll("select[name=\"" + CSS.escape(key) + "\"]"),
        function (select) { return select.value; }
      ).filter(function (code) { return code !== ""; });
      return order.length ? order : null;
    }
    var field = wrapper.querySelector("[name=\"" + CSS.escape(key) + "\"]");
    var text = field ? field.value : "";
    if (type === "integer" || type === "number" || type === "year") {
      var number = folded(text);
      if (number === "") return null;
      return /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(number) ? parseFloat(number) : number;
    }
    if (type === "date") return folded(text) || null;
    return text === "" ? null : text;
  }

  function pageAnswers(wrappers, outside) {
    var answers = Object.assign({}, outside);
    wrappers.forEach(function (wrapper) {
      var value = valueOf(wrapper);
      if (value !== undefined) answers[wrapper.dataset.key] = value;
    });
    return answers;
  }

  // ------------------------------------------------------------------ live relevance
  // A roster's cell (data-key "<roster>.<row>.<column>") sees its own row's cells under
  // their column keys, as the server evaluates a column's `relevant` in its row.
  function rowAnswers(wrapper, answers) {
    var row = wrapper.closest(".roster-row");
    if (!row) return answers;
    var scoped = Object.assign({}, answers);
    row.querySelectorAll("[data-key]").forEach(function (cell) {
      var value = valueOf(cell);
      if (value !== undefined) scoped[cell.dataset.key.split(".").pop()] = value;
    });
    return scoped;
  }

  function setUpRelevance() {
    var wrappers = Array.prototype.slice.call(form.querySelectorAll("[data-key]"));
    var conditional = wrappers.filter(function (w) { return w.hasAttribute("data-relevant"); });
    var outside = JSON.parse(form.dataset.answers || "{}");
    var shownField = form.querySelector("input[name=_shown]");
    var trees = new Map();
    conditional.forEach(function (w) { trees.set(w, JSON.parse(w.dataset.relevant)); });

    function update() {
      var answers = pageAnswers(wrappers, outside);
      conditional.forEach(function (w) {
        var env = { answers: rowAnswers(w, answers), current: null, today: form.dataset.today };
        w.hidden = !relevant(trees.get(w), env);
      });
      if (shownField) {
        shownField.value = wrappers.filter(function (w) { return !w.hidden; })
          .map(function (w) { return w.dataset.key; }).join(",");
      }
    }
    if (conditional.length) {
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      update();
    }
  }

  // ------------------------------------------------------------------ live required marks
  // A question with a `required_if` carries its tree in data-required-if and its mark
  // drawn hidden (shown by the server while the condition held when drawn); the mark
  // follows the answers. The server decides on save, as for relevance.
  function setUpRequiredMarks() {
    var wrappers = Array.prototype.slice.call(form.querySelectorAll("[data-key]"));
    var conditional = wrappers.filter(function (w) { return w.hasAttribute("data-required-if"); });
    if (!conditional.length) return;
    var outside = JSON.parse(form.dataset.answers || "{}");
    var trees = new Map();
    conditional.forEach(function (w) { trees.set(w, JSON.parse(w.dataset.requiredIf)); });

    function update() {
      var answers = pageAnswers(wrappers, outside);
      conditional.forEach(function (w) {
        var mark = w.querySelector("[data-mark]");
        if (!mark) return;
        var env = { answers: rowAnswers(w, answers), current: null, today: form.dataset.today };
        try {
          mark.hidden = !toBoolean(evaluate(trees.get(w), env));
        } catch (error) {
          // an expression this browser cannot evaluate: the mark stays as the server drew it
        }
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  // ------------------------------------------------------------------ live choice filters
  function setUpChoiceFilters() {
    var wrappers = Array.prototype.slice.call(form.querySelectorAll("[data-key]"));
    var filtered = wrappers.filter(function (w) { return w.hasAttribute("data-filter"); });
    if (!filtered.length) return;
    var outside = JSON.parse(form.dataset.answers || "{}");
    var trees = new Map();
    filtered.forEach(function (w) { trees.set(w, JSON.parse(w.dataset.filter)); });

    function fits(tree, env, element) {
      try {
        env.choice = JSON.parse(element.dataset.columns || "{}");
        return toBoolean(evaluate(tree, env));
      } catch (error) {
        return true; // an expression this browser cannot evaluate: offer it, the server decides
      }
    }

    function update(event) {
      filtered.forEach(function (w) {
        if (event && w.contains(event.target)) return; // choosing here changes no option of its own
        // read afresh for each: clearing a city clears the districts filtered by it
        var env = { answers: pageAnswers(wrappers, outside), current: null, today: form.dataset.today };
        var any = false;
        w.querySelectorAll("[data-columns]").forEach(function (choice) {
          var on = fits(trees.get(w), env, choice);
          any = any || on;
          if (choice.tagName === "OPTION") {
            choice.hidden = !on;
            choice.disabled = !on;
            if (!on && choice.selected) choice.parentNode.value = "";
          } else {
            choice.closest("label").hidden = !on;
            if (!on) choice.checked = false;
          }
        });
        var none = w.querySelector("[data-none]");
        if (none) none.hidden = any;
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  // ------------------------------------------------------------------ don't know / refused
  function setUpSpecials() {
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (!input.checked || input.type !== "checkbox") return;
      var wrapper = input.closest("[data-key]");
      if (!wrapper) return;
      var key = wrapper.dataset.key;
      if (input.name === key + "__special") {
        uncheck(wrapper, key + "__special", input);
      } else if (input.name === key && (wrapper.dataset.type === "multi" ||
                                         wrapper.dataset.type === "acknowledge")) {
        var special = input.hasAttribute("data-special");
        wrapper.querySelectorAll("input[name=\"" + CSS.escape(key) + "\"]").forEach(function (other) {
          if (other !== input && (special || other.hasAttribute("data-special"))) other.checked = false;
        });
      }
    });
    form.addEventListener("input", function (event) {
      var input = event.target;
      var wrapper = input.closest && input.closest("[data-key]");
      if (wrapper && input.name === wrapper.dataset.key && input.value.trim() !== "" &&
          (input.tagName === "TEXTAREA" || input.tagName === "SELECT" || TYPED[input.type])) {
        uncheck(wrapper, wrapper.dataset.key + "__special", null);
      }
    });
  }

  var TYPED = { text: 1, date: 1, time: 1, "datetime-local": 1 };

  function uncheck(wrapper, name, keep) {
    wrapper.querySelectorAll("input[name=\"" + CSS.escape(name) + "\"]").forEach(function (box) {
      if (box !== keep) box.checked = false;
    });
  }

  // ------------------------------------------------------------------ autosave
  function setUpAutosave() {
    var status = document.getElementById("save-status");
    var token = form.querySelector("input[name=csrf_token]").value;
    var timer = null;
    var inFlight = false;
    var dirty = false;
    var waitingSubmit = null;
    var skip = { csrf_token: 1, _ui: 1, _nav: 1, _lang: 1 };

    function say(kind) {
      status.textContent = status.dataset[kind] || "";
      status.classList.toggle("problem", kind !== "saved" && kind !== "saving");
    }

    function fields() {
      var list = [];
      new FormData(form).forEach(function (value, name) {
        if (!skip[name] && typeof value === "string") list.push([name, value]);
      });
      return list;
    }

    function applyVersions(versions) {
      Object.keys(versions || {}).forEach(function (key) {
        var field = form.querySelector("input[name=\"" + CSS.escape("_v." + key) + "\"]");
        if (field) field.value = String(versions[key]);
      });
    }

    function finished(kind) {
      inFlight = false;
      if (kind) say(kind);
      if (waitingSubmit !== null) {
        var submitter = waitingSubmit;
        waitingSubmit = null;
        form.requestSubmit(submitter || undefined);
      } else if (dirty) {
        schedule();
      }
    }

    function save(keepalive) {
      if (inFlight) { schedule(); return; }
      inFlight = true;
      dirty = false;
      say("saving");
      fetch(form.dataset.autosave, {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ section: form.dataset.section, fields: fields() })
      }).then(function (response) {
        if (response.status === 401) return finished("session");
        if (!response.ok) return finished("failed");
        return response.json().then(function (data) {
          applyVersions(data.versions);
          if (data.conflicts && data.conflicts.length) return finished("conflict");
          finished(Object.keys(data.errors || {}).length ? "failed" : "saved");
        });
      }).catch(function () { finished("failed"); });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    }

    function changed(event) {
      if (event.target.name === "_lang" || event.target.name === "_nav") return;
      dirty = true;
      schedule();
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      if (inFlight) { // let the save land first, so the page posts current versions
        event.preventDefault();
        waitingSubmit = event.submitter || null;
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && dirty) { clearTimeout(timer); save(true); }
    });
  }

  // ------------------------------------------------------------------ small things
  function setUpOnce() {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || !submitter.hasAttribute("data-once") || event.defaultPrevented) return;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  }

  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  if (form) {
    setUpSpecials();
    setUpRelevance();
    setUpRequiredMarks();
    setUpChoiceFilters();
    if (form.dataset.autosave && window.fetch) setUpAutosave();
    setUpOnce();
  }
  focusSummary();
})();
