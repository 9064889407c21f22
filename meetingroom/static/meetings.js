/* Live meeting screens (projector, console, phone): say so when the live connection is down.
   htmx's hx-ws extension reconnects by itself and the server then resends every fragment,
   so the screen resyncs; until then the figures are marked as possibly out of date.
   A static file because the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  var QUIET_MS = 30000; // the server sends a heartbeat every 10 s (live.py)
  var timer = null;
  var connection = null;

  function live(el) {
    return (el && el.closest && el.closest(".live")) || document.querySelector(".live");
  }
  function setDown(el, down) {
    var box = live(el);
    if (box) { box.classList.toggle("ws-down", down); }
  }
  function watch(el) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () {
      // Nothing heard for too long: the network may have dropped without telling us.
      setDown(el, true);
      if (connection && connection.socket) {
        try { connection.socket.close(4000, "heartbeat missed"); } catch (e) { /* closed */ }
      }
    }, QUIET_MS);
  }

  document.addEventListener("htmx:ws:after:connection", function (e) {
    connection = e.detail && e.detail.connection;
    setDown(e.target, false);
    watch(e.target);
  });
  document.addEventListener("htmx:ws:after:message:incoming", function (e) {
    setDown(e.target, false);
    watch(e.target);
  });
  document.addEventListener("htmx:ws:close", function (e) { setDown(e.target, true); });
  document.addEventListener("htmx:ws:error", function (e) { setDown(e.target, true); });
  window.addEventListener("offline", function () { setDown(null, true); });

  // A member's phone: when a vote opens live, bring the ballot into view and give it focus,
  // wherever the member had scrolled (issue 9 §2). Once per item, never on the first load.
  var ballotSeen = null;
  function ballotOpened() {
    var box = document.querySelector("#v-ballot.can_vote");
    var key = box ? box.getAttribute("data-item") : null;
    if (key && ballotSeen !== null && key !== ballotSeen) {
      var header = document.querySelector(".mtop");
      var top = box.getBoundingClientRect().top + window.scrollY;
      window.scrollTo(0, Math.max(0, top - (header ? header.offsetHeight : 0) - 8));
      box.focus({ preventScroll: true });
    }
    if (key || ballotSeen === null) { ballotSeen = key || ""; }
  }
  if (document.getElementById("v-ballot")) {
    ballotOpened();
    new MutationObserver(ballotOpened).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["class", "data-item"]
    });
  }

  // base.html loads htmx with `defer`; it may initialise before hx-ws.min.js has arrived, and
  // then never connects the socket. Processing the live element again, now that the
  // extension is registered, connects it (the extension ignores a second call).
  if (window.htmx) {
    document.querySelectorAll(".live").forEach(function (el) { window.htmx.process(el); });
  }
})();
