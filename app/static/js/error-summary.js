/* The error summary of a refused form (GOV.UK's pattern): the box takes the focus when the
   page loads and when htmx swaps a refused form in, so that a screen reader reads it and the
   keyboard starts there; a link in it focuses its field and shows the field's label.
   A static file because the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  var SUMMARY = "[data-error-summary]";

  function focusSummaryIn(root) {
    if (!root || !root.querySelector) return;
    var box = root.matches && root.matches(SUMMARY) ? root : root.querySelector(SUMMARY);
    if (box) box.focus();
  }

  function labelOf(input) {
    var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    if (input.type === "checkbox" || input.type === "radio") return legend || input;
    return document.querySelector('label[for="' + CSS.escape(input.id) + '"]') || input;
  }

  function openField(event) {
    var link = event.target.closest && event.target.closest(SUMMARY + ' a[href^="#"]');
    if (!link) return;
    var input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!input) return;
    event.preventDefault();
    var details = input.closest("details");
    if (details) details.open = true;
    labelOf(input).scrollIntoView();
    input.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () { focusSummaryIn(document.body); });
  // htmx fires htmx:load on every piece of content it swaps in (and on the body at start).
  document.addEventListener("htmx:load", function (event) { focusSummaryIn(event.target); });
  document.addEventListener("click", openField);
})();
