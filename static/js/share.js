// Copy the article's link to the clipboard. Without JavaScript the control stays what it
// is in the HTML: a plain link to the short address, which a reader can long-press to copy.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!navigator.clipboard) {
        return;
      }
      event.preventDefault();
      navigator.clipboard.writeText(link.href).then(function () {
        var done = link.getAttribute("data-copied");
        var label = link.querySelector("span") || link;
        var before = label.textContent;
        label.textContent = done;
        link.classList.add("share__link--copied");
        window.setTimeout(function () {
          label.textContent = before;
          link.classList.remove("share__link--copied");
        }, 2500);
      });
    });
  });
})();
