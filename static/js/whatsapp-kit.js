// The WhatsApp kit's "Copy" buttons. Without JavaScript they stay hidden, and the text
// can still be selected in its box and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-from"));
    if (!field) {
      return;
    }
    var label = button.textContent;
    function copied() {
      button.textContent = button.getAttribute("data-copied");
      window.setTimeout(function () { button.textContent = label; }, 2500);
    }
    function selectText() {
      // No clipboard API (an insecure context, an old browser): select the text, so
      // the editor can copy it, and ask the browser to copy it where it still can.
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) {
          copied();
        }
      } catch (error) {
        // The text stays selected.
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, selectText);
      } else {
        selectText();
      }
    });
  });
})();
