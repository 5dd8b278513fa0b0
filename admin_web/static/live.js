// The live-state badge of pages fed by /dashboard/stream: "connecting…", "● live", "reconnecting…".
// The badge is a polite live region (role=status), so a screen reader hears the changes.
(function () {
  "use strict";
  var LABELS = { connecting: "connecting…", live: "● live", reconnecting: "reconnecting…" };

  function show(state) {
    var badge = document.getElementById("live-state");
    if (!badge || badge.dataset.state === state) { return; }
    badge.dataset.state = state;
    badge.textContent = LABELS[state];
  }

  document.addEventListener("htmx:sseOpen", function () { show("live"); });
  document.addEventListener("htmx:sseError", function () { show("reconnecting"); });
})();
