// yunwei — small progressive enhancements; every page works without them.
(function () {
  // The page's Content-Security-Policy allows no inline script, so the few handlers live here.
  // The project switcher goes to the chosen project (without script its form submits to "/").
  document.querySelectorAll("select[data-go-project]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      if (sel.value) location.href = "/p/" + encodeURIComponent(sel.value);
    });
  });
  // Printable reports: the print button, shown only where script runs.
  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

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

  // Inspections (巡检) on a phone: each answer is saved at once through the API, carrying the
  // time it was given on the device. It is written to an outbox in localStorage before it is
  // sent and taken out once the server has answered, so an answer is never lost to a dead spot,
  // a closed tab or a server error: the outbox is sent again when the browser is back online, on
  // the next page load (any page, by the same user) and every 20 s. The server keeps the newest
  // answer by device time, so an answer sent twice changes nothing. Without script each item is
  // a plain form.
  var OUTBOX = "yunwei.inspection.queue";
  var user = document.body.dataset.user || "";
  var insp = document.getElementById("inspection");
  var csrfInput = document.querySelector("form[action='/logout'] input[name=_csrf]");
  var csrf = insp ? insp.dataset.csrf : (csrfInput ? csrfInput.value : "");
  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "{}") || {}; } catch (e) { return {}; }
  }
  function saveOutbox(q) {
    try {
      if (Object.keys(q).length) localStorage.setItem(OUTBOX, JSON.stringify(q)); else localStorage.removeItem(OUTBOX);
    } catch (e) { /* storage full or disabled: the answer is still sent, only not kept */ }
  }
  // The caller's entries (a shared phone keeps another engineer's answers for them).
  function mine() {
    var q = loadOutbox();
    return Object.keys(q).map(function (u) { return q[u]; }).filter(function (e) { return e.user === user; });
  }
  // Keeps the newest answer per item: an older one never replaces a newer one.
  function put(entry) {
    var q = loadOutbox(), old = q[entry.url];
    if (!old || old.body.recorded_at <= entry.body.recorded_at) { q[entry.url] = entry; saveOutbox(q); }
  }
  function remove(entry) {
    var q = loadOutbox(), cur = q[entry.url];
    if (cur && cur.body.recorded_at <= entry.body.recorded_at) { delete q[entry.url]; saveOutbox(q); }
  }
  function problemText(p, status) {
    var reasons = (p.errors || []).map(function (e) { return e.reason; });
    return reasons.length ? reasons.join("；") : (p.detail || p.title || "HTTP " + status);
  }
  var ui = { state: function () {}, saved: function () {}, queue: function () {} };
  var inflight = {};  // url → promise of the answer being sent
  // Sends one answer from the outbox: "saved", "queued" (kept to send again) or "failed"
  // (refused on its merits: taken out, the reason shown).
  function send(entry, current) {
    var here = function () { return !current || current(); };
    var keep = function (why) {
      if (here()) ui.state(entry, "pending", why ? "待同步（" + why + "）" : "待同步");
      return "queued";
    };
    var p = fetch(entry.url, {
      method: "PUT",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(entry.body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (v) {
        if (res.ok) {
          remove(entry);
          if (here()) ui.saved(entry, v);
          return "saved";
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429) return keep("");
        if (res.status === 401) return keep("登录已过期，请重新登录");
        // A stale CSRF token (logged in again elsewhere) is cured by reloading the page.
        if (res.status === 403 && /csrf/.test(v.type || "")) return keep("请刷新页面");
        remove(entry);
        if (here()) ui.state(entry, "error", "错误：" + problemText(v, res.status));
        return "failed";
      });
    }, function () { return keep(""); });
    inflight[entry.url] = p;
    p.then(function () { if (inflight[entry.url] === p) delete inflight[entry.url]; ui.queue(); });
    return p;
  }
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    var todo = mine().filter(function (e) { return !inflight[e.url]; });
    if (!todo.length || !csrf) return Promise.resolve();
    flushing = todo.reduce(function (p, e) { return p.then(function () { return send(e); }); }, Promise.resolve())
      .then(function () { flushing = null; ui.queue(); });
    return flushing;
  }

  if (insp && insp.dataset.editable && window.fetch) {
    var execId = insp.dataset.id, code = insp.dataset.code;
    var seq = {}, last = {};
    insp.classList.add("live");
    var item = function (key) { return document.getElementById("item-" + key); };
    ui.state = function (entry, state, text) {
      var el = entry.exec === execId && item(entry.key), s = el && el.querySelector(".sync");
      if (s) { s.dataset.state = state; s.textContent = text; }
    };
    ui.saved = function (entry, v) {
      var el = entry.exec === execId && item(entry.key);
      if (!el || !v) return;
      var it = (v.items || []).filter(function (i) { return i.key === entry.key; })[0], a = it && it.answer;
      var abnormal = !!a && a.verdict === "abnormal";
      var now = new Date(), hm = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
      ui.state(entry, "saved", "已保存（" + (abnormal ? "异常" : "正常") + "） · " + hm);
      el.classList.toggle("is-abnormal", abnormal);
      el.classList.toggle("is-ok", !!a && !abnormal);
      var link = el.querySelector(".insp-incident");
      if (link && a && a.incident_id) {
        if (!link.querySelector("a")) {
          var x = document.createElement("a");
          x.href = "/p/" + code + "/incidents/" + a.incident_id;
          x.textContent = "已转为故障 →";
          link.appendChild(x);
        }
        link.hidden = false;
      }
      var raise = el.querySelector("form.raise");
      if (raise) raise.hidden = !(abnormal && !a.incident_id);
      var counts = v.counts || {};
      insp.querySelectorAll("[data-count]").forEach(function (b) {
        if (counts[b.dataset.count] !== undefined) b.textContent = counts[b.dataset.count];
      });
      var badge = document.getElementById("insp-status");
      if (badge && v.status_name) { badge.textContent = v.status_name; badge.className = "status s-" + v.status; }
    };
    var banner = document.getElementById("insp-queue");
    ui.queue = function () {
      var n = mine().filter(function (e) { return !inflight[e.url]; }).length;
      if (!banner) return;
      banner.hidden = n === 0;
      banner.textContent = n + " 项答案待同步：网络恢复后自动发送，请勿清除浏览器数据。";
    };
    var bodyOf = function (form) {
      var b = { recorded_at: new Date().toISOString() };
      var v = form.querySelector("input[name=verdict]:checked");
      var n = form.querySelector("input[name=value]");
      var t = form.querySelector("textarea[name=text]");
      var note = form.querySelector("input[name=note]");
      if (v) b.verdict = v.value;
      if (n && n.value.trim() !== "") b.value = Number(n.value);
      if (t && t.value.trim() !== "") b.text = t.value;
      if (note) b.note = note.value;
      return b;
    };
    var signature = function (b) { return JSON.stringify([b.verdict, b.value, b.text, b.note]); };
    // What an answer still lacks before it is worth sending.
    var lacking = function (kind, b) {
      if (kind === "ok_abnormal" && !b.verdict) return "请选择正常或异常";
      if (kind === "number" && b.value === undefined) return "请填写测量值";
      return "";
    };
    insp.querySelectorAll("form.answer").forEach(function (form) {
      var el = form.closest(".insp-item"), key = el.dataset.key, kind = el.dataset.kind, timer = null;
      var url = "/api/v1/inspections/" + execId + "/results/" + encodeURIComponent(key);
      last[key] = signature(bodyOf(form));
      var save = function () {
        clearTimeout(timer);
        var body = bodyOf(form), sig = signature(body), need = lacking(kind, body);
        if (sig === last[key]) return;
        if (need) { ui.state({ exec: execId, key: key }, "none", need); return; }
        last[key] = sig;
        var n = seq[key] = (seq[key] || 0) + 1;
        var entry = { url: url, exec: execId, key: key, user: user, body: body };
        put(entry);
        ui.state(entry, "saving", "保存中…");
        send(entry, function () { return seq[key] === n; });
      };
      form.addEventListener("change", save);
      form.addEventListener("input", function (e) {
        if (e.target.type === "radio") return;
        clearTimeout(timer);
        timer = setTimeout(save, 1500);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
    });
    // Answers still in the outbox from before this page was loaded: show them as given.
    mine().forEach(function (entry) {
      var el = entry.exec === execId && item(entry.key), form = el && el.querySelector("form.answer");
      if (!form) return;
      var b = entry.body;
      form.querySelectorAll("input[name=verdict]").forEach(function (r) { r.checked = r.value === b.verdict; });
      var n = form.querySelector("input[name=value]"), t = form.querySelector("textarea[name=text]");
      var note = form.querySelector("input[name=note]");
      if (n) n.value = b.value === undefined ? "" : b.value;
      if (t) t.value = b.text || "";
      if (note) note.value = b.note || "";
      last[entry.key] = signature(b);
      ui.state(entry, "pending", "待同步");
    });
    ui.queue();
    // Signing waits for the answers on their way; with some still unsent it would be refused.
    var complete = document.getElementById("complete-form");
    if (complete) {
      complete.addEventListener("submit", function (e) {
        e.preventDefault();
        var sending = Object.keys(inflight).map(function (u) { return inflight[u]; });
        Promise.all(sending).then(flush).then(function () {
          var left = mine().filter(function (entry) { return entry.exec === execId; }).length;
          if (left) {
            if (banner) { banner.hidden = false; banner.textContent = "还有 " + left + " 项答案待同步，联网后再签字完成。"; }
          } else {
            complete.submit();
          }
        });
      });
    }
  }
  // Photos of an item: taken or picked on the phone and uploaded at once (no queue: a photo is
  // too big for the outbox); the server's refusal is shown under the item.
  if (insp && insp.dataset.editable && window.fetch && csrf) {
    insp.querySelectorAll("input[data-photo]").forEach(function (input) {
      var el = input.closest(".insp-item"), box = input.closest(".insp-photos");
      var msg = box.querySelector(".photo-msg"), thumbs = box.querySelector(".thumbs");
      input.closest("label").hidden = false;
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) return;
        var base = "/api/v1/inspections/" + insp.dataset.id;
        var url = base + "/results/" + encodeURIComponent(el.dataset.key) + "/photos?name=" + encodeURIComponent(file.name || "photo.jpg");
        msg.textContent = "上传中…";
        fetch(url, {
          method: "POST", credentials: "same-origin", body: file,
          headers: { "Content-Type": file.type || "application/octet-stream", "Accept": "application/json", "X-CSRF-Token": csrf }
        }).then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (v) {
            if (!res.ok) { msg.textContent = "未能上传：" + (v.detail || v.title || ("HTTP " + res.status)); return; }
            var a = document.createElement("a"), img = document.createElement("img");
            a.href = img.src = base + "/photos/" + v.id;
            a.target = "_blank"; a.rel = "noopener";
            img.alt = img.title = v.name || "";
            a.appendChild(img);
            thumbs.appendChild(a);
            msg.textContent = "已上传";
          });
        }, function () { msg.textContent = "未能上传：网络不可用，请联网后重试"; })
          .then(function () { input.value = ""; });
      });
    });
  }
  if (csrf && user && window.fetch && window.localStorage) {
    flush();
    window.addEventListener("online", flush);
    setInterval(flush, 20000);
  }

  // Template editing: 添加一行 copies the blank row (its fields numbered after the others); a
  // ticked 删除 greys its row out. Without script the form ends with one blank row anyway.
  var rows = document.getElementById("tpl-rows"), proto = document.getElementById("tpl-row-template");
  var add = document.getElementById("add-row");
  if (rows && proto && add) {
    var next = parseInt(add.dataset.next, 10) || 0;
    add.hidden = false;
    // The blank row that stands in for the button without script.
    var blank = rows.querySelector(".tpl-blank");
    if (blank) blank.remove();
    add.addEventListener("click", function () {
      rows.insertAdjacentHTML("beforeend", proto.innerHTML.replace(/__i__/g, String(next++)));
      var row = rows.lastElementChild, secs = rows.querySelectorAll("input[name$='.section']");
      for (var i = secs.length - 2; i >= 0 && !secs[secs.length - 1].value; i--) secs[secs.length - 1].value = secs[i].value;
      var name = row.querySelector("input[name$='.name']");
      if (name) name.focus();
    });
    rows.addEventListener("change", function (e) {
      var t = e.target;
      if (t && t.name && /\.delete$/.test(t.name)) t.closest(".tpl-row").classList.toggle("is-deleted", t.checked);
    });
  }
})();
