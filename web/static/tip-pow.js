// A small proof of work, asked for only while the form is flooded: find a number whose SHA-256
// with the one-time form token starts with N zero bits (tips.ratelimit.pow_valid checks it).
// Nothing is sent anywhere else. Without JavaScript the server accepts a form sent after a short wait.
(function () {
  "use strict";
  var form = document.getElementById("tip-form");
  if (!form || !form.dataset.powBits || !window.crypto || !crypto.subtle) return;
  var bits = parseInt(form.dataset.powBits, 10);
  var token = document.getElementById("form-token").value;
  var field = document.getElementById("pow");
  var note = document.getElementById("pow-note");
  var button = form.querySelector("button[type=submit]");
  var encoder = new TextEncoder();
  button.disabled = true;
  var zeroBits = function (bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      for (var b = 7; b >= 0 && !(bytes[i] & (1 << b)); b--) count++;
      break;
    }
    return count;
  };
  var tryFrom = function (n) {
    var batch = [];
    for (var i = 0; i < 256; i++) {
      batch.push(crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + (n + i))));
    }
    return Promise.all(batch).then(function (hashes) {
      for (var i = 0; i < hashes.length; i++) {
        if (zeroBits(new Uint8Array(hashes[i])) >= bits) return n + i;
      }
      return tryFrom(n + 256);
    });
  };
  tryFrom(0).then(function (answer) {
    field.value = String(answer);
    button.disabled = false;
    note.textContent = "安全校验完成，可以提交。";
  });
})();
