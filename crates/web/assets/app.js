// yunwei — small progressive enhancements; every page works without them.
(function () {
  // On a phone the module list folds away so the page content comes first.
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.navfold[open]").forEach(function (d) { d.removeAttribute("open"); });
  }

  // SLA clocks count down live; they turn amber at the warning time (75 %) and red at the due
  // time. The server rendered the same text, so without script the page is merely static.
  function span(mins) {
    if (mins >= 1440) return Math.floor(mins / 1440) + " 天 " + Math.floor((mins % 1440) / 60) + " 小时";
    if (mins >= 60) return Math.floor(mins / 60) + " 小时 " + (mins % 60) + " 分";
    return mins + " 分";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      if (!el.dataset.due || el.dataset.fixed || el.dataset.paused) return;
      var due = Date.parse(el.dataset.due), warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      var secs = Math.round((due - now) / 1000), mins = Math.floor(Math.abs(secs) / 60);
      var state = secs < 0 ? "missed" : (!isNaN(warn) && now >= warn ? "warn" : "running");
      var left = el.querySelector(".left");
      if (left) left.textContent = (secs >= 0 ? "剩余 " : "已超时 ") + span(mins);
      ["running", "warn", "missed"].forEach(function (s) { el.classList.toggle("c-" + s, s === state); });
      var card = el.closest(".clockcard");
      if (card) ["running", "warn", "missed"].forEach(function (s) { card.classList.toggle("c-" + s, s === state); });
    });
  }
  if (document.querySelector(".clock[data-due]")) { tick(); setInterval(tick, 15000); }

  // Topology: switch between full size (scroll) and the whole drawing at the page's width.
  document.querySelectorAll(".topo-tools").forEach(function (tools) {
    var view = document.getElementById("topology");
    if (!view) return;
    tools.hidden = false;
    // A drawing not much wider than the page starts shrunk to fit; a big one at full size.
    var svg = view.querySelector("svg");
    if (svg && svg.width.baseVal.value <= view.clientWidth * 1.6) view.classList.add("fit");
    // Otherwise start at the middle, where the top of a layered drawing usually is.
    else view.scrollLeft = (view.scrollWidth - view.clientWidth) / 2;
    tools.addEventListener("click", function (e) {
      var mode = e.target && e.target.dataset ? e.target.dataset.topo : null;
      if (mode) view.classList.toggle("fit", mode === "fit");
    });
  });

  // Hotline: Ctrl+Enter submits the report form from any field.
  var report = document.getElementById("report-form");
  if (report) {
    report.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); report.requestSubmit(); }
    });
  }
})();
