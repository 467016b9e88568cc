/*
 * A member's phone does not download the sorting scripts (SortableJS alone is 45 KB). When the
 * facilitator makes this phone its group's recorder, the group's patch names it in
 * data-recorders; then, and only once, the scripts are loaded in order.
 */
(function () {
  "use strict";

  var urls = ((document.currentScript && document.currentScript.getAttribute("data-scripts")) || "")
    .split(" ").filter(Boolean);
  var loading = false;

  function load(index) {
    if (index >= urls.length) return;
    var script = document.createElement("script");
    script.src = urls[index];
    script.onload = function () { load(index + 1); };
    document.head.appendChild(script);
  }

  function check() {
    if (loading) return;
    var me = document.body.getAttribute("data-me");
    var region = document.getElementById("phone-notes");
    if (!me || !region) return;
    var ids = (region.getAttribute("data-recorders") || "").split(" ");
    if (ids.indexOf(me) < 0) return;
    loading = true;
    document.body.classList.add("is-organiser");
    load(0);
  }

  document.addEventListener("htmx:afterSettle", check);
  document.addEventListener("htmx:oobAfterSwap", check);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
  else check();
})();
