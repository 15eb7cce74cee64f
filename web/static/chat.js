// Browser chat for the demo: renders the emulator's view of a private chat with the bot.
(function () {
  "use strict";
  var log = document.getElementById("log"), keyboard = document.getElementById("keyboard");
  var form = document.getElementById("composer"), input = document.getElementById("text");
  var photo = document.getElementById("photo"), toast = document.getElementById("toast");
  var chat = document.getElementById("chat");
  var role = (document.querySelector("input[name=role]:checked") || {}).value || "worker";
  var since = 0, generation = 0, nodes = {}, chosen = {}, picked = {};
  // Every POST carries the page's token: another site cannot read it, so cannot post as the visitor.
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  function api(path, options) {
    return fetch("/chat/api/" + role + path, options).then(function (r) { return r.json(); });
  }
  function post(path, body) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
                       body: JSON.stringify(body) });
  }

  // Telegram entities use UTF-16 offsets, which is exactly how JavaScript indexes strings.
  var TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
               blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span" };
  // Telegram clients link bare URLs even without entities; do the same for plain text runs.
  function linkify(parent, text) {
    var re = /https?:\/\/[^\s<>"，。）]+/g, pos = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      var a = document.createElement("a");
      a.href = m[0]; a.textContent = m[0]; a.target = "_blank"; a.rel = "noopener noreferrer";
      parent.appendChild(a);
      pos = m.index + m[0].length;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function richText(text, entities) {
    var root = document.createDocumentFragment();
    entities = (entities || []).slice().sort(function (a, b) { return a.offset - b.offset || b.length - a.length; });
    function build(parent, start, end, list) {
      var pos = start;
      for (var i = 0; i < list.length; i++) {
        var e = list[i];
        if (e.offset < pos || e.offset >= end) continue;
        if (e.offset > pos) linkify(parent, text.slice(pos, e.offset));
        var stop = Math.min(e.offset + e.length, end), el;
        if (e.type === "text_link" || e.type === "url") {
          el = document.createElement("a");
          el.href = e.type === "url" ? text.slice(e.offset, stop) : e.url;
          el.target = "_blank"; el.rel = "noopener noreferrer";
        } else {
          el = document.createElement(TAGS[e.type] || "span");
        }
        var inner = list.filter(function (x) { return x !== e && x.offset >= e.offset && x.offset + x.length <= stop; });
        build(el, e.offset, stop, inner);
        parent.appendChild(el);
        pos = stop;
      }
      if (pos < end) linkify(parent, text.slice(pos, end));
    }
    build(root, 0, text.length, entities);
    return root;
  }

  function showToast(text, alert) {
    toast.textContent = text; toast.hidden = false;
    toast.classList.toggle("alert-toast", !!alert);
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(function () { toast.hidden = true; }, alert ? 6000 : 3000);
  }

  // Each new message comes into view, as in a messenger; so does a picture once it has loaded.
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
    var last = log.lastElementChild;
    if (last) last.scrollIntoView({ block: "end" });
  }

  // A poll: one tap answers; a poll that allows several answers (a campaign's 多选 question) is ticked option by
  // option and sent with 提交. Answered or closed, its options are locked (a quiz shows right and wrong).
  function renderPoll(bubble, m) {
    var poll = m.poll;
    var q = document.createElement("div"); q.className = "q"; q.textContent = poll.question; bubble.appendChild(q);
    var meta = document.createElement("div"); meta.className = "muted small";
    meta.textContent = (poll.type === "quiz" ? "测验" : "投票") + (poll.allows_multiple_answers ? "（多选）" : "")
      + (poll.open_period ? " · 限时 " + poll.open_period + " 秒" : "") + " · " + (poll.total_voter_count || 0) + " 人参与";
    bubble.appendChild(meta);
    var mine = chosen[poll.id];
    var multiple = !!poll.allows_multiple_answers;
    var picking = picked[poll.id] || (picked[poll.id] = []);
    function answer(ids) {
      chosen[poll.id] = ids;
      post("/poll_answer", { poll_id: poll.id, option_ids: ids }).then(function () { upsert({ message: m, outgoing: true }); });
    }
    poll.options.forEach(function (opt, i) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "poll-opt"; b.textContent = opt.text;
      if (mine !== undefined) {
        b.disabled = true;
        // Bot API 9.6 lists the right answers in correct_option_ids (correct_option_id before it).
        var right = poll.correct_option_ids || (poll.correct_option_id !== undefined ? [poll.correct_option_id] : null);
        if (poll.type === "quiz" && right) {
          if (right.indexOf(i) >= 0) { b.classList.add("correct"); b.textContent = "✓ " + opt.text; }
          else if (mine.indexOf(i) >= 0) { b.classList.add("wrong"); b.textContent = "✗ " + opt.text; }
        } else if (mine.indexOf(i) >= 0) b.classList.add("chosen");
      } else if (poll.is_closed) {
        b.disabled = true;
      } else if (multiple) {
        b.setAttribute("aria-pressed", picking.indexOf(i) >= 0 ? "true" : "false");
        if (picking.indexOf(i) >= 0) { b.classList.add("chosen"); b.textContent = "☑ " + opt.text; }
        else b.textContent = "☐ " + opt.text;
      }
      b.addEventListener("click", function () {
        if (!multiple) { answer([i]); return; }
        var at = picking.indexOf(i);
        if (at >= 0) picking.splice(at, 1); else picking.push(i);
        upsert({ message: m, outgoing: true });
      });
      bubble.appendChild(b);
    });
    if (multiple && mine === undefined && !poll.is_closed) {
      var submit = document.createElement("button");
      submit.type = "button"; submit.className = "btn small poll-submit"; submit.textContent = "提交";
      submit.disabled = !picking.length;
      submit.addEventListener("click", function () { answer(picking.slice().sort(function (a, b) { return a - b; })); });
      bubble.appendChild(submit);
    }
    if (poll.is_closed && mine === undefined) {
      var closed = document.createElement("div"); closed.className = "small muted"; closed.textContent = "已截止";
      bubble.appendChild(closed);
    }
    if (mine !== undefined && poll.explanation) {
      var ex = document.createElement("div"); ex.className = "small muted"; ex.textContent = "💡 " + poll.explanation;
      bubble.appendChild(ex);
    }
  }

  function renderMessage(item) {
    var m = item.message, wrap = document.createElement("div");
    wrap.className = "msg" + (item.outgoing ? "" : " me");
    wrap.dataset.id = m.message_id;
    var bubble = document.createElement("div");
    bubble.className = "bubble" + (m.poll ? " poll" : "");
    if (m.photo && m.photo.length) {
      var img = document.createElement("img");
      img.src = "/chat/files/" + encodeURIComponent(m.photo[m.photo.length - 1].file_id);
      img.alt = "图片";
      img.addEventListener("load", function () { if (wrap === log.lastElementChild) scrollToEnd(); });
      bubble.appendChild(img);
    }
    if (m.document && item.outgoing) {
      // A file from the bot (a certificate's PDF): a link to download it, as a Telegram client shows it.
      var doc = document.createElement("a");
      doc.className = "doc";
      doc.href = "/chat/files/" + encodeURIComponent(m.document.file_id);
      doc.download = m.document.file_name || "file";
      doc.textContent = "📄 " + (m.document.file_name || "文件");
      bubble.appendChild(doc);
      if (m.caption) bubble.appendChild(document.createElement("br"));
    }
    if (m.poll) renderPoll(bubble, m);
    else if (m.text) bubble.appendChild(richText(m.text, m.entities));
    else if (m.caption) bubble.appendChild(richText(m.caption, m.caption_entities));
    else if (!m.photo) bubble.appendChild(document.createTextNode(m.sticker ? m.sticker.emoji : m.document ? (item.outgoing ? "" : "📄 " + (m.document.file_name || "文件")) : "［消息］"));
    wrap.appendChild(bubble);
    var kb = m.reply_markup && m.reply_markup.inline_keyboard;
    if (kb && item.outgoing) {
      var grid = document.createElement("div"); grid.className = "inline-kb";
      kb.forEach(function (row) {
        var r = document.createElement("div"); r.className = "row";
        row.forEach(function (button) {
          var b = document.createElement("button"); b.type = "button"; b.textContent = button.text;
          b.addEventListener("click", function () {
            if (button.url) { window.open(button.url, "_blank", "noopener"); return; }
            post("/press", { message_id: m.message_id, data: button.callback_data, button: button.text });
          });
          r.appendChild(b);
        });
        grid.appendChild(r);
      });
      wrap.appendChild(grid);
    }
    var time = document.createElement("div"); time.className = "time";
    var d = new Date((m.edit_date || m.date) * 1000);
    time.textContent = (m.edit_date ? "已编辑 " : "") + d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
    wrap.appendChild(time);
    return wrap;
  }

  function upsert(item) {
    var id = item.message.message_id, old = nodes[id];
    if (item.deleted) { if (old) { old.remove(); delete nodes[id]; } return; }
    var node = renderMessage(item);
    if (old) { old.replaceWith(node); } else { log.appendChild(node); }
    nodes[id] = node;
  }

  function renderKeyboard(markup) {
    keyboard.textContent = "";
    if (!markup || !markup.keyboard) { keyboard.hidden = true; return; }
    markup.keyboard.forEach(function (row) {
      var r = document.createElement("div"); r.className = "row";
      row.forEach(function (button) {
        var label = typeof button === "string" ? button : button.text;
        var b = document.createElement("button"); b.type = "button"; b.textContent = label;
        b.addEventListener("click", function () { send(label); });
        r.appendChild(b);
      });
      keyboard.appendChild(r);
    });
    keyboard.hidden = false;
  }

  function poll(gen) {
    if (gen !== generation) return;
    api("/events?since=" + since + "&timeout=" + (since ? 25 : 0)).then(function (data) {
      if (gen !== generation) return;
      if (!data.ok) throw new Error(data.description);
      var r = data.result, first = since === 0;
      var added = r.messages.some(function (item) { return !nodes[item.message.message_id] && !item.deleted; });
      r.messages.forEach(upsert);
      // Pop-up replies are news only while the page is open: on opening, the old ones are history.
      if (!first) r.callback_answers.forEach(function (a) { if (a.text) showToast(a.text, a.show_alert); });
      renderKeyboard(r.reply_keyboard);
      since = r.seq;
      if (first || added) scrollToEnd();
      chat.dataset.ready = "1";
      poll(gen);
    }).catch(function () { setTimeout(function () { poll(gen); }, 2000); });
  }

  function send(text) {
    text = text.trim();
    if (!text) return;
    post("/text", { text: text });
  }

  function start() {
    generation += 1; since = 0; nodes = {}; log.textContent = ""; chat.dataset.ready = "0";
    var gen = generation;
    fetch("/chat/api/users").then(function () { poll(gen); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
    input.value = "";
    input.focus();
  });
  photo.addEventListener("change", function () {
    if (!photo.files.length) return;
    var data = new FormData(); data.append("photo", photo.files[0]);
    fetch("/chat/api/" + role + "/photo", { method: "POST", headers: { "X-CSRF-Token": csrf }, body: data });
    photo.value = "";
  });
  document.querySelectorAll("input[name=role]").forEach(function (radio) {
    radio.addEventListener("change", function () { role = radio.value; start(); });
  });
  start();
})();
