/*
 * The projector wall fits every note of the stage on one screen, as large as it can.
 *
 * The page sets no inline style (the CSP forbids it): this script only sets CSS variables on
 * the groups' box through the CSSOM, which the stylesheet turns into font size, columns per
 * group and a line clamp. It tries the layouts from the largest font down and keeps the first
 * where no group overflows its box, preferring whole texts while they stay readable.
 */
(function () {
  "use strict";

  var MAX_FONT = 64;
  var MIN_FONT = 10;
  var WHOLE_BELOW = 18; // under this size, clamped texts at a larger size read better
  var MIN_CHARS = 5; // a card is at least this many characters wide
  var MAX_SUB = 6;

  function groupsBox() { return document.querySelector(".wall-groups"); }

  function apply(box, font, sub, clamp) {
    box.style.setProperty("--wall-font", font + "px");
    box.style.setProperty("--wall-sub", String(sub));
    box.style.setProperty("--wall-clamp", clamp);
  }

  function fits(box, font, sub) {
    var flows = box.querySelectorAll(".wall-flow");
    for (var i = 0; i < flows.length; i++) {
      var flow = flows[i];
      if (flow.clientWidth / sub < font * MIN_CHARS) return false;
      if (flow.scrollHeight > flow.clientHeight + 1 || flow.scrollWidth > flow.clientWidth + 1) {
        return false;
      }
    }
    return box.scrollHeight <= box.clientHeight + 1;
  }

  // The largest font that fits with ``sub`` columns per group and this clamp, or 0.
  function largest(box, sub, clamp) {
    var low = MIN_FONT;
    var high = MAX_FONT;
    apply(box, low, sub, clamp);
    if (!fits(box, low, sub)) return 0;
    while (low < high) {
      var mid = Math.ceil((low + high) / 2);
      apply(box, mid, sub, clamp);
      if (fits(box, mid, sub)) low = mid; else high = mid - 1;
    }
    return low;
  }

  function best(box, clamp) {
    var found = { font: 0, sub: 1, clamp: clamp };
    for (var sub = 1; sub <= MAX_SUB; sub++) {
      var font = largest(box, sub, clamp);
      if (font > found.font) found = { font: font, sub: sub, clamp: clamp };
    }
    return found;
  }

  function fit() {
    var box = groupsBox();
    if (!box) return;
    var choice = best(box, "none");
    box.setAttribute("data-fit", "whole");
    if (choice.font < WHOLE_BELOW) {
      [3, 2].forEach(function (lines) {
        var clamped = best(box, String(lines));
        if (clamped.font > choice.font) choice = clamped;
      });
      if (choice.clamp !== "none") box.setAttribute("data-fit", "clamped");
      if (!choice.font) choice = { font: MIN_FONT, sub: MAX_SUB, clamp: "2" };
    }
    apply(box, choice.font, choice.sub, choice.clamp);
    box.setAttribute("data-font", String(choice.font));
  }

  var pending = 0;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(fit, 120);
  }

  document.addEventListener("DOMContentLoaded", fit);
  window.addEventListener("resize", later);
  document.addEventListener("fusen:patched", later);
  document.addEventListener("htmx:oobAfterSwap", later);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
})();
