// Progressive enhancement for the pages (all of them work without it):
// "/" or Ctrl/Cmd+K focuses the search box; the result count is announced once; the topic
// filters (a closed <details>, a "Filter" button on phones) are opened on wide screens.
(function () {
  "use strict";
  function editable(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  document.addEventListener("keydown", function (ev) {
    var k = ev.key;
    var combo = (k === "k" || k === "K") && (ev.ctrlKey || ev.metaKey) && !ev.altKey;
    if (ev.defaultPrevented) return; // e.g. an embedded widget took the key
    if (!(combo || (k === "/" && !ev.ctrlKey && !ev.metaKey && !ev.altKey))) return;
    if (editable(document.activeElement)) return; // typing elsewhere: leave the keys alone
    var box = document.querySelector("[data-qs-focus]");
    if (!box) return;
    ev.preventDefault();
    box.focus();
    box.select();
  });
  function wideOpen() {
    var wide = window.matchMedia && window.matchMedia("(min-width: 60rem)");
    if (!wide) return;
    var sync = function () {
      document.querySelectorAll("details[data-wide-open]").forEach(function (d) {
        d.open = wide.matches;
      });
    };
    sync();
    if (wide.addEventListener) wide.addEventListener("change", sync);
  }
  document.addEventListener("DOMContentLoaded", function () {
    wideOpen();
    var src = document.querySelector("[data-announce]");
    var live = document.getElementById("live-status");
    if (src && live) {
      // Filled after load so screen readers announce it once, not on every re-render.
      setTimeout(function () { live.textContent = src.textContent.trim(); }, 400);
    }
  });
})();
