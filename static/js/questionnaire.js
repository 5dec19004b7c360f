// socscope questionnaire and set-up forms: small enhancements; every page also works without them.
(function () {
  "use strict";

  var UNKNOWN_SUFFIX = "__unknown";
  var dirty = new Set();

  // Leaving a page with unsaved edits asks first. A page re-shown after a refused save starts out unsaved.
  document.querySelectorAll("form[data-warn-unsaved][data-unsaved]").forEach(function (form) {
    dirty.add(form);
  });

  function editedForm(event) {
    var target = event.target;
    return target && target.form && target.form.matches("[data-warn-unsaved]") ? target.form : null;
  }

  document.addEventListener("input", function (event) {
    var form = editedForm(event);
    if (form) dirty.add(form);
  });

  document.addEventListener("change", function (event) {
    var form = editedForm(event);
    if (form) dirty.add(form);
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A second click would post the same draft again and be refused as a conflict with itself.
    if (form.matches("[data-submit-once]")) {
      if (form.dataset.submitting) {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      form.setAttribute("aria-busy", "true");
    }
    dirty.delete(form);
  });

  // A number and "Don't know" exclude each other: ticking the box clears the number and typing unticks it.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.type !== "number" || !input.form || !input.value) return;
    var box = input.form.elements.namedItem(input.name + UNKNOWN_SUFFIX);
    if (box && box.checked) box.checked = false;
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked || !box.form || !box.name.endsWith(UNKNOWN_SUFFIX)) return;
    var number = box.form.elements.namedItem(box.name.slice(0, -UNKNOWN_SUFFIX.length));
    if (number) number.value = "";
  });

  // The result panel is replaced on every live update; whatever the reader unfolded stays unfolded. Its "Why"
  // and "which answers would change this" parts load when unfolded, so they load again for the new answers, and
  // a part inside one (a "which answers" inside a "Why") unfolds again once its container has loaded.
  var unfolded = {};

  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (details.dataset && details.dataset.key && details.closest("#result-panel")) {
        unfolded[details.dataset.key] = details.open;
      }
    },
    true // toggle does not bubble
  );

  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (!root.closest || !root.closest("#result-panel")) return;
    var parts = Array.prototype.slice.call(root.querySelectorAll("details[data-key]"));
    if (root.matches("details[data-key]")) parts.push(root);
    parts.forEach(function (details) {
      var open = unfolded[details.dataset.key];
      if (open !== undefined && details.open !== open) details.open = open;
    });
  });

  // The error summary takes focus so it is read out, and its links lead to each field.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
