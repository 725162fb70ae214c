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
 * Everything from the API is inserted as text nodes: nothing is parsed as HTML.
 */
(function () {
  "use strict";
  var TAG = "qasearch-box";
  if (!window.customElements || customElements.get(TAG)) return;

  var script = document.currentScript ||
    document.querySelector('script[src$="/widget.js"],script[src*="/widget.js?"]');
  var SCRIPT_BASE = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var DEBOUNCE = 150;
  var MIN_CHARS = 2;
  var uid = 0;
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

  class QasearchBox extends HTMLElement {}
  var P = QasearchBox.prototype;

  P.connectedCallback = function () {
    if (this._root) return;
    this._build();
  };

  P.disconnectedCallback = function () {
    if (hotkeyOwner === this) {
      document.removeEventListener("keydown", this._onHotkey);
      document.removeEventListener("click", this._onDocClick);
      hotkeyOwner = null;
    }
  };

  P._attr = function (name, dflt) {
    var v = this.getAttribute(name);
    return v === null || v === "" ? dflt : v;
  };

  P._build = function () {
    var self = this;
    var id = "qs" + (++uid);
    this._base = this._attr("api", SCRIPT_BASE || location.origin).replace(/\/+$/, "");
    this._limit = Math.max(1, Math.min(10, parseInt(this._attr("limit", "5"), 10) || 5));
    this._category = this._attr("category", "").split(">").map(function (s) {
      return s.trim();
    }).filter(Boolean);
    this._newTab = this.hasAttribute("new-tab") && this.getAttribute("new-tab") !== "false";
    this._cache = new Map();
    this._seq = 0;
    this._active = -1;
    this._options = [];

    var shadow = this.attachShadow({ mode: "open" });
    var link = el("link", { rel: "stylesheet", href: this._base + "/widget.css" });
    var root = el("div", { class: "root", part: "root", hidden: true });
    var reveal = function () { root.removeAttribute("hidden"); };
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal);
    setTimeout(reveal, 3000);

    var label = this._attr("label", "Search the expert answers");
    this._input = el("input", {
      id: id + "-input", name: "q", type: "search", role: "combobox",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": id + "-list",
      "aria-haspopup": "listbox", autocomplete: "off", autocapitalize: "off",
      spellcheck: "false", enterkeyhint: "search", maxlength: "2000",
      placeholder: this._attr("placeholder", "Search the expert answers"),
      "aria-keyshortcuts": "/ Control+K Meta+K"
    });
    this._form = el("form", {
      class: "bar", role: "search", method: "get", action: this._base + "/search",
      target: this._newTab ? "_blank" : null
    }, [
      el("label", { class: "sr", for: id + "-input" }, [label]),
      el("span", { class: "icon", "aria-hidden": "true" }),
      this._input,
      el("kbd", { class: "key", "aria-hidden": "true" }, ["/"])
    ]);
    this._category.forEach(function (c) {
      self._form.appendChild(el("input", { type: "hidden", name: "category", value: c }));
    });
    this._urgent = el("div", { class: "urgent", role: "alert", hidden: true });
    this._note = el("p", { class: "note", hidden: true });
    this._list = el("ul", { id: id + "-list", class: "list", role: "listbox", "aria-label": label });
    this._msg = el("p", { class: "msg", hidden: true });
    this._pop = el("div", { class: "pop", part: "popover", hidden: true },
      [this._urgent, this._note, this._list, this._msg]);
    this._status = el("div", { class: "sr", role: "status", "aria-live": "polite" });
    root.appendChild(this._form);
    root.appendChild(this._pop);
    root.appendChild(this._status);
    shadow.appendChild(link);
    shadow.appendChild(root);
    this._root = root;
    this._id = id;

    this._input.addEventListener("input", function () { self._schedule(); });
    this._input.addEventListener("keydown", function (ev) { self._onKey(ev); });
    this._input.addEventListener("focus", function () {
      if (self._options.length) self._open(true);
    });
    this._form.addEventListener("submit", function (ev) {
      if (!self._input.value.trim()) ev.preventDefault();
    });
    shadow.addEventListener("focusout", function (ev) {
      if (!ev.relatedTarget || !shadow.contains(ev.relatedTarget)) self._open(false);
    });
    this._list.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
    this._list.addEventListener("mousemove", function (ev) {
      var li = ev.target.closest && ev.target.closest("[role=option]");
      if (li) self._setActive(self._options.indexOf(li), false);
    });
    this._list.addEventListener("click", function (ev) {
      var li = ev.target.closest && ev.target.closest("[role=option]");
      if (!li) return;
      ev.preventDefault();
      self._choose(self._options.indexOf(li));
    });

    this._onDocClick = function (ev) {
      var path = ev.composedPath ? ev.composedPath() : [];
      if (path.indexOf(self) < 0) self._open(false);
    };
    document.addEventListener("click", this._onDocClick);
    if (!hotkeyOwner && this._attr("hotkey", "/") !== "none") {
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

  P._schedule = function () {
    var self = this;
    clearTimeout(this._timer);
    var q = this._input.value.trim();
    if (q.length < MIN_CHARS) {
      this._seq++;
      this._render(null, null, q);
      return;
    }
    this._timer = setTimeout(function () { self._search(q); }, DEBOUNCE);
  };

  P._url = function (path, params) {
    var u = new URL(this._base + path);
    Object.keys(params).forEach(function (k) {
      [].concat(params[k]).forEach(function (v) { u.searchParams.append(k, v); });
    });
    return u.toString();
  };

  P._get = function (url, signal) {
    return fetch(url, { signal: signal, credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok || !body || !body.ok) {
            var err = new Error((body && body.error && body.error.message) || "HTTP " + r.status);
            err.status = r.status;
            throw err;
          }
          return body.data;
        });
      });
  };

  P._search = function (q) {
    var self = this;
    var seq = ++this._seq;
    var cached = this._cache.get(q);
    if (cached) {
      this._render(cached[0], cached[1], q);
      return;
    }
    if (this._abort) this._abort.abort();
    var ctl = window.AbortController ? new AbortController() : null;
    this._abort = ctl;
    var signal = ctl ? ctl.signal : undefined;
    var search = this._get(this._url("/api/search", {
      q: q, limit: this._limit, partial: 1, category: this._category
    }), signal);
    var suggest = this._get(this._url("/api/suggest", { q: q, limit: 4 }), signal)
      .catch(function () { return null; });
    Promise.all([search, suggest]).then(function (both) {
      if (self._cache.size > 40) self._cache.delete(self._cache.keys().next().value);
      self._cache.set(q, both);
      if (seq === self._seq) self._render(both[0], both[1], q);
    }, function (err) {
      if (err && err.name === "AbortError") return;
      if (seq !== self._seq) return;
      self._render(null, null, q, err && err.status === 429
        ? "Too many searches in a short time. Please wait a moment."
        : "Search is not available right now.");
    });
  };

  P._recordUrl = function (id) {
    return this._base + "/records/" + encodeURIComponent(id);
  };

  P._allUrl = function (q) {
    return this._url("/search", { q: q, category: this._category });
  };

  P._option = function (kind, href, kids, extra) {
    var oid = this._id + "-opt-" + this._options.length;
    var a = el("a", { href: href, tabindex: "-1", target: this._newTab ? "_blank" : null,
      rel: this._newTab ? "noopener" : null }, kids);
    var li = el("li", { id: oid, role: "option", "aria-selected": "false", class: "opt " + kind },
      [a]);
    li._qs = extra || {};
    li._qs.href = href;
    this._options.push(li);
    this._list.appendChild(li);
    return li;
  };

  P._render = function (data, sugg, q, message) {
    var self = this;
    this._list.textContent = "";
    this._options = [];
    this._active = -1;
    this._input.removeAttribute("aria-activedescendant");
    this._urgent.hidden = true;
    this._note.hidden = true;
    this._msg.hidden = true;
    if (!data) {
      if (message) {
        this._msg.textContent = message;
        this._msg.hidden = false;
        this._open(true);
      } else {
        this._open(false);
      }
      return;
    }
    if (data.urgent_notice) {
      this._urgent.textContent = data.urgent_notice;
      this._urgent.hidden = false;
    }
    var viaCorrection = (data.hits || []).some(function (h) {
      return (h.matches || []).some(function (m) { return m.via === "correction"; });
    });
    if (data.did_you_mean && (data.corrected || viaCorrection)) {
      this._note.textContent = "Showing results for \u201c" + data.did_you_mean + "\u201d";
      this._note.hidden = false;
    }
    var seen = {};
    (data.hits || []).forEach(function (h) { seen[h.id] = 1; });
    ((sugg && sugg.suggestions) || []).slice(0, 3).forEach(function (s) {
      if (s.kind === "question" && s.id) {
        if (seen[s.id]) return;
        self._option("sug", self._recordUrl(s.id), [
          el("span", { class: "q" }, [String(s.text)]),
          el("span", { class: "tag" }, ["Question"])
        ]);
      } else if (s.text && s.text.toLowerCase() !== q.toLowerCase()) {
        self._option("sug term", self._allUrl(s.text), [
          el("span", { class: "q" }, [String(s.text)]),
          el("span", { class: "tag" }, ["Search"])
        ], { term: String(s.text) });
      }
    });
    (data.hits || []).forEach(function (h) {
      var cat = h.categories && h.categories[0] ? h.categories[0].join(" \u203a ") : "";
      var kids = [el("span", { class: "q" }, [segments(h.question_parts, h.question)])];
      if (h.answer_parts && h.answer_parts.length) {
        kids.push(el("span", { class: "s" }, [segments(h.answer_parts)]));
      }
      if (cat) kids.push(el("span", { class: "c" }, [cat]));
      self._option("hit", self._recordUrl(h.id), kids);
    });
    var total = data.total || 0;
    if (!total) {
      this._msg.textContent = "No answers found for \u201c" + q + "\u201d.";
      this._msg.hidden = false;
    }
    this._option("all", this._allUrl(q), [
      total ? "See all " + total + " result" + (total === 1 ? "" : "s") + " for \u201c" + q + "\u201d"
        : "Open the search page for \u201c" + q + "\u201d"
    ]);
    this._announce(total ? total + " result" + (total === 1 ? "" : "s") +
      " available. Use up and down arrows to choose, Enter to open."
      : "No results.");
    this._open(this.shadowRoot.activeElement === this._input);
  };

  P._announce = function (text) {
    var s = this._status;
    clearTimeout(this._announceTimer);
    this._announceTimer = setTimeout(function () { s.textContent = text; }, 500);
  };

  P._open = function (show) {
    show = !!show && (this._options.length > 0 || !this._msg.hidden);
    this._pop.hidden = !show;
    this._input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) this._setActive(-1);
  };

  P._setActive = function (i, scroll) {
    var prev = this._options[this._active];
    if (prev) prev.setAttribute("aria-selected", "false");
    this._active = i;
    var cur = this._options[i];
    if (cur) {
      cur.setAttribute("aria-selected", "true");
      this._input.setAttribute("aria-activedescendant", cur.id);
      if (scroll !== false && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    } else {
      this._input.removeAttribute("aria-activedescendant");
    }
  };

  P._choose = function (i) {
    var li = this._options[i];
    if (!li) return;
    if (li._qs.term) {
      this._input.value = li._qs.term;
      this._input.focus();
      this._search(li._qs.term);
      return;
    }
    if (this._newTab) {
      window.open(li._qs.href, "_blank", "noopener");
    } else {
      window.location.assign(li._qs.href);
    }
  };

  P._onKey = function (ev) {
    var n = this._options.length;
    var open = !this._pop.hidden;
    switch (ev.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!n) return;
        ev.preventDefault();
        if (!open) {
          this._open(true);
          this._setActive(ev.key === "ArrowDown" ? 0 : n - 1);
          return;
        }
        var d = ev.key === "ArrowDown" ? 1 : -1;
        this._setActive(this._active < 0 ? (d > 0 ? 0 : n - 1) : (this._active + d + n) % n);
        return;
      case "Enter":
        if (open && this._active >= 0) {
          ev.preventDefault();
          this._choose(this._active);
        }
        return; // otherwise the form submits to the full results page
      case "Escape":
        ev.preventDefault();
        if (open) {
          this._open(false);
        } else {
          this._input.value = "";
          this._seq++;
          this._render(null, null, "");
        }
        return;
      case "Tab":
        this._open(false);
        return;
      default:
    }
  };

  customElements.define(TAG, QasearchBox);

  // <script data-...>: mount one box after the script (or into data-target).
  if (script && script.dataset && script.dataset.mount !== "none") {
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
