/*
 * The stage countdown on the board and on every phone. Kept apart from sorting.js, which only
 * pages that organise notes load.
 */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var el = document.getElementById("timer");
    if (!el) return;
    var ends = el.getAttribute("data-ends-at");
    var button = document.getElementById("post-submit");
    if (!ends) {
      el.textContent = "";
      el.className = "timer";
      return;
    }
    if (el._fusenFor !== ends) {
      // The server's clock is the truth; a phone's own clock may be minutes off.
      el._fusenOffset = Date.parse(el.getAttribute("data-now")) - Date.now();
      el._fusenFor = ends;
    }
    var left = Math.round((Date.parse(ends) - (Date.now() + el._fusenOffset)) / 1000);
    if (left <= 0) {
      el.textContent = el.getAttribute("data-label-up");
      el.className = "timer up";
      if (button && el.getAttribute("data-lock") === "1") button.disabled = true;
    } else {
      el.textContent = el.getAttribute("data-label-left") + " " +
        Math.floor(left / 60) + ":" + pad(left % 60);
      el.className = "timer running" + (left <= 60 ? " soon" : "");
    }
  }
  window.setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("htmx:oobAfterSwap", tick);
  document.addEventListener("fusen:patched", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
