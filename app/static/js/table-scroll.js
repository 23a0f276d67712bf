/* A table wider than the screen scrolls inside its .table-wrap box. Such a box must be
   reachable with the keyboard to scroll it (WCAG 2.1.1, axe's scrollable-region-focusable):
   while it overflows, it is a named region in the tab order; when it fits, it is not.
   A static file because the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  function mark(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", nameOf(box));
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
    }
  }

  // The region's name: the table's caption, else the title of its section, else the
  // heading before it; "(2)" and on when two regions would share one (landmark-unique).
  function nameOf(box) {
    var caption = box.querySelector("caption");
    var name = caption && caption.textContent.trim();
    var section = box.closest("[aria-labelledby]");
    if (!name && section) {
      var title = document.getElementById(section.getAttribute("aria-labelledby"));
      name = title && title.textContent.trim();
    }
    for (var node = box; !name && node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before && !name; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) name = before.textContent.trim();
      }
    }
    // "Tabel: …": a section named by the same title is a landmark of its own.
    var word = document.documentElement.lang === "en" ? "Table" : "Tabel";
    name = name ? word + ": " + name : word;
    var taken = {};
    document.querySelectorAll(".table-wrap[role=region]").forEach(function (other) {
      if (other !== box) taken[other.getAttribute("aria-label")] = true;
    });
    var unique = name;
    for (var n = 2; taken[unique]; n++) unique = name + " (" + n + ")";
    return unique;
  }

  function markAll() {
    document.querySelectorAll(".table-wrap").forEach(mark);
  }

  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("htmx:load", markAll);
  window.addEventListener("resize", markAll);
})();
