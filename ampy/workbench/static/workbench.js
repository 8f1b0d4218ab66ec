// The workbench page's only script: live updates and the preview width. The page works without it.
(function () {
  "use strict";

  // Desktop / mobile width of the preview iframe (delegated: the main element is replaced on updates).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-width]");
    if (!button) return;
    var frame = document.getElementById("ampy-html");
    if (!frame) return;
    var width = button.getAttribute("data-width");
    frame.classList.toggle("ampy-mobile", width === "mobile");
    frame.classList.toggle("ampy-desktop", width !== "mobile");
    document.querySelectorAll("button[data-width]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b === button));
    });
  });

  var main = document.getElementById("ampy-main");
  if (!main || !main.hasAttribute("data-live-since") || !window.EventSource) return;

  var width = function () {
    var pressed = document.querySelector("button[data-width][aria-pressed='true']");
    return pressed ? pressed.getAttribute("data-width") : "desktop";
  };

  // On a workspace change, fetch this page again and swap in its main element: the preview
  // re-renders for the same email and subscriber, scroll position and window stay.
  var refreshing = null;
  var refresh = function () {
    if (refreshing) { refreshing.again = true; return; }
    refreshing = { again: false };
    var keep = width();
    fetch(window.location.href, { headers: { "X-Ampy-Fragment": "1" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        main.innerHTML = html;
        if (keep === "mobile") {
          var button = document.querySelector("button[data-width='mobile']");
          if (button) button.click();
        }
        main.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        var again = refreshing.again;
        refreshing = null;
        if (again) refresh();
      });
  };

  var since = main.getAttribute("data-live-since");
  var events = new EventSource("/_ampy/events?since=" + encodeURIComponent(since));
  events.addEventListener("change", refresh);
})();
