// Keyboard moves on the case page: r reply, n note, d disposition, s status, t take, u (or g i)
// back to the inbox, ? the list. Typing in a field is never intercepted, so a handler writing
// "thanks" in the reply box does not take the case or jump away.
(function () {
  "use strict";
  var pendingG = false;  // "g" waits for its second key ("g i": go to the inbox)

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusField(id, fallbackId) {
    var field = document.getElementById(id) || document.getElementById(fallbackId);
    if (!field) { return false; }
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function take() {
    var form = document.getElementById("take-form");
    if (form) { form.requestSubmit(); return true; }
    return false;  // already held by the viewer: nothing to take
  }

  function showKeys() {
    var dialog = document.getElementById("case-keys");
    if (dialog && !dialog.open) { dialog.showModal(); }
    return Boolean(dialog);
  }

  var moves = {
    r: function () { return focusField("reply-text", "reply-panel"); },  // the panel loads after the page
    n: function () { return focusField("note"); },
    d: function () { return focusField("disposition"); },
    s: function () { return focusField("status"); },
    t: take,
    u: function () { window.location.assign("/"); return true; },
    "?": showKeys
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]") && event.key !== "?") { return; }
    if (pendingG) {
      pendingG = false;
      if (event.key === "i") { window.location.assign("/"); event.preventDefault(); }
      return;
    }
    if (event.key === "g") { pendingG = true; return; }
    var move = moves[event.key];
    if (move && move()) { event.preventDefault(); }
  });

  var open = document.getElementById("keys-open");
  if (open) { open.addEventListener("click", showKeys); }
})();
