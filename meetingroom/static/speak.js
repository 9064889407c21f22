// 朗读: read a page's main text aloud with the browser's own speech synthesis (no server, no
// download). The button stays hidden where the browser has none.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") return;
  var lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
  document.querySelectorAll("button[data-speak]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-speak"));
    if (!target) return;
    var label = button.querySelector(".speak-label");
    var start = button.getAttribute("data-start");
    var stop = button.getAttribute("data-stop");
    button.hidden = false;
    function done() {
      button.setAttribute("aria-pressed", "false");
      if (label) label.textContent = start;
    }
    button.addEventListener("click", function () {
      if (synth.speaking) {
        synth.cancel();
        done();
        return;
      }
      var text = (target.innerText || target.textContent || "").replace(/\s+/g, " ").trim();
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      utterance.rate = 0.9; // a little slower than default: older listeners
      utterance.onend = done;
      utterance.onerror = done;
      button.setAttribute("aria-pressed", "true");
      if (label) label.textContent = stop;
      synth.speak(utterance);
    });
  });
})();
