// The receipt page works without this file; with it, a button copies the receipt code.
(function () {
  "use strict";
  var button = document.getElementById("copy-receipt"), code = document.getElementById("receipt-code");
  if (!button || !code) return;
  var label = button.textContent;
  function done() {
    button.textContent = button.dataset.copied;
    setTimeout(function () { button.textContent = label; }, 4000);
  }
  function selectCode() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = code.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectCode(); });
    } else {
      // Plain http: the clipboard API is off; select the code and copy the old way.
      selectCode();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the code stays selected */ }
    }
  });
})();
