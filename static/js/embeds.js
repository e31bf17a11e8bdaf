// Posts from other sites in an article's text: a card until the reader asks for the post.
//
// The card (articles/media/body.py) is a link to the post; nothing is asked of the
// provider. Tapping the button this script adds loads our own page /embed/<provider>/
// <reference>/ in a frame: the article's page allows frames of its own origin only, and
// that page's policy allows the provider's frame and nothing else. Without JavaScript the
// card stays a plain link.
(function () {
  "use strict";
  var PROVIDER = /^(youtube|telegram|x|facebook)$/;
  var REFERENCE = /^[A-Za-z0-9_.-]{1,64}(\/[A-Za-z0-9_.-]{1,64}){0,2}$/;
  var prefix = document.documentElement.lang === "en" ? "/en" : "";
  document.querySelectorAll("figure[data-embed]").forEach(function (card) {
    var provider = card.getAttribute("data-embed");
    var reference = card.getAttribute("data-embed-id") || "";
    if (!PROVIDER.test(provider) || !REFERENCE.test(reference) || reference.indexOf("..") >= 0) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "embed__load";
    button.textContent = card.getAttribute("data-embed-label") || provider;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.className = "embed__frame embed__frame--" + provider;
      frame.src = prefix + "/embed/" + provider + "/" + reference + "/";
      frame.title = button.textContent;
      frame.setAttribute("allow", "fullscreen; encrypted-media; picture-in-picture");
      frame.setAttribute("allowfullscreen", "");
      card.classList.add("embed--loaded");
      card.replaceChildren(frame);
    });
    card.classList.add("embed");
    card.appendChild(button);
  });
})();
