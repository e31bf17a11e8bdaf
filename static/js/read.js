// Count this read: one bodiless POST to the site's own /r/<id>/, named by the script
// element. No cookie is set, no identifier is sent and nothing is kept about the reader;
// the page itself needs no script (without it, it reads the same and is not counted).
(function () {
  "use strict";
  var script = document.currentScript;
  var path = script && script.getAttribute("data-read");
  if (!path) {
    return;
  }
  function send() {
    if (navigator.sendBeacon) {
      navigator.sendBeacon(path);
    } else if (window.fetch) {
      window.fetch(path, { method: "POST", keepalive: true, credentials: "same-origin" });
    }
  }
  // A page the browser prepared ahead of a click (prerendering) is not read until shown.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
