/*! qasearch widget: search the expert answers from any page.
 *
 *   <script src="https://HOST/widget.js" data-placeholder="Search our experts" defer></script>
 *
 * mounts a <qasearch-box> right after the script tag (or into data-target="#selector").
 * Or place <qasearch-box api="https://HOST"></qasearch-box> yourself and load the script with
 * data-mount="none". Attributes (data-* on the script, plain on the element): placeholder,
 * label, limit (1-10), category ("a > b"), hotkey ("/" or "none"), new-tab, theme
 * ("light", "dark" or "auto").
 * Theme with --qasearch-* CSS variables on the element or any ancestor.
 *
 * The same code gives the search pages their suggestions as you type: loaded with
 * data-enhance, it turns every <form data-qs-suggest> (an ordinary search form that works
 * without JavaScript) into the same combobox, with the same keyboard model (Up, Down, Enter,
 * Esc). The result popover opens in the browser's top layer (the popover attribute) where
 * supported, so it never fights the host page's stacking.
 * Everything from the API is inserted as text nodes: nothing is parsed as HTML.
 */
(function () {
  "use strict";
  var TAG = "qasearch-box";
  if (!window.customElements) return;
  var DEFINED = !!customElements.get(TAG); // loaded twice (a page and its widget): reuse it

  var script = document.currentScript ||
    document.querySelector('script[src$="/widget.js"],script[src*="/widget.js?"]');
  var SCRIPT_BASE = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var DEBOUNCE = 150;
  var MIN_CHARS = 2;
  var GAP = 6; // px between the search bar and its popover
  var TOP_LAYER = typeof HTMLElement.prototype.showPopover === "function";
  var uid = 0;
  var LOAD = Math.random().toString(36).slice(2, 6); // ids stay unique across two loads
  var hotkeyOwner = null;

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    var k;
    for (k in attrs || {}) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
        node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
      }
    }
    (kids || []).forEach(function (kid) {
      node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    });
    return node;
  }

  // Highlighted segments [{text, highlight}] -> text nodes and <mark> elements.
  function segments(parts, fallback) {
    var frag = document.createDocumentFragment();
    if (!parts || !parts.length) {
      frag.appendChild(document.createTextNode(fallback || ""));
      return frag;
    }
    parts.forEach(function (p) {
      var text = document.createTextNode(String(p.text || ""));
      if (p.highlight) {
        var m = document.createElement("mark");
        m.appendChild(text);
        frag.appendChild(m);
      } else {
        frag.appendChild(text);
      }
    });
    return frag;
  }

  function editable(node) {
    while (node && node.shadowRoot && node.shadowRoot.activeElement) {
      node = node.shadowRoot.activeElement;
    }
    if (!node) return false;
    var tag = node.tagName;
    return node.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function safeHref(href) {
    return /^(tel:|sms:|https:)/.test(String(href || "")) ? String(href) : null;
  }

  // ------------------------------------------------------------------------------------------
  // Combo: suggestions as you type for one search form (the widget's and the pages' alike).
  // o: {input, form, mount (where the popover goes), base, limit, category, newTab, label}

  function Combo(o) {
    var self = this;
    this.o = o;
    this.input = o.input;
    this.id = "qs" + LOAD + (++uid);
    this.cache = new Map();
    this.seq = 0;
    this.active = -1;
    this.options = [];
    var input = o.input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id + "-list");
    input.setAttribute("aria-haspopup", "listbox");
    input.setAttribute("autocomplete", "off");

    this.urgent = el("div", { class: "qs-urgent-help", hidden: true });
    this.note = el("p", { class: "qs-note", hidden: true });
    this.list = el("ul", { id: this.id + "-list", class: "qs-list", role: "listbox",
      "aria-label": o.label });
    this.msg = el("p", { class: "qs-msg", hidden: true });
    // focusable so that a keyboard can scroll it when it overflows
    // in a page (not a shadow root) the popover carries the theme variables itself
    this.pop = el("div", { class: o.vars ? "qs-pop qs-vars" : "qs-pop", part: "popover", hidden: true, tabindex: "0",
      "aria-label": "Suggestions", popover: TOP_LAYER ? "manual" : null },
    [this.urgent, this.note, this.list, this.msg]);
    this.status = el("div", { class: "qs-sr", role: "status", "aria-live": "polite" });
    o.mount.appendChild(this.pop);
    o.mount.appendChild(this.status);

    input.addEventListener("input", function () { self.schedule(); });
    input.addEventListener("keydown", function (ev) { self.onKey(ev); });
    input.addEventListener("focus", function () {
      if (self.options.length) self.open(true);
    });
    o.form.addEventListener("submit", function (ev) {
      if (!input.value.trim()) ev.preventDefault();
    });
    this.pop.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") {
        ev.preventDefault();
        self.open(false);
        input.focus();
      }
    });
    var leave = function (ev) {
      var to = ev.relatedTarget;
      if (!to || !(o.mount.contains(to) || o.form.contains(to))) self.open(false);
    };
    input.addEventListener("blur", leave);
    this.pop.addEventListener("focusout", leave);
    this.list.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
    this.list.addEventListener("mousemove", function (ev) {
      var li = ev.target.closest && ev.target.closest("[role=option]");
      if (li) self.setActive(self.options.indexOf(li), false);
    });
    this.list.addEventListener("click", function (ev) {
      var li = ev.target.closest && ev.target.closest("[role=option]");
      if (li) self.choose(self.options.indexOf(li));
    });
    this.place = function () { self.position(); };
    document.addEventListener("click", function (ev) {
      var path = ev.composedPath ? ev.composedPath() : [];
      if (path.indexOf(o.form) < 0 && path.indexOf(self.pop) < 0) self.open(false);
    });
  }
  var C = Combo.prototype;

  C.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    var q = this.input.value.trim();
    if (q.length < MIN_CHARS) {
      this.seq++;
      this.render(null, null, q);
      return;
    }
    this.timer = setTimeout(function () { self.search(q); }, DEBOUNCE);
  };

  C.url = function (path, params) {
    var u = new URL(this.o.base + path);
    Object.keys(params).forEach(function (k) {
      [].concat(params[k]).forEach(function (v) { u.searchParams.append(k, v); });
    });
    return u.toString();
  };

  // The whole envelope ({data, meta}) of a successful API call.
  C.get = function (url, signal) {
    return fetch(url, { signal: signal, credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok || !body || !body.ok) {
            var err = new Error((body && (body.detail || (body.error && body.error.message))) ||
              "HTTP " + r.status);
            err.status = r.status;
            throw err;
          }
          return body;
        });
      });
  };

  C.search = function (q) {
    var self = this;
    var seq = ++this.seq;
    var cached = this.cache.get(q);
    if (cached) {
      this.render(cached[0], cached[1], q);
      return;
    }
    if (this.abort) this.abort.abort();
    var ctl = window.AbortController ? new AbortController() : null;
    this.abort = ctl;
    var signal = ctl ? ctl.signal : undefined;
    var search = this.get(this.url("/api/search", {
      q: q, limit: this.o.limit, partial: 1, category: this.o.category
    }), signal);
    var suggest = this.get(this.url("/api/suggest", { q: q, limit: 4 }), signal)
      .catch(function () { return null; });
    Promise.all([search, suggest]).then(function (both) {
      if (self.cache.size > 40) self.cache.delete(self.cache.keys().next().value);
      self.cache.set(q, both);
      if (seq === self.seq) self.render(both[0], both[1], q);
    }, function (err) {
      if (err && err.name === "AbortError") return;
      if (seq !== self.seq) return;
      self.render(null, null, q, err && err.status === 429
        ? "Too many searches in a short time. Please wait a moment."
        : "Search is not available right now.");
    });
  };

  C.recordUrl = function (id) {
    return this.o.base + "/records/" + encodeURIComponent(id);
  };

  C.allUrl = function (q) {
    return this.url("/search", { q: q, category: this.o.category });
  };

  // An option is plain content with role=option (no link inside: one interactive element).
  C.option = function (kind, href, kids, term) {
    var li = el("li", { id: this.id + "-opt-" + this.options.length, role: "option",
      "aria-selected": "false", class: "qs-opt " + kind, "data-href": href }, kids);
    li.qsTerm = term || "";
    this.options.push(li);
    this.list.appendChild(li);
    return li;
  };

  // Urgent help (meta.urgent_help): each emergency with its own message and call buttons.
  C.renderUrgent = function (situations) {
    var box = this.urgent;
    box.textContent = "";
    (situations || []).forEach(function (s) {
      var actions = el("p", { class: "qs-actions" });
      (s.actions || []).forEach(function (a) {
        var href = safeHref(a.href);
        if (href) actions.appendChild(el("a", { class: "qs-call", href: href }, [String(a.label)]));
      });
      box.appendChild(el("div", { class: "qs-urgent qs-" + String(s.kind || ""), role: "alert" }, [
        el("strong", { class: "qs-urgent-title" }, [String(s.title || "")]),
        el("span", { class: "qs-urgent-msg" }, [String(s.message || "")]),
        actions
      ]));
    });
    box.hidden = !box.firstChild;
  };

  C.render = function (body, sugg, q, message) {
    var self = this;
    this.list.textContent = "";
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.note.hidden = true;
    this.msg.hidden = true;
    if (!body) {
      this.renderUrgent([]);
      if (message) {
        this.msg.textContent = message;
        this.msg.hidden = false;
        this.open(true);
      } else {
        this.open(false);
      }
      return;
    }
    var data = body.data || {};
    this.renderUrgent(body.meta && body.meta.urgent_help);
    var viaCorrection = (data.hits || []).some(function (h) {
      return (h.matches || []).some(function (m) { return m.via === "correction"; });
    });
    if (data.did_you_mean && (data.corrected || viaCorrection)) {
      this.note.textContent = "Showing results for \u201c" + data.did_you_mean + "\u201d";
      this.note.hidden = false;
    }
    var seen = {};
    (data.hits || []).forEach(function (h) { seen[h.id] = 1; });
    var suggestions = (sugg && sugg.data && sugg.data.suggestions) || [];
    suggestions.slice(0, 3).forEach(function (s) {
      if (s.kind === "question" && s.id) {
        if (seen[s.id]) return;
        self.option("sug", self.recordUrl(s.id), [
          el("span", { class: "qs-q" }, [String(s.text)]),
          el("span", { class: "qs-tag" }, ["Question"])
        ]);
      } else if (s.text && s.text.toLowerCase() !== q.toLowerCase()) {
        self.option("sug term", self.allUrl(s.text), [
          el("span", { class: "qs-q" }, [String(s.text)]),
          el("span", { class: "qs-tag" }, ["Search"])
        ], String(s.text));
      }
    });
    (data.hits || []).forEach(function (h) {
      var cat = h.categories && h.categories[0] ? h.categories[0].join(" \u203a ") : "";
      var kids = [el("span", { class: "qs-q" }, [segments(h.question_parts, h.question)])];
      if (h.answer_parts && h.answer_parts.length) {
        kids.push(el("span", { class: "qs-s" }, [segments(h.answer_parts)]));
      }
      if (cat) kids.push(el("span", { class: "qs-c" }, [cat]));
      self.option("hit", self.recordUrl(h.id), kids);
    });
    var total = data.total || 0;
    if (!total) {
      this.msg.textContent = "No answers found for \u201c" + q + "\u201d.";
      this.msg.hidden = false;
    }
    this.option("all", this.allUrl(q), [
      total ? "See all " + total + " result" + (total === 1 ? "" : "s") + " for \u201c" + q + "\u201d"
        : "Open the search page for \u201c" + q + "\u201d"
    ]);
    this.announce(total ? total + " result" + (total === 1 ? "" : "s") +
      " available. Use up and down arrows to choose, Enter to open."
      : "No results.");
    var root = this.input.getRootNode ? this.input.getRootNode() : document;
    this.open(root.activeElement === this.input);
  };

  C.announce = function (text) {
    var s = this.status;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(function () { s.textContent = text; }, 500);
  };

  // Where the popover goes: under the search bar, as wide as it (top layer: fixed position).
  C.position = function () {
    if (!TOP_LAYER || this.pop.hidden) return;
    var r = this.o.form.getBoundingClientRect();
    var s = this.pop.style;
    s.left = Math.max(0, r.left) + "px";
    s.top = (r.bottom + GAP) + "px";
    s.width = r.width + "px";
    s.setProperty("--qs-room", Math.max(160, window.innerHeight - r.bottom - GAP - 8) + "px");
  };

  C.open = function (show) {
    show = !!show && (this.options.length > 0 || !this.msg.hidden);
    var was = !this.pop.hidden;
    this.pop.hidden = !show;
    this.input.setAttribute("aria-expanded", show ? "true" : "false");
    if (TOP_LAYER && show !== was) {
      if (show) {
        this.pop.showPopover();
        window.addEventListener("scroll", this.place, true);
        window.addEventListener("resize", this.place);
      } else {
        this.pop.hidePopover();
        window.removeEventListener("scroll", this.place, true);
        window.removeEventListener("resize", this.place);
      }
    }
    if (show) this.position();
    if (!show) this.setActive(-1);
  };

  C.setActive = function (i, scroll) {
    var prev = this.options[this.active];
    if (prev) prev.setAttribute("aria-selected", "false");
    this.active = i;
    var cur = this.options[i];
    if (cur) {
      cur.setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", cur.id);
      if (scroll !== false && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  C.choose = function (i) {
    var li = this.options[i];
    if (!li) return;
    if (li.qsTerm) {
      this.input.value = li.qsTerm;
      this.input.focus();
      this.search(li.qsTerm);
      return;
    }
    var href = li.getAttribute("data-href");
    if (this.o.newTab) {
      window.open(href, "_blank", "noopener");
    } else {
      window.location.assign(href);
    }
  };

  C.onKey = function (ev) {
    var n = this.options.length;
    var open = !this.pop.hidden;
    switch (ev.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!n) return;
        ev.preventDefault();
        if (!open) {
          this.open(true);
          this.setActive(ev.key === "ArrowDown" ? 0 : n - 1);
          return;
        }
        var d = ev.key === "ArrowDown" ? 1 : -1;
        this.setActive(this.active < 0 ? (d > 0 ? 0 : n - 1) : (this.active + d + n) % n);
        return;
      case "Enter":
        if (open && this.active >= 0) {
          ev.preventDefault();
          this.choose(this.active);
        }
        return; // otherwise the form submits to the full results page
      case "Escape":
        ev.preventDefault();
        if (open) {
          this.open(false);
        } else {
          this.input.value = "";
          this.seq++;
          this.render(null, null, "");
        }
        return;
      case "Tab":
        // into the popover (call buttons, scrolling) when it is open, else away
        if (ev.shiftKey || this.urgent.hidden) this.open(false);
        return;
      default:
    }
  };

  // ------------------------------------------------------------------------------------------
  // <qasearch-box>: the search bar in its own shadow DOM, with a Combo.

  class QasearchBox extends HTMLElement {}
  var P = QasearchBox.prototype;
  if (DEFINED) P = {}; // the first load's element serves; this one only mounts or enhances

  P.connectedCallback = function () {
    if (this._root) return;
    this._build();
  };

  P.disconnectedCallback = function () {
    if (hotkeyOwner === this) {
      document.removeEventListener("keydown", this._onHotkey);
      hotkeyOwner = null;
    }
  };

  P._attr = function (name, dflt) {
    var v = this.getAttribute(name);
    return v === null || v === "" ? dflt : v;
  };

  P._build = function () {
    var self = this;
    var base = this._attr("api", SCRIPT_BASE || location.origin).replace(/\/+$/, "");
    var category = this._attr("category", "").split(">").map(function (s) {
      return s.trim();
    }).filter(Boolean);
    var newTab = this.hasAttribute("new-tab") && this.getAttribute("new-tab") !== "false";
    var owner = !hotkeyOwner && this._attr("hotkey", "/") !== "none";
    var label = this._attr("label", "Search the expert answers");
    var id = "qsb" + LOAD + (++uid);

    var shadow = this.attachShadow({ mode: "open" });
    var link = el("link", { rel: "stylesheet", href: base + "/widget.css" });
    var root = el("div", { class: "root qs-vars", part: "root", hidden: true });
    var reveal = function () { root.removeAttribute("hidden"); };
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal);
    setTimeout(reveal, 3000);

    var input = el("input", {
      id: id + "-input", name: "q", type: "search", autocapitalize: "off",
      spellcheck: "false", enterkeyhint: "search", maxlength: "2000",
      placeholder: this._attr("placeholder", "Search the expert answers"),
      "aria-keyshortcuts": owner ? "/ Control+K Meta+K" : null
    });
    var form = el("form", {
      class: "bar", role: "search", method: "get", action: base + "/search",
      target: newTab ? "_blank" : null
    }, [
      el("label", { class: "qs-sr", for: id + "-input" }, [label]),
      el("span", { class: "icon", "aria-hidden": "true" }),
      input
    ]);
    // the "/" hint only where "/" works: the one box that took the shortcut
    if (owner) form.appendChild(el("kbd", { class: "key", "aria-hidden": "true" }, ["/"]));
    category.forEach(function (c) {
      form.appendChild(el("input", { type: "hidden", name: "category", value: c }));
    });
    root.appendChild(form);
    shadow.appendChild(link);
    shadow.appendChild(root);
    this._root = root;
    this._input = input;
    this._combo = new Combo({ input: input, form: form, mount: root, base: base,
      limit: Math.max(1, Math.min(10, parseInt(this._attr("limit", "5"), 10) || 5)),
      category: category, newTab: newTab, label: label });

    if (owner) {
      hotkeyOwner = this;
      this._onHotkey = function (ev) { self._hotkey(ev); };
      document.addEventListener("keydown", this._onHotkey);
    }
  };

  P._hotkey = function (ev) {
    var k = ev.key;
    var combo = (k === "k" || k === "K") && (ev.ctrlKey || ev.metaKey) && !ev.altKey;
    var slash = k === "/" && !ev.ctrlKey && !ev.metaKey && !ev.altKey;
    if (!combo && !slash) return;
    if (editable(document.activeElement)) return; // typing somewhere: not ours to take
    ev.preventDefault();
    this._input.focus();
    this._input.select();
  };

  if (!DEFINED) customElements.define(TAG, QasearchBox);

  // <script data-enhance>: suggestions for the page's own search forms (<form data-qs-suggest>).
  function enhance() {
    var base = (SCRIPT_BASE || location.origin).replace(/\/+$/, "");
    document.querySelectorAll("form[data-qs-suggest]").forEach(function (form) {
      var input = form.querySelector("input[name=q]");
      if (!input || input.getAttribute("role") === "combobox") return;
      var category = [].map.call(form.querySelectorAll("input[type=hidden][name=category]"),
        function (i) { return i.value; });
      var label = form.querySelector("label");
      new Combo({ input: input, form: form, mount: form, base: base, limit: 5,
        category: category, newTab: false, vars: true,
        label: "Suggestions for " + (label ? label.textContent.trim() : "your search") });
    });
  }
  if (script && script.dataset && script.dataset.enhance !== undefined) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", enhance);
    } else {
      enhance();
    }
  }

  // <script data-...>: mount one box after the script (or into data-target).
  if (script && script.dataset && script.dataset.mount !== "none" &&
      script.dataset.enhance === undefined) {
    var box = document.createElement(TAG);
    ["placeholder", "label", "limit", "category", "hotkey", "newTab", "theme"].forEach(function (k) {
      if (script.dataset[k] !== undefined) {
        box.setAttribute(k.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); }),
          script.dataset[k]);
      }
    });
    box.setAttribute("api", script.dataset.api || SCRIPT_BASE);
    var mount = function () {
      var target = script.dataset.target && document.querySelector(script.dataset.target);
      if (target) {
        target.appendChild(box);
      } else if (script.parentNode && script.parentNode !== document.head) {
        script.parentNode.insertBefore(box, script.nextSibling);
      }
    };
    if (script.dataset.target && document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", mount);
    } else {
      mount();
    }
  }
})();
