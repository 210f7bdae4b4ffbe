// Small page behaviours, kept out of the HTML so the Content-Security-Policy can refuse every
// inline script and handler. Listeners are delegated from the document, so content that htmx
// swaps in later works the same as the first page.
(function () {
  "use strict";

  // A guidance reply template goes into the case's reply box when there is one; else it is copied.
  function useTemplate(button) {
    var text = document.getElementById(button.dataset.template).value;
    var box = document.querySelector("textarea[name=reply], textarea[name=text][data-reply], #reply-text");
    if (box) { box.value = text; box.focus(); button.textContent = "Put in reply box"; }
    else if (navigator.clipboard) { navigator.clipboard.writeText(text); button.textContent = "Copied"; }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var template = target.closest(".guidance-panel .use-template");
    if (template) { useTemplate(template); return; }
    if (target.closest("[data-print]")) { window.print(); }
  });

  // A form shown again with errors: the summary takes focus, so a screen reader reads it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
  });
})();
