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
  var WHOLE_BELOW = 14; // under this size, clamped texts at a larger size read better
  var MIN_CHARS = 5; // a card is at least this many characters wide
  var MAX_SUB = 6;
  var TWO_LINES_GAIN = 0.8; // two lines are chosen over three only above 1/0.8 of the size

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
      if (flow.scrollHeight > flow.clientHeight + 1 || flow.scrollWidth > flow.clientWidth + 1) {
        return false;
      }
    }
    return box.scrollHeight <= box.clientHeight + 1;
  }

  // The largest font above ``floor`` that fits with ``sub`` columns per group, or 0. Each try
  // lays the whole wall out once, so sizes that cannot beat the best so far are never tried.
  function largest(box, sub, clamp, floor, ceiling) {
    var low = floor + 1;
    // A column narrower than MIN_CHARS characters is no layout: no need to lay it out.
    ceiling = Math.min(ceiling, Math.floor(flowWidth(box) / sub / MIN_CHARS));
    if (low > ceiling) return 0;
    apply(box, low, sub, clamp);
    if (!fits(box, low, sub)) return 0;
    var high = ceiling;
    while (low < high) {
      var mid = Math.ceil((low + high) / 2);
      apply(box, mid, sub, clamp);
      if (fits(box, mid, sub)) low = mid; else high = mid - 1;
    }
    return low;
  }

  // The groups' width does not depend on the font: measured once per fit.
  var widthCache = 0;
  function flowWidth(box) {
    if (!widthCache) {
      var flow = box.querySelector(".wall-flow");
      widthCache = flow ? flow.clientWidth : 0;
    }
    return widthCache;
  }

  // No layout shows whole texts in a font whose glyphs alone would cover more than the box.
  function ceilingOf(box) {
    var chars = 0;
    box.querySelectorAll(".wtext").forEach(function (el) { chars += el.textContent.length + 4; });
    var area = box.clientWidth * box.clientHeight;
    if (!chars || !area) return MAX_FONT;
    return Math.max(MIN_FONT, Math.min(MAX_FONT, Math.ceil(Math.sqrt(area / (chars * 1.2)))));
  }

  // Across column counts the best size rises, then falls: stop at the first that cannot beat
  // the one before it.
  function best(box, clamp, ceiling, found) {
    var improved = false;
    for (var sub = 1; sub <= MAX_SUB; sub++) {
      var font = largest(box, sub, clamp, found.font || MIN_FONT - 1, ceiling);
      if (font) { found = { font: font, sub: sub, clamp: clamp }; improved = true; }
      else if (improved) break;
    }
    return found;
  }

  var shown = null; // the layout chosen last time, as {font, sub, clamp}

  // After a patch the chosen layout usually still holds: keep it when it fits and one pixel
  // more does not (two layouts instead of a search); otherwise search again.
  function refit() {
    var box = groupsBox();
    if (!box) return;
    widthCache = 0;
    if (shown && box.getAttribute("data-font") === String(shown.font)) {
      apply(box, shown.font + 1, shown.sub, shown.clamp);
      var grows = fits(box, shown.font + 1, shown.sub);
      apply(box, shown.font, shown.sub, shown.clamp);
      if (!grows && fits(box, shown.font, shown.sub)) return;
    }
    fit(box);
  }

  function fit(box) {
    var started = window.performance.now();
    widthCache = 0;
    var ceiling = ceilingOf(box);
    var choice = best(box, "none", ceiling, { font: 0, sub: 1, clamp: "none" });
    var whole = choice.font >= WHOLE_BELOW;
    if (!whole) {
      // Three lines of a note say more than two: two only when they are much larger.
      var three = best(box, "3", MAX_FONT, choice);
      var two = best(box, "2", MAX_FONT, three);
      choice = two.clamp === "2" && two.font * TWO_LINES_GAIN > three.font ? two : three;
      if (!choice.font) choice = { font: MIN_FONT, sub: MAX_SUB, clamp: "2" };
    }
    apply(box, choice.font, choice.sub, choice.clamp);
    shown = choice;
    box.setAttribute("data-fit", choice.clamp === "none" ? "whole" : "clamped");
    box.setAttribute("data-font", String(choice.font));
    box.setAttribute("data-fit-ms", String(Math.round(window.performance.now() - started)));
  }

  var pending = 0;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(refit, 120);
  }

  document.addEventListener("DOMContentLoaded", later);
  window.addEventListener("resize", later);
  document.addEventListener("fusen:patched", later);
  document.addEventListener("htmx:oobAfterSwap", later);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
})();
