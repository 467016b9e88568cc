/*
 * Fusen's small layer over htmx. Everything here makes the phone survive real venues:
 * a Japanese IME, a flaky Wi-Fi, and screens that must never go back in time.
 */
(function () {
  "use strict";

  // ---- Live regions never go back in time -------------------------------------------
  // Every live region carries data-seq (the event it reflects). A patch older than what is
  // shown arrives after a reconnect or a slow refresh; it is dropped instead of swapped.
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var target = evt.detail.target;
    var incoming = evt.detail.fragment && evt.detail.fragment.firstElementChild;
    if (!target || !incoming || !incoming.hasAttribute || !incoming.hasAttribute("data-seq")) {
      incoming = evt.detail.fragment;
    }
    var next = incoming && incoming.getAttribute ? Number(incoming.getAttribute("data-seq")) : NaN;
    var shown = Number(target.getAttribute("data-seq"));
    if (!isNaN(next) && !isNaN(shown) && next < shown) {
      evt.detail.shouldSwap = false;
    }
  });

  // ---- One download per page ------------------------------------------------------------
  // The page is drawn at a seq and its stream starts after it (sse-connect carries ?after=).
  // The live regions are fetched again only after a "reset": the stream could not replay.
  function refresh() {
    var refresher = document.getElementById("refresher");
    if (refresher && window.htmx) window.htmx.trigger(refresher, "fusen:refresh");
  }

  // The htmx SSE extension reopens a dropped stream from its sse-connect URL, without
  // Last-Event-ID: keep that URL's ?after= at the newest event this page has received.
  function remember(seq) {
    var root = document.querySelector("[sse-connect]");
    if (!root || !(seq > 0)) return;
    var url = root.getAttribute("sse-connect");
    var next = /[?&]after=\d*/.test(url)
      ? url.replace(/([?&]after=)\d*/, "$1" + seq)
      : url + (url.indexOf("?") < 0 ? "?" : "&") + "after=" + seq;
    root.setAttribute("sse-connect", next);
  }

  function seqOf(el) {
    var value = Number(el && el.getAttribute && el.getAttribute("data-seq"));
    return isNaN(value) ? 0 : value;
  }

  // ---- Card patches: place, replace or remove one card ------------------------------------
  // A card's place in its list is its data-order (cluster key, then posting order).
  function place(card, list) {
    var order = card.getAttribute("data-order") || "";
    var before = null;
    var last = list.lastElementChild;
    if (last && (last.getAttribute("data-order") || "") > order) {
      for (var el = list.firstElementChild; el; el = el.nextElementSibling) {
        if ((el.getAttribute("data-order") || "") > order) { before = el; break; }
      }
    }
    list.insertBefore(card, before); // the common case: a new note goes last
  }

  // Apply one region's card patch unless the region already shows this seq or newer. Returns
  // false when the page lacks a list the patch needs (then the live region is fetched again).
  function applyCards(tpl) {
    var region = document.getElementById(tpl.getAttribute("data-region"));
    var seq = seqOf(tpl);
    if (!region || seq <= seqOf(region)) return true;
    var ok = true;
    var changed = [];
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      var op = el.getAttribute("data-op");
      var shown = el.id ? document.getElementById(el.id) : null;
      el.removeAttribute("data-op");
      if (op === "remove") {
        if (shown) shown.remove();
      } else if (op === "replace") {
        if (shown) { shown.replaceWith(el); changed.push(el); }
      } else {
        var list = document.getElementById(el.getAttribute("data-list"));
        el.removeAttribute("data-list");
        if (!list) { ok = false; return; }
        if (shown) shown.remove();
        place(document.importNode(el, true), list);
        changed.push(list.querySelector("#" + CSS.escape(el.id)));
      }
    });
    region.setAttribute("data-seq", String(seq));
    changed.forEach(function (el) { if (el && window.htmx) window.htmx.process(el); });
    document.dispatchEvent(new CustomEvent("fusen:patched", { detail: { region: region } }));
    return ok;
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    var message = evt.detail || {};
    // A "reset" means this screen fell too far behind to replay: forget and reload the state.
    if (message.type === "reset") {
      evt.preventDefault();
      document.querySelectorAll("[data-seq]").forEach(function (el) {
        el.setAttribute("data-seq", "0");
      });
      remember(Number(message.lastEventId));
      if (document.body.hasAttribute("data-reload-on-reset")) window.location.reload();
      else refresh();
      return;
    }
    remember(Number(message.lastEventId));
    if (typeof message.data !== "string" || message.data.indexOf("data-region=") < 0) return;
    evt.preventDefault();
    var holder = document.createElement("template");
    holder.innerHTML = message.data;
    var complete = true;
    holder.content.querySelectorAll("template[data-region]").forEach(function (tpl) {
      if (!applyCards(tpl)) complete = false;
      tpl.remove();
    });
    var rest = holder.innerHTML.trim();
    if (rest && window.htmx) window.htmx.swap(evt.target, rest, { swapStyle: "none" });
    if (!complete) refresh();
  });

  // ---- Connection state ---------------------------------------------------------------
  function setConn(state) {
    var el = document.getElementById("conn");
    if (!el) return;
    el.setAttribute("data-state", state);
    el.textContent = el.getAttribute("data-label-" + state) || "";
  }
  document.addEventListener("htmx:sseOpen", function () { setConn("live"); });
  document.addEventListener("htmx:sseError", function () { setConn("offline"); });
  // An open stream notices a dead Wi-Fi only at its next read; the browser knows sooner.
  window.addEventListener("offline", function () { setConn("offline"); });
  // Back online: the stream reconnects and replays what was missed (or says "reset").
  window.addEventListener("online", function () { setConn("connecting"); });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "refresher" && evt.detail.successful) {
      setConn("live");
    }
  });

  // ---- "Mine": the same HTML goes to the whole group; each phone marks its own notes ----
  function markMine(root) {
    var me = document.body.getAttribute("data-me");
    if (!me) return;
    (root || document).querySelectorAll("[data-author]").forEach(function (el) {
      el.classList.toggle("mine", el.getAttribute("data-author") === me);
    });
  }

  function syncPostingState() {
    var stage = document.getElementById("post-stage");
    var button = document.getElementById("post-submit");
    if (!stage || !button) return;
    button.disabled = stage.getAttribute("data-open") !== "1";
    // Q&A and feedback stages have their own form; the note form would only confuse.
    var kind = stage.getAttribute("data-kind");
    var form = document.getElementById("post-form");
    if (form) form.hidden = kind === "qa" || kind === "feedback";
  }

  // The records form is drawn once for the whole group: fill in this phone's organisation.
  function prefillOrganisation() {
    var org = document.body.getAttribute("data-org");
    if (!org) return;
    document.querySelectorAll("input[data-prefill-org]").forEach(function (input) {
      if (!input.value && !input.dataset.touched) input.value = org;
    });
  }
  document.addEventListener("input", function (evt) {
    var el = evt.target;
    if (el && el.matches && el.matches("input[data-prefill-org]")) el.dataset.touched = "1";
  });

  function afterContentChange() {
    markMine(document);
    syncPostingState();
    prefillOrganisation();
  }
  document.addEventListener("htmx:afterSettle", afterContentChange);
  document.addEventListener("htmx:oobAfterSwap", afterContentChange);
  document.addEventListener("fusen:patched", afterContentChange);

  // ---- Table rows added and removed in place (format stages, report roles) ---------------
  // Without JavaScript the same buttons submit, and the server draws the form again with one
  // row more or less, keeping what was typed.
  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!target || !target.closest) return;
    var add = target.closest("[data-add-row]");
    if (add && add.form) {
      var list = add.form.querySelector("[data-row-list]");
      var template = list && list.querySelector("template[data-row-template]");
      if (!template) return;
      evt.preventDefault();
      var fresh = template.content.cloneNode(true);
      var first = fresh.querySelector("input, select, textarea");
      list.insertBefore(fresh, template);
      if (first) first.focus();
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      if (!row) return;
      evt.preventDefault();
      var next = row.nextElementSibling && row.nextElementSibling.querySelector("input, select");
      row.remove();
      if (next) next.focus();
    }
  });

  // ---- Enter posts, but never while an IME is converting -------------------------------
  // isComposing covers Chrome and Firefox; keyCode 229 covers older Android keyboards; Safari
  // fires compositionend *before* the confirming keydown, hence the short grace period.
  var lastCompositionEnd = 0;
  document.addEventListener("compositionend", function () { lastCompositionEnd = Date.now(); }, true);
  document.addEventListener("keydown", function (evt) {
    var el = evt.target;
    if (!el || !el.matches || !el.matches("textarea[data-submit-on-enter]")) return;
    if (evt.key !== "Enter" || evt.shiftKey || evt.altKey) return;
    if (evt.isComposing || evt.keyCode === 229 || Date.now() - lastCompositionEnd < 80) return;
    evt.preventDefault();
    var form = el.form;
    if (form && el.value.trim() !== "") {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  // ---- Posting on a flaky connection ---------------------------------------------------
  // The note id is chosen here, once per note: a retry after a lost answer posts the same id,
  // and the server recognises it instead of storing the note twice.
  function newId() {
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10, 16).join("");
  }

  function noteIdInput(form) { return form.querySelector("input[data-note-id]"); }

  var retries = new WeakMap();

  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    var input = noteIdInput(form);
    if (input) {
      if (!input.value) input.value = newId();
      evt.detail.parameters.set ? evt.detail.parameters.set("id", input.value)
        : (evt.detail.parameters.id = input.value);
    }
  });

  function setSendState(form, text) {
    var el = form.querySelector(".send-state");
    if (el) el.textContent = text || "";
  }

  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    var xhr = evt.detail.xhr;
    if (evt.detail.successful) {
      var errorBox = document.getElementById("form-error");
      if (errorBox) errorBox.innerHTML = "";
      retries.delete(form);
      setSendState(form, "");
      var input = noteIdInput(form);
      if (input) input.value = "";
      // getAttribute, not form.id: the form's hidden input named "id" shadows that property.
      if (form.getAttribute("id") === "post-form" || form.hasAttribute("data-reset-on-success")) {
        var area = form.querySelector("textarea");
        if (area) { area.value = ""; updateCounter(area); }
        if (form.dataset.draftKey) safeStorage("remove", form.dataset.draftKey);
      }
    } else if (xhr && xhr.status >= 400 && xhr.status < 500) {
      // A readable refusal (stage closed, too long…): keep the text, drop the id so a fixed
      // note is a new attempt.
      retries.delete(form);
      setSendState(form, "");
    }
  });

  document.addEventListener("htmx:sendError", function (evt) {
    var form = evt.detail.elt;
    if (!form || form.tagName !== "FORM" || !form.hasAttribute("data-retry")) return;
    var attempt = (retries.get(form) || 0) + 1;
    retries.set(form, attempt);
    var delay = Math.min(30, Math.pow(2, attempt - 1));
    setSendState(form, (form.getAttribute("data-label-retry") || "… {s}").replace("{s}", String(delay)));
    window.setTimeout(function () {
      if (retries.get(form) === attempt && window.htmx) window.htmx.trigger(form, "submit");
    }, delay * 1000);
  });

  // ---- Drafts survive a reload or a dropped page -----------------------------------------
  function safeStorage(op, key, value) {
    try {
      if (op === "get") return window.localStorage.getItem(key);
      if (op === "set") return window.localStorage.setItem(key, value);
      if (op === "remove") return window.localStorage.removeItem(key);
    } catch (e) { return null; }
  }

  function updateCounter(area) {
    var id = area.getAttribute("data-counter");
    var el = id && document.getElementById(id);
    if (el) el.textContent = Array.from(area.value).length + " / " + (area.maxLength > 0 ? area.maxLength : 500);
  }

  document.addEventListener("input", function (evt) {
    var area = evt.target;
    if (!area || area.tagName !== "TEXTAREA") return;
    updateCounter(area);
    var form = area.form;
    if (form && form.dataset.draftKey) safeStorage("set", form.dataset.draftKey, area.value);
  });

  // ---- Links into a closed <details> open it -----------------------------------------
  // The board's "Type in paper notes" link sits at the top; the form lives below the columns.
  document.addEventListener("click", function (evt) {
    var link = evt.target && evt.target.closest ? evt.target.closest('a[href^="#"]') : null;
    if (!link || link.getAttribute("href").length < 2) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    var details = target && target.closest("details");
    if (!details) return;
    evt.preventDefault();
    details.open = true;
    target.scrollIntoView({ block: "start" });
    var field = target.querySelector("textarea, input:not([type=hidden]), select");
    if (field) field.focus({ preventScroll: true });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("post-form");
    if (form && form.dataset.draftKey) {
      var area = form.querySelector("textarea");
      var draft = safeStorage("get", form.dataset.draftKey);
      if (area && draft && !area.value) area.value = draft;
      if (area) updateCounter(area);
    }
    afterContentChange();
  });
})();
