// Keyboard moves for the inbox: j/k move between cases, Enter opens, / jumps to the filters.
// Typing in a field is never intercepted. The focused row survives the 4-second refresh.
(function () {
  "use strict";
  var current = null;  // the reference of the focused case, so a refreshed table keeps the place

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox-rows tr[data-case]")); }

  function focusRow(row) {
    if (!row) { return; }
    rows().forEach(function (r) { r.classList.remove("row-focused"); });
    row.classList.add("row-focused");
    current = row.getAttribute("data-case");
    var link = row.querySelector(".ref a");
    if (link) { link.focus(); }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.findIndex(function (r) { return r.getAttribute("data-case") === current; });
    focusRow(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "textarea" || tag === "select") { return; }
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "/") {
      var first = document.querySelector("#inbox-filters select");
      if (first) { first.focus(); event.preventDefault(); }
    }
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    if (!current) { return; }
    var again = document.querySelector('#inbox-rows tr[data-case="' + current + '"]');
    if (again) { again.classList.add("row-focused"); }
  });
})();
