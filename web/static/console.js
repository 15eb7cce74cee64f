// Progressive enhancement for the console: every page works without this file.
(function () {
  "use strict";

  // Irreversible and mass actions: <form data-confirm="question"> asks in a dialog and posts
  // confirmed=1, skipping the server's confirm page (which is what runs without JavaScript). A
  // form whose <select> options carry data-final asks only when such an option is chosen.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var select = form.querySelector("select[data-final-select]");
      if (select) {
        var option = select.options[select.selectedIndex];
        if (!option || !option.hasAttribute("data-final")) return;
      }
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
      var flag = form.querySelector("input[name=confirmed]");
      if (!flag) {
        flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "confirmed";
        form.appendChild(flag);
      }
      flag.value = "1";
    });
  });

  // Character counters: <textarea data-counter="id-of-span">.
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.dataset.counter);
    if (!out) return;
    var update = function () {
      var max = area.getAttribute("maxlength");
      out.textContent = area.value.length + (max ? " / " + max : "") + " 字。";
    };
    area.addEventListener("input", update);
    update();
  });

  // Citation picker: show the article text as soon as law + number are filled in.
  document.querySelectorAll(".citations .citation").forEach(function (row) {
    var law = row.querySelector("select"), num = row.querySelector("input");
    var preview = row.nextElementSibling;
    var show = function () {
      if (!law.value || !num.value) { preview.hidden = true; return; }
      fetch("/admin/knowledge/article?law=" + encodeURIComponent(law.value) + "&n=" + encodeURIComponent(num.value),
            { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          preview.hidden = false;
          preview.textContent = data.found ? data.label + "：" + data.text : "⚠️ 没有这一条，请核对条号。";
        });
    };
    // On input, not only on change: a preview that appears when the number field loses focus moves
    // the save button between mouse-down and mouse-up, and the click is lost.
    law.addEventListener("change", show);
    num.addEventListener("input", show);
    num.addEventListener("change", show);
    show();
  });

  // New FAQ entry: the nearest existing entries, while the question is typed (a pause of 400 ms).
  // The warning sits right under the question, above the answer, so it never moves the save button
  // while it is being clicked.
  document.querySelectorAll("input[data-nearest]").forEach(function (input) {
    var box = document.getElementById(input.dataset.nearest);
    if (!box) return;
    var list = box.querySelector("ul"), timer = null;
    var show = function () {
      if (!input.value.trim()) { box.hidden = true; return; }
      fetch("/admin/knowledge/faq/nearest?q=" + encodeURIComponent(input.value),
            { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (hits) {
          list.textContent = "";
          hits.forEach(function (hit) {
            var li = document.createElement("li"), a = document.createElement("a"), s = document.createElement("span");
            a.href = "/admin/knowledge/faq/" + encodeURIComponent(hit.id) + "/history";
            a.target = "_blank";
            a.textContent = hit.q;
            s.className = "muted small";
            s.textContent = " 相似度 " + Math.round(hit.score * 100) + "%";
            li.appendChild(a); li.appendChild(s); list.appendChild(li);
          });
          box.hidden = hits.length === 0;
        });
    };
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(show, 400); });
  });

  // Recurrence editor: show only the fields of the chosen kind.
  var kinds = document.querySelectorAll("input[name=trigger]");
  var syncKinds = function () {
    kinds.forEach(function (k) {
      var box = document.getElementById("trigger-" + k.value);
      if (box) box.hidden = !k.checked;
    });
  };
  kinds.forEach(function (k) { k.addEventListener("change", syncKinds); });
  if (kinds.length) syncKinds();

  // Live progress of a running broadcast: poll the JSON endpoint named by data-progress.
  document.querySelectorAll("[data-progress]").forEach(function (box) {
    var tick = function () {
      fetch(box.dataset.progress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          ["sent", "blocked", "failed", "pending", "recipients"].forEach(function (key) {
            var el = box.querySelector("[data-field=" + key + "]");
            if (el && key in data) el.textContent = data[key];
          });
          var fill = box.querySelector(".progress .fill");
          if (fill && data.recipients) fill.setAttribute("width", (100 * (data.recipients - data.pending) / data.recipients).toFixed(1));
          var status = box.querySelector("[data-field=status]");
          if (status && data.status_label) status.textContent = data.status_label;
          if (data.running) setTimeout(tick, 1500);
        })
        .catch(function () { setTimeout(tick, 5000); });
    };
    tick();
  });
  // What was typed survives an expired session. On submit a console form remembers its fields and
  // page (localStorage: the new login link may open in another tab) and names the page in
  // return_to. If the session had run out, the server sends the browser to the login page
  // (?expired=1), which marks the draft as waiting and carries the page through the new login; the
  // page then fills the form back in. Any other page load means the form went through: forget it.
  var DRAFT = "ankang:draft", NEXT = "ankang:next", MAX_AGE_MS = 30 * 60 * 1000;
  var here = location.pathname + location.search;
  function load(key) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value && Date.now() - value.at < MAX_AGE_MS ? value : null;
    } catch (e) { return null; }
  }
  function save(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage off */ } }
  function forget(key) { try { localStorage.removeItem(key); } catch (e) { /* storage off */ } }
  var postForms = Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
    return (form.getAttribute("method") || "").toLowerCase() === "post" && !form.hasAttribute("data-no-draft");
  });
  postForms.forEach(function (form, index) {
    form.addEventListener("submit", function () {
      var back = form.querySelector("input[name=return_to]");
      if (!back) {
        back = document.createElement("input"); back.type = "hidden"; back.name = "return_to"; form.appendChild(back);
      }
      back.value = here;
      var fields = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || ["hidden", "file", "password", "submit", "button"].indexOf(el.type) >= 0) return;
        fields.push({ name: el.name, value: el.value, checked: el.checked, choice: el.type === "checkbox" || el.type === "radio" });
      });
      save(DRAFT, { path: here, form: index, fields: fields, at: Date.now(), waiting: false });
    });
  });
  var draft = load(DRAFT), params = new URLSearchParams(location.search);
  if (location.pathname === "/admin/login") {
    var next = params.get("next");
    if (draft && params.has("expired")) { draft.waiting = true; save(DRAFT, draft); }
    if (next && next !== "/admin/") save(NEXT, { path: next, at: Date.now() });
    // A fresh link from Telegram knows nothing of the page: take the one remembered above.
    var nextField = document.querySelector("input[name=next]"), remembered = load(NEXT);
    if (nextField && nextField.value === "/admin/" && remembered) nextField.value = remembered.path;
  } else {
    forget(NEXT);
    if (draft && draft.waiting && draft.path === here && postForms[draft.form]) {
      var form = postForms[draft.form];
      draft.fields.forEach(function (f) {
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name !== f.name) return;
          if (f.choice) { if (el.value === f.value) el.checked = f.checked; } else { el.value = f.value; }
          el.dispatchEvent(new Event("change", { bubbles: true }));
          el.dispatchEvent(new Event("input", { bubbles: true }));
        });
      });
      var note = document.createElement("div");
      note.className = "flash"; note.setAttribute("role", "status"); note.id = "draft-restored";
      note.textContent = "已填回登录过期前您填写的内容，请检查后再提交。";
      form.parentNode.insertBefore(note, form);
    }
    if (draft) forget(DRAFT);
  }
})();
