// Live reload for a served page: reload it when a file of the workspace changes.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var events = new EventSource("/_ampy/events");
  events.addEventListener("change", function () { window.location.reload(); });
})();
