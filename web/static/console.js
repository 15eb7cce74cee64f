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
})();
