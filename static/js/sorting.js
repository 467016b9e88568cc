/*
 * Live sorting on the board and on a recorder's tablet: drag notes and clusters with SortableJS.
 * The browser only proposes a move; the server decides, and every screen (this one included)
 * redraws from the event that follows. A refused move reloads the live region.
 */
(function () {
  "use strict";

  function canOrganise() {
    var body = document.body;
    return body.classList.contains("board") || body.classList.contains("is-organiser");
  }

  // A phone learns that it became its group's recorder from the group's shared patch.
  function syncRole() {
    var me = document.body.getAttribute("data-me");
    var region = document.getElementById("phone-notes");
    if (!me || !region) return;
    var ids = (region.getAttribute("data-recorders") || "").split(" ");
    document.body.classList.toggle("is-organiser", ids.indexOf(me) >= 0);
  }

  function refresh() {
    var refresher = document.getElementById("refresher");
    if (refresher && window.htmx) window.htmx.trigger(refresher, "fusen:refresh");
  }

  // The CSRF token htmx sends with every request sits on <body hx-headers>; send it too.
  function csrfHeaders() {
    var headers = { "HX-Request": "true" };
    try {
      var extra = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      Object.keys(extra).forEach(function (key) { headers[key] = extra[key]; });
    } catch (e) { /* no token on this page: the server answers with a readable refusal */ }
    return headers;
  }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (key) { body.append(key, data[key]); });
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: csrfHeaders()
    }).then(function (response) {
      if (response.ok) return;
      return response.text().then(function (html) {
        var box = document.getElementById("form-error");
        if (box) box.innerHTML = html; // server-rendered and escaped
        refresh();
      });
    }).catch(refresh);
  }

  function previousCard(el, selector) {
    var prev = el.previousElementSibling;
    while (prev && !prev.matches(selector)) prev = prev.previousElementSibling;
    return prev;
  }

  // A card names its actions once, through its menu link (…/notes/<id>/menu).
  function noteUrl(card, action) {
    var link = card.querySelector("a[data-menu]");
    return link ? link.getAttribute("href").replace(/\/menu$/, "/" + action) : null;
  }

  function onNoteDrop(evt) {
    var card = evt.item;
    var to = evt.to;
    if (to.getAttribute("data-sortable") === "onto") {
      var target = to.getAttribute("data-onto");
      if (target && target !== card.getAttribute("data-note")) {
        post(noteUrl(card, "onto"), { target: target });
      } else {
        refresh();
      }
      return;
    }
    if (evt.from === to && evt.oldIndex === evt.newIndex) return;
    var cluster = to.getAttribute("data-cluster") || "";
    if (cluster === "" && evt.from === to) { refresh(); return; } // loose notes keep posting order
    var prev = cluster && cluster !== "new" ? previousCard(card, ".card[data-note]") : null;
    var place = { cluster: cluster };
    if (cluster && cluster !== "new") {
      if (prev) place.after = prev.getAttribute("data-note"); else place.first = "true";
    }
    post(noteUrl(card, "move"), place);
  }

  function onClusterDrop(evt) {
    if (evt.oldIndex === evt.newIndex) return;
    var prev = previousCard(evt.item, ".cluster[data-cluster]");
    post(evt.item.getAttribute("data-move-url"), {
      after: prev ? prev.getAttribute("data-cluster") : ""
    });
  }

  function init(root) {
    if (!window.Sortable) return;
    syncRole();
    var disabled = !canOrganise();
    (root || document).querySelectorAll("[data-sortable]").forEach(function (list) {
      // Sorting the facilitator marked done is frozen on every screen.
      var off = disabled || !!list.closest(".sort-area.frozen");
      if (list._fusenSortable) { list._fusenSortable.option("disabled", off); return; }
      var area = list.closest(".sort-area");
      var group = area ? area.getAttribute("data-group") : "x";
      var kind = list.getAttribute("data-sortable");
      var common = {
        forceFallback: true,
        fallbackOnBody: true,
        delay: 150,
        delayOnTouchOnly: true,
        animation: 120,
        disabled: off,
        filter: "input, textarea, select, button, summary, a, label",
        preventOnFilter: false,
        emptyInsertThreshold: 24
      };
      if (kind === "clusters") {
        common.group = "clusters-" + group;
        common.handle = ".cluster-handle";
        common.draggable = ".cluster";
        common.onEnd = onClusterDrop;
      } else {
        // Notes move only within their own group's column; "onto" zones only receive.
        common.group = kind === "onto"
          ? { name: "notes-" + group, pull: false, put: true }
          : "notes-" + group;
        common.draggable = ".card[data-note]";
        common.onEnd = onNoteDrop;
      }
      list._fusenSortable = window.Sortable.create(list, common);
    });
  }

  // ---- Typing a cluster title survives a patch of the same column ------------------------
  var kept = null;
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var active = document.activeElement;
    var target = evt.detail.target;
    kept = null;
    if (active && target && target.contains(active) && active.id && active.matches("input, textarea")) {
      kept = { id: active.id, value: active.value, changed: active.value !== active.defaultValue,
               start: active.selectionStart, end: active.selectionEnd };
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!kept) return;
    var el = document.getElementById(kept.id);
    if (el) {
      if (kept.changed) el.value = kept.value;
      el.focus();
      try { el.setSelectionRange(kept.start, kept.end); } catch (e) { /* not a text field */ }
    }
    kept = null;
  });

  // Enter in a cluster title saves it without leaving the field.
  document.addEventListener("keydown", function (evt) {
    var el = evt.target;
    if (!el || !el.matches || !el.matches("input.title-input")) return;
    if (evt.key !== "Enter" || evt.isComposing || evt.keyCode === 229) return;
    evt.preventDefault();
    if (window.htmx && el.form) window.htmx.trigger(el.form, "submit");
  });

  // ---- One menu for every card -------------------------------------------------------------
  // A card's "Sort…" link is a page of its own without JavaScript; here it opens the page's
  // one dialog with that page's menu, fetched when opened.
  function openMenu(link) {
    var dialog = document.getElementById("note-dialog");
    var body = document.getElementById("note-dialog-body");
    if (!dialog || !body || !dialog.showModal) return false;
    window.fetch(link.getAttribute("href"), {
      credentials: "same-origin", headers: { "HX-Request": "true" }
    }).then(function (response) {
      return response.text().then(function (html) {
        body.innerHTML = html; // server-rendered and escaped
        if (window.htmx) window.htmx.process(body);
        if (!dialog.open) dialog.showModal();
        var first = body.querySelector("select, button");
        if (first) first.focus();
      });
    }).catch(function () { window.location.href = link.getAttribute("href"); });
    return true;
  }
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-menu]");
    if (link && openMenu(link)) evt.preventDefault();
  });
  // A menu action that succeeded closes the dialog; the stream redraws the card.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var dialog = document.getElementById("note-dialog");
    if (dialog && dialog.open && evt.detail.successful && dialog.contains(evt.detail.elt)) {
      dialog.close();
    }
  });

  // Hidden notes' text is fetched only when the facilitator opens the list.
  document.addEventListener("toggle", function (evt) {
    var details = evt.target;
    if (!details.matches || !details.matches("details[data-fetch]") || !details.open) return;
    var box = details.querySelector(".moderated-list");
    if (!box || box.getAttribute("data-loaded")) return;
    window.fetch(details.getAttribute("data-fetch"), {
      credentials: "same-origin", headers: { "HX-Request": "true" }
    }).then(function (response) { return response.text(); }).then(function (html) {
      box.innerHTML = html; // server-rendered and escaped
      box.setAttribute("data-loaded", "1");
      if (window.htmx) window.htmx.process(box);
    });
  }, true);

  function after() { init(document); }
  document.addEventListener("htmx:afterSettle", after);
  document.addEventListener("htmx:oobAfterSwap", after);
  document.addEventListener("fusen:patched", after);
  // A phone that became its group's recorder loads this script after the page did.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", after);
  else after();
})();
