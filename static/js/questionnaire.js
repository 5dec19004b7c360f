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

  // The result panel is replaced on every live update; whatever the user had unfolded stays unfolded (and the
  // "which answers would change this" parts load again for the new answers).
  var unfolded = null;

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || panel.id !== "result-panel") return;
    unfolded = [];
    panel.querySelectorAll("details[data-key]").forEach(function (details) {
      unfolded.push([details.dataset.key, details.open]);
    });
  });

  document.addEventListener("htmx:load", function (event) {
    var panel = event.target;
    if (!unfolded || !panel || panel.id !== "result-panel") return;
    unfolded.forEach(function (entry) {
      var details = panel.querySelector('details[data-key="' + entry[0] + '"]');
      if (details && details.open !== entry[1]) details.open = entry[1];
    });
    unfolded = null;
  });

  // The error summary takes focus so it is read out, and its links lead to each field.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
