// Quick exit for the public finder (docs/FINDER.md). Served from /static
// under the strict CSP; the page works without it.
//
// - The "Exit this page" link (a plain link to the neutral site without
//   JavaScript) and Shift pressed three times within 5 seconds both leave
//   with location.replace, so the finder's history entry is replaced by the
//   neutral site and Back does not return to it.
// - A search replaces the current history entry instead of adding one, and
//   the search is then taken out of the address bar with
//   history.replaceState, so the entry does not show what was looked for.
// Nothing is sent to the server when someone exits.
(function () {
  "use strict";
  var link = document.querySelector("[data-quick-exit]");
  if (!link) {
    return;
  }
  var target = link.getAttribute("href");

  function leave(ev) {
    if (ev) {
      ev.preventDefault();
    }
    // Hide the page at once, in case the neutral site is slow to load.
    document.documentElement.style.visibility = "hidden";
    document.title = "";
    window.location.replace(target);
  }

  link.addEventListener("click", leave);

  // Shift three times within 5 s; any other key starts the count again, so
  // typing capital letters does not trigger it.
  var presses = [];
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Shift") {
      presses = [];
      return;
    }
    if (ev.repeat) {
      return;
    }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 5000; });
    presses.push(now);
    if (presses.length >= 3) {
      presses = [];
      leave();
    }
  });

  var hint = document.getElementById("exit-hint");
  if (hint) {
    hint.hidden = false;
  }

  // A search replaces this history entry rather than adding one.
  var form = document.getElementById("find-form");
  if (form && window.URLSearchParams) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value) {
          params.append(el.name, el.value);
        }
      });
      var qs = params.toString();
      window.location.replace(form.getAttribute("action") + (qs ? "?" + qs : ""));
    });
  }

  // Keep the search out of the address bar and the history entry (the
  // language stays, so a reload keeps it).
  if (window.history && history.replaceState && window.URLSearchParams) {
    var q = new URLSearchParams(window.location.search);
    if (q.has("need") || q.has("area")) {
      var keep = q.get("lang") === "es" ? "?lang=es" : "";
      history.replaceState(null, "", window.location.pathname + keep);
    }
  }
})();
