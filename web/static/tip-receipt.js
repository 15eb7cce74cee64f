// The receipt page's "保存为图片": the code drawn on a canvas here and saved as a PNG, nothing sent
// anywhere (tips.js does the copy button). Without JavaScript the buttons stay hidden and the page
// asks the tipper to write the code down.
(function () {
  "use strict";
  var codeEl = document.getElementById("receipt-code");
  var button = document.getElementById("save-image");
  var note = document.getElementById("receipt-action-note");
  if (!codeEl || !button) return;
  var code = codeEl.textContent.trim();
  button.hidden = false;
  button.addEventListener("click", function () {
    var canvas = document.createElement("canvas");
    canvas.width = 720; canvas.height = 300;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#1f2937";
    ctx.font = "28px sans-serif"; ctx.fillText("匿名举报回执码", 40, 70);
    ctx.font = "bold 52px monospace"; ctx.fillText(code, 40, 160);
    ctx.font = "22px sans-serif"; ctx.fillStyle = "#4b5563";
    ctx.fillText("凭此码在“查进展”页面或 Telegram /status 查看处理情况", 40, 230);
    var link = document.createElement("a");
    link.download = "举报回执码.png";
    link.href = canvas.toDataURL("image/png");
    document.body.appendChild(link);
    link.click();
    link.remove();
    if (note) note.textContent = "图片已保存。请存放在只有您自己能看到的地方。";
  });
})();
