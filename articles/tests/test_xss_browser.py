"""Stored XSS in a real browser: every payload in every field, on every page, in Chromium.

The compact set (``xss_cases.CASES``) always runs; the public corpus (7,247 payloads in
``../shared/security/xss-payloads.jsonl``) runs where that file exists. Content holding
the payloads is created, and the pages showing it are opened in Debian's Chromium
through the live server, with the page's Content-Security-Policy bypassed: escaping and
sanitizing alone must keep every payload inert (CSP is defence in depth, not the defence).

Before any script of a page runs, a hook wraps ``alert``, ``confirm``, ``prompt`` and
``print``, watches a ``window.__xss`` sentinel and ``document.title``; the browser
reports every script it compiles (DevTools ``Debugger.scriptParsed``: an inline
script, an event handler, a ``javascript:`` URL, ``eval``), every dialog, every
request to another host and every page that navigates away. Once a page has loaded,
each element that carries an inline handler gets that handler's event and each
``javascript:`` link is clicked, so nothing that waits for a hover, a focus or a click
goes unseen. Nothing may run, and each page must show the text staff wrote.

Each page is a real navigation to the live server, several tabs at a time. Opening a
page costs Chromium about a tenth of a second on these two cores, whatever its size, so
the corpus goes where many payloads share a page (the admin's lists show every row, the
home page and search hundreds); on pages that show one payload per field it takes one carrier
in ``ARTICLE_STRIDE`` (articles) or ``OWN_PAGE_STRIDE`` (quotes, experts, sections,
tags), and every carrier whose payloads are too long for a headline (those are in no
list), so that each payload of the corpus runs in a browser at least once. The closing
summary says how many payloads, fields, pages and renders were seen.
"""

import contextlib
import mimetypes
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import translation

from articles.arabic import without_bidi_controls
from articles.caching.pagecache import content_changed
from articles.models import ShareNetwork
from articles.reading import pages
from articles.reading.search import CANDIDATES as SEARCHED
from articles.tests.chromium import launched
from articles.tests.signin import sign_in
from articles.tests.xss_cases import (
    CASES,
    FIELDS,
    build_carriers,
    load_corpus,
    store_lead_image,
)
from staff import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Nothing leaves the machine: any other host fails at once instead of timing out.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"
# Pages are opened this many at a time, one per tab: reader pages, and admin pages
# (which only read: every change list and change form is opened, none is saved).
TABS = 6
ADMIN_TABS = 3
# Carriers of the corpus sharing a section.
PER_SECTION = 20
# The corpus on pages that show one payload per field (an article, a quote, an expert,
# a section, a tag, an admin form): one carrier in this many, so that the run stays
# within minutes on two cores. Every payload is on the pages that list many at once (the
# home page, the admin's lists); every context of the one-payload pages is tried by the
# compact set on all of them.
ARTICLE_STRIDE = 8
OWN_PAGE_STRIDE = 64
ADMIN_FORM_STRIDE = 192
# Carriers whose share networks are shown together (every page lists every active one).
NETWORK_BATCH = 24

SENTINEL = """
(() => {
  const report = (kind, detail) => {
    try {
      window.__xssReport(kind, String(detail).slice(0, 200), String(location.href));
    } catch (error) {
      (window.__xssQueue = window.__xssQueue || []).push([kind, String(detail)]);
    }
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    Object.defineProperty(window, name, {
      configurable: false,
      writable: false,
      value: function (...args) {
        report(name, args.join(" "));
        return name === "confirm" ? false : name === "prompt" ? null : undefined;
      },
    });
  }
  Object.defineProperty(window, "__xss", {
    configurable: false,
    get() { return undefined; },
    set(value) { report("window.__xss", value); },
  });
  const title = Object.getOwnPropertyDescriptor(Document.prototype, "title");
  Object.defineProperty(Document.prototype, "title", {
    configurable: false,
    get: title.get,
    set(value) { report("document.title", value); title.set.call(this, value); },
  });
  window.open = function (url) { report("window.open", url); return null; };
})();
//# sourceURL=xss-sentinel.js
"""

# Run in each page once loaded: what is in the live DOM that could run, every inline
# handler fired, every script link clicked, and the texts a reader sees.
AUDIT = """(options) => {
  const findings = [];
  const origin = location.origin;
  const forbidden = new Set(["iframe", "frame", "frameset", "object", "embed", "applet",
    "base", "portal", "fencedframe"]);
  const urlAttributes = new Set(["href", "src", "action", "formaction", "data", "poster",
    "background", "codebase", "cite", "ping", "lowsrc", "dynsrc", "srcset", "manifest",
    "icon", "to", "from", "values"]);
  const squash = value => value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
  const dangerous = value => value.split(",").some(part => {
    const url = squash(part);
    return url.startsWith("javascript:") || url.startsWith("vbscript:")
      || (url.startsWith("data:") && !/^data:image\\/(png|jpeg|gif|webp)[;,]/.test(url));
  });
  const name = element => element.localName
    + (typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\\s+/).join(".") : "");
  const handlers = [];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.localName;
    if (forbidden.has(tag)) findings.push(`<${tag}> in ${name(element.parentElement)}`);
    if (tag === "meta" && element.hasAttribute("http-equiv")) {
      findings.push(`<meta http-equiv=${element.getAttribute("http-equiv")}>`);
    }
    if (tag === "script") {
      const type = (element.getAttribute("type") || "").toLowerCase();
      if (element.hasAttribute("src")) {
        if (!options.scripts.some(prefix => element.src.startsWith(origin + prefix))) {
          findings.push(`script from ${element.src}`);
        }
      } else if (type === "application/ld+json") {
        try { JSON.parse(element.textContent); } catch (error) {
          findings.push("JSON-LD that does not parse: " + element.textContent.slice(0, 80));
        }
      } else if (type === "importmap" && options.importmap) {
        const map = JSON.parse(element.textContent);
        const urls = Object.values(map.imports || {});
        if (!urls.every(url => url.startsWith("/static/"))) findings.push("import map");
      } else {
        findings.push(`inline script: ${element.textContent.slice(0, 80)}`);
      }
    }
    for (const attribute of element.attributes) {
      const attributeName = attribute.localName.toLowerCase();
      if (attributeName.startsWith("on")) {
        findings.push(`${name(element)} ${attributeName}=${attribute.value.slice(0, 60)}`);
        handlers.push([element, attributeName.slice(2)]);
      } else if (attributeName === "srcdoc") {
        findings.push(`${name(element)} srcdoc`);
      } else if (urlAttributes.has(attributeName) && dangerous(attribute.value)) {
        findings.push(`${name(element)} ${attributeName}=${attribute.value.slice(0, 60)}`);
      }
    }
  }
  // Links and forms as the browser resolved them, whatever the markup's spelling.
  const scriptLinks = [...document.querySelectorAll("a[href], area[href]")]
    .filter(link => ["javascript:", "vbscript:"].includes(link.protocol));
  for (const link of scriptLinks) findings.push(`link to ${link.href.slice(0, 60)}`);
  for (const form of document.querySelectorAll("form")) {
    // The attribute: a control named "action" hides the property (as the admin's does).
    if (dangerous(form.getAttribute("action") || "")) findings.push("form to a script URL");
  }
  // Right-to-left overrides: text may not reorder what follows its own element.
  const controls = /[\\u202a-\\u202e\\u2066-\\u2068]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!controls.test(node.data)) continue;
    const isolating = element => {
      const style = getComputedStyle(element);
      return element.localName === "bdi" || style.display !== "inline"
        || ["isolate", "isolate-override", "plaintext"].includes(style.unicodeBidi);
    };
    const holder = node.parentElement;
    if (isolating(holder)) continue;
    let block = holder.parentElement;
    while (!isolating(block)) block = block.parentElement;
    const range = document.createRange();
    range.setStartAfter(holder);
    range.setEnd(block, block.childNodes.length);
    const after = range.toString().trim();
    if (after) {
      findings.push(`bidi override in ${name(holder)} reorders "${after.slice(0, 40)}"`);
    }
  }
  // What would run on a hover, a focus, a click: fire it.
  for (const [element, type] of handlers) {
    try { element.dispatchEvent(new Event(type)); } catch (error) {}
  }
  for (const link of scriptLinks) { try { link.click(); } catch (error) {} }
  const read = element => ["input", "textarea", "select"].includes(element.localName)
    ? element.value : element.textContent;
  const texts = {};
  for (const selector of options.selectors) {
    texts[selector] = [...document.querySelectorAll(selector)].map(read);
  }
  return {findings, texts, url: location.href, queued: window.__xssQueue || []};
}"""

OWN_SCRIPTS = ["/static/", "/admin/jsi18n/", "/en/admin/jsi18n/"]
# How Playwright's own scripts in a page's world (no URL) begin, or what they hold.
PLAYWRIGHT_SOURCES = ("((utilityScript", "(utilityScript")
PLAYWRIGHT_MARKERS = ("__playwright", "var __commonJS")


@dataclass
class Document:
    """A page to open: where, what it must show, and how many payloads it renders."""

    kind: str
    path: str
    label: str
    equals: dict[str, str] = field(default_factory=dict)
    includes: dict[str, set[str]] = field(default_factory=dict)
    # Texts gathered across pages (a list split into pages): selector -> group name.
    gather: dict[str, str] = field(default_factory=dict)
    renders: Counter = field(default_factory=Counter)


@dataclass
class Tally:
    payloads: set = field(default_factory=set)
    fields: set = field(default_factory=set)
    kinds: set = field(default_factory=set)
    renders: int = 0
    documents: int = 0
    executed: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    gathered: dict = field(default_factory=dict)
    seconds: float = 0.0

    def expect_gathered(self, group: str, expected: set[str]):
        missing = expected - self.gathered.get(group, set())
        if missing:
            self.problems.append(f"{group}: {len(missing)} not shown, e.g. {sorted(missing)[:3]!r}")

    def line(self, name: str) -> str:
        return (
            f"XSS browser suite ({name}): {len(self.payloads):,} payloads × "
            f"{len(self.fields)} fields × {len(self.kinds)} kinds of page = "
            f"{self.renders:,} renders checked in Chromium ({self.documents:,} pages, "
            f"{self.seconds:.0f} s); {len(self.executed)} executed; "
            f"{len(self.console_errors)} console errors"
        )


class Watcher:
    """Browser tabs whose pages report anything that runs, asks or leaves."""

    def __init__(self, browser, live_server, tally: Tally, *, tabs: int, session: str = ""):
        self.origin = live_server.url
        self.tally = tally
        self.context = browser.new_context(
            bypass_csp=True, viewport={"width": 1280, "height": 800}, locale="ar"
        )
        if session:
            self.context.add_cookies([{"name": "sessionid", "value": session, "url": self.origin}])
        self.events = []
        self.scripts = []
        self.tooling = set()  # hashes of Playwright's scripts
        self.context.expose_binding("__xssReport", self._reported)
        self.context.add_init_script(SENTINEL)
        self.context.route(f"{self.origin}/media/**", self._media)
        self.context.on("request", self._request)
        self.tabs = []
        for _number in range(tabs):
            page = self.context.new_page()
            page.on("dialog", self._dialog)
            page.on("pageerror", lambda error: self.events.append(("page error", str(error))))
            page.on("console", self._console)
            cdp = self.context.new_cdp_session(page)
            cdp.on(
                "Debugger.scriptParsed", lambda event, cdp=cdp: self.scripts.append((cdp, event))
            )
            cdp.send("Debugger.enable")
            page.goto(f"{self.origin}/robots.txt")
            self.tabs.append((page, cdp))
        # From now on a new tab or window can only be a page's doing.
        self.context.on("page", lambda page: self.events.append(("new window", page.url)))

    def close(self):
        self.context.close()

    # What the hooks report.

    def _reported(self, source, kind, detail, url):
        self.events.append((kind, f"{detail} (in {unquote(url)})"))

    def _dialog(self, dialog):
        self.events.append((f"{dialog.type} dialog", dialog.message))
        dialog.dismiss()

    def _console(self, message):
        if message.type == "error":
            self.tally.console_errors.append(message.text)

    def _request(self, request):
        url = request.url
        if not url.startswith((self.origin, "data:", "about:", "blob:")):
            self.events.append(("request to another host", url[:120]))

    def _media(self, route):
        name = unquote(urlsplit(route.request.url).path.removeprefix("/media/"))
        if not default_storage.exists(name):
            route.fulfill(status=404)
            return
        with default_storage.open(name) as file:
            body = file.read()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=body, content_type=content_type)

    def _judge_scripts(self):
        """Report every script compiled in a page's own world that is not one of ours.

        Our scripts are files of the site. Playwright's (its injected script, bindings,
        evaluations) have no URL and are told by their source, or by the hash of a
        source seen before once their page is gone. An inline script or handler carries
        the page's URL, and ``eval`` or a ``javascript:`` URL none: those ran.
        """
        own = tuple(self.origin + prefix for prefix in OWN_SCRIPTS)
        for cdp, event in self.scripts:
            if not (event.get("executionContextAuxData") or {}).get("isDefault", True):
                continue  # Playwright's own isolated world
            url = event.get("url", "")
            if url.startswith(own) or url == "xss-sentinel.js" or event["hash"] in self.tooling:
                continue
            if not url:
                try:
                    reply = cdp.send("Debugger.getScriptSource", {"scriptId": event["scriptId"]})
                    text = reply["scriptSource"].lstrip()
                except Exception:  # its page is gone, and its source with it
                    text = None
                if text == "":
                    continue  # blank: nothing to run
                if text is not None and (
                    text.startswith(PLAYWRIGHT_SOURCES)
                    or any(marker in text[:400] for marker in PLAYWRIGHT_MARKERS)
                    or text == AUDIT.strip()
                ):
                    self.tooling.add(event["hash"])
                    continue
                url = f"(no URL) {text[:80]!r}" if text is not None else "(no URL, page gone)"
            self.events.append(("script compiled", url))
        self.scripts.clear()

    # Opening pages.

    def open(self, documents: list[Document], *, admin: bool = False):
        for start in range(0, len(documents), len(self.tabs)):
            self._open_batch(documents[start : start + len(self.tabs)], admin=admin)

    def _open_batch(self, batch: list[Document], *, admin: bool):
        urls = [self.origin + quote(document.path, safe="/?=&%") for document in batch]
        self._judge_scripts()  # any compiled late in the pages being left, while they exist
        # Navigating through DevTools compiles nothing in the page being left.
        with contextlib.ExitStack() as waiting:
            for (tab, cdp), url in zip(self.tabs, urls, strict=False):
                waiting.enter_context(tab.expect_navigation(wait_until="load", timeout=300_000))
                cdp.send("Page.navigate", {"url": url})
        for (tab, _cdp), document, url in zip(self.tabs, batch, urls, strict=False):
            selectors = [*document.equals, *document.includes, *document.gather]
            options = {"scripts": OWN_SCRIPTS, "importmap": admin, "selectors": selectors}
            self._judge(document, tab.evaluate(AUDIT, options), url)
        self.tabs[0][0].wait_for_timeout(50)  # what the clicks started
        self._judge_scripts()
        for kind, detail in self.events:
            self.tally.executed.append(f"{kind}: {detail}")
        self.events.clear()

    def _judge(self, document: Document, result: dict, url: str):
        label = document.label
        if unquote(result["url"]) != unquote(url):
            self.tally.executed.append(f"{label}: navigated to {result['url'][:120]}")
        for finding in result["findings"]:
            self.tally.problems.append(f"{label}: {finding}")
        for kind, detail in result["queued"]:
            self.tally.executed.append(f"{label}: {kind} {detail}")
        for selector, expected in document.equals.items():
            shown = result["texts"][selector]
            if not shown or any(text != expected for text in shown):
                self.tally.problems.append(f"{label}: {selector} shows {shown!r}, not {expected!r}")
        for selector, group in document.gather.items():
            self.tally.gathered.setdefault(group, set()).update(result["texts"][selector])
        for selector, expected in document.includes.items():
            missing = expected - set(result["texts"][selector])
            if missing:
                self.tally.problems.append(f"{label}: {selector} lacks {sorted(missing)[:3]!r}")
        self.tally.documents += 1
        self.tally.kinds.add(document.kind)
        for (payload, f), count in document.renders.items():
            self.tally.payloads.add(payload)
            self.tally.fields.add(f)
            self.tally.renders += count


# --- What each page shows -------------------------------------------------------------


def shown(text: str) -> str:
    """Return ``text`` as the page's DOM holds it (the parser normalizes line ends)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def typed(text: str) -> str:
    """Return ``text``, as saved, as a one-line input shows it: browsers drop its line
    breaks, and saving dropped its reordering controls."""
    return without_bidi_controls(shown(text)).replace("\n", "")


def field_of(model: str, name: str):
    return next(f for f in FIELDS if f.model == model and f.name == name)


ARTICLE_PAGE_FIELDS = [
    ("article", "title"),
    ("article", "kicker"),
    ("article", "summary"),
    ("article", "body"),
    ("article", "lead_image_caption"),
    ("article", "lead_image_alt"),
    ("article", "lead_image_credit"),
    ("article", "source"),
    ("article", "claim"),
    ("article", "claim_author"),
    ("section", "name"),
    ("tag", "name"),
    ("expert", "name"),
    ("expert", "honorific"),
    ("expert", "role"),
    ("quote", "text"),
    ("quote", "context"),
    ("correction", "text"),
]
QUOTE_PAGE_FIELDS = [
    ("quote", "text"),
    ("quote", "context"),
    ("expert", "name"),
    ("expert", "honorific"),
    ("expert", "role"),
    ("article", "title"),
]
EXPERT_PAGE_FIELDS = [
    ("expert", "name"),
    ("expert", "honorific"),
    ("expert", "role"),
    ("expert", "affiliation"),
    ("expert", "bio"),
    ("quote", "text"),
    ("article", "title"),
]
CARD_FIELDS = [("article", "title"), ("article", "kicker"), ("section", "name")]
ADMIN_ARTICLE_FORM_FIELDS = [
    ("article", name)
    for name in (
        "title",
        "kicker",
        "summary",
        "body",
        "lead_image_caption",
        "lead_image_alt",
        "lead_image_credit",
        "source",
    )
] + [("quote", "text"), ("quote", "context"), ("correction", "text")]


def count(carrier, fields, language: str, renders: Counter | None = None) -> Counter:
    """Count the payloads ``carrier`` shows through ``fields`` on one page."""
    renders = renders if renders is not None else Counter()
    for model, name in fields:
        f = field_of(model, name)
        code = language if f.translated else "ar"
        if (f, code) in carrier.carried:
            renders[carrier.cases[code].payload, str(f)] += 1
    return renders


def path_in(language: str, target, *args) -> str:
    with translation.override(language):
        if isinstance(target, str):
            return reverse(target, args=args)
        return target.get_absolute_url()


def shared_on(networks: set[str], language: str) -> set[str]:
    with translation.override(language):
        return {translation.gettext("Share on %(network)s") % {"network": n} for n in networks}


def reader_documents(carriers, language: str, *, article_pages, own_pages, networks):
    """Return the reader pages showing ``carriers``: their articles, and their own pages."""
    documents = []
    for carrier in carriers:
        case = carrier.cases[language]

        def text(model, name, carrier=carrier):
            return shown(carrier.text(model, name, language))

        article = Document(
            "article page",
            path_in(language, carrier.article),
            f"article page [{case}, {language}]",
            equals={
                "header h1": text("article", "title"),
                ".byline__credit": text("article", "source"),
                ".quote blockquote p": text("quote", "text"),
                ".tags a": text("tag", "name"),
            },
            # Each icon is named "Share on <network>" in the page's language.
            includes={".share__link": shared_on(networks, language)},
            renders=count(carrier, ARTICLE_PAGE_FIELDS, language),
        )
        if article_pages(carrier):
            documents.append(article)
        if not own_pages(carrier):
            continue
        documents += [
            Document(
                "quote page",
                path_in(language, carrier.quote),
                f"quote page [{case}, {language}]",
                equals={
                    "blockquote p": text("quote", "text"),
                    "h1 a": text("article", "title"),
                    ".quote__expert bdi": shown(carrier.full_name(language)),
                },
                renders=count(carrier, QUOTE_PAGE_FIELDS, language),
            ),
            Document(
                "expert page",
                path_in(language, carrier.expert),
                f"expert page [{case}, {language}]",
                equals={"h1 bdi": shown(carrier.full_name(language))},
                renders=count(carrier, EXPERT_PAGE_FIELDS, language),
            ),
            Document(
                "section page",
                path_in(language, carrier.section),
                f"section page [{case}, {language}]",
                equals={"h1": text("section", "name")},
                includes={".card__title a": {text("article", "title")}},
                renders=count(
                    carrier,
                    [("section", "name"), ("section", "description"), *CARD_FIELDS],
                    language,
                ),
            ),
            Document(
                "tag page",
                path_in(language, carrier.tag),
                f"tag page [{case}, {language}]",
                equals={"h1": text("tag", "name"), ".card__title a": text("article", "title")},
                renders=count(carrier, [("tag", "name"), *CARD_FIELDS], language),
            ),
        ]
    return documents


def on_home_page(carriers) -> list:
    """Return the carriers the home page lists: the newest, then each section's newest."""
    newest = sorted(carriers, key=lambda c: c.article.published_at, reverse=True)
    shown = newest[: pages.HOME_LATEST]
    per_section = Counter()
    for carrier in newest[pages.HOME_LATEST :]:
        if per_section[carrier.section.pk] < pages.HOME_PER_SECTION:
            per_section[carrier.section.pk] += 1
            shown.append(carrier)
    return shown


def listing_documents(carriers, language: str) -> list[Document]:
    """Return the pages that list many carriers at once: home, and search results."""
    listed = on_home_page(carriers)
    home = Document(
        "home page",
        path_in(language, "articles:home"),
        f"home page [{language}]",
        includes={".card__title a": {shown(c.text("article", "title", language)) for c in listed}},
    )
    for carrier in listed:
        count(carrier, CARD_FIELDS, language, home.renders)
    documents = [home]
    # Every carrier's body starts with the same paragraph: searching for its words lists
    # them, twenty to a page, headlines and standfirst excerpts highlighted. Search ranks
    # its newest matches only (articles/search.py), so the newest carriers are listed.
    query = "فقرة أولى" if language == "ar" else "first paragraph"
    listed = sorted(carriers, key=lambda c: c.article.published_at, reverse=True)[:SEARCHED]
    for number in range(1, (len(listed) + 19) // 20 + 1):
        search = Document(
            "search results",
            f"{path_in(language, 'articles:search')}?q={quote(query)}&page={number}",
            f"search results p{number} [{language}]",
            gather={".search-results h2 a": f"search results [{language}]"},
        )
        for carrier in listed[(number - 1) * 20 : number * 20]:
            fields = [("article", "title"), ("article", "summary"), ("section", "name")]
            count(carrier, fields, language, search.renders)
        documents.append(search)
    return documents


def search_expectations(tally: Tally, carriers, language: str):
    listed = sorted(carriers, key=lambda c: c.article.published_at, reverse=True)[:SEARCHED]
    expected = {shown(c.text("article", "title", language)) for c in listed}
    tally.expect_gathered(f"search results [{language}]", expected)


# Each change list: the fields its rows show, and the column that names the row.
ADMIN_LISTS = {
    "article": ([("article", "title"), ("section", "name")], ("article", "title")),
    "expert": (
        [
            ("expert", "name"),
            ("expert", "honorific"),
            ("expert", "role"),
            ("expert", "affiliation"),
        ],
        ("expert", "name"),
    ),
    "section": ([("section", "name")], ("section", "name")),
    "tag": ([("tag", "name")], ("tag", "name")),
    "quote": ([("expert", "name"), ("expert", "honorific"), ("article", "title")], None),
    "correction": ([("article", "title")], None),
    "sharenetwork": ([("network", "name")], ("network", "name")),
}
MODEL_ATTRIBUTES = {"sharenetwork": "network"}


def admin_documents(carriers, language: str, *, forms) -> list[Document]:
    """Return the admin's change lists of every carrier, and the forms of some."""
    from django.contrib import admin

    documents = []
    for model, (fields, name) in ADMIN_LISTS.items():
        model_admin = next(
            a for m, a in admin.site._registry.items() if m._meta.model_name == model
        )
        assert model_admin.model.objects.count() <= model_admin.list_max_show_all
        # Every row on one page, as "Show all" gives it (see ``whole_lists``): one render
        # carries every carrier's payloads.
        listed = Document(
            f"admin {model} list",
            f"{path_in(language, f'admin:articles_{model}_changelist')}?all=",
            f"admin {model} list [{language}]",
        )
        if name:
            column = "title" if name == ("article", "title") else "name"
            listed.gather[f".field-{column} a"] = f"admin {model} list [{language}]"
        for carrier in carriers:
            count(carrier, fields, language, listed.renders)
        documents.append(listed)
    for carrier in carriers if language == "ar" else ():  # a form shows both languages
        if not forms(carrier):
            continue
        case = carrier.cases[language]
        article_form = Document(
            "admin article form",
            path_in(language, "admin:articles_article_change", carrier.article.pk),
            f"admin article form [{case}, {language}]",
            equals={
                "#id_title_ar": typed(carrier.texts[field_of("article", "title"), "ar"]),
                "#id_title_en": typed(carrier.texts[field_of("article", "title"), "en"]),
            },
        )
        for code in ("ar", "en"):
            count(carrier, ADMIN_ARTICLE_FORM_FIELDS, code, article_form.renders)
        documents.append(article_form)
        for model, names in (
            ("expert", ("name", "honorific", "role", "affiliation", "bio")),
            ("section", ("name", "description")),
            ("tag", ("name",)),
            ("network", ("name", "url_template")),
        ):
            instance = getattr(carrier, model)
            document = Document(
                f"admin {model} form",
                path_in(
                    language, f"admin:articles_{instance._meta.model_name}_change", instance.pk
                ),
                f"admin {model} form [{case}, {language}]",
                equals={"#id_name_ar": typed(carrier.texts[field_of(model, "name"), "ar"])},
            )
            for code in ("ar", "en"):
                count(carrier, [(model, n) for n in names], code, document.renders)
            documents.append(document)
    return documents


def admin_expectations(tally: Tally, carriers, language: str):
    for model, (_fields, name) in ADMIN_LISTS.items():
        if name:
            expected = {shown(c.text(*name, language)) for c in carriers}
            tally.expect_gathered(f"admin {model} list [{language}]", expected)


# --- Fixtures and tests -------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _roles_put_back(django_db_blocker):
    """These tests commit, as the live server needs, and the database is emptied after
    each. They run first (conftest.py), so put back what the migrations made (the role
    groups, their permissions) for the tests this process runs after them."""
    yield
    from django.apps import apps

    with django_db_blocker.unblock():
        roles.sync_roles(apps)


@pytest.fixture(scope="module")
def browser():
    with launched(OFFLINE) as browser:
        yield browser


@pytest.fixture
def no_rate_limits(settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 1_000_000


@pytest.fixture(autouse=True)
def plain_share_pictures(monkeypatch):
    """Draw every share image and quote card as a plain picture: the pages still name,
    store and link one for each article and quote, but Pillow's shaping of thousands of
    headlines is left to test_xss.py, which reads what each drawing holds."""
    from PIL import Image

    from articles.media import images

    def plain(*args, **kwargs):
        return Image.new("RGB", images.PRESETS["social"].size, (30, 60, 90))

    monkeypatch.setattr(images, "draw_article_share_image", plain)
    monkeypatch.setattr(images, "draw_quote_card", plain)


@pytest.fixture(autouse=True)
def whole_lists(monkeypatch):
    """Let every change list show all its rows on one page ("Show all"): Chromium opens
    one page of the corpus's thousands of rows in far less time than dozens of pages of
    a hundred, and each render carries every carrier's payloads."""
    from django.contrib import admin

    for model_admin in admin.site._registry.values():
        monkeypatch.setattr(model_admin, "list_max_show_all", 100_000)


def administrator_session() -> str:
    user = get_user_model().objects.create_user(
        username="xss-administrator", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    client = sign_in(Client(), user)
    return client.cookies["sessionid"].value


def run(browser, live_server, carriers, *, article_pages, own_pages, forms, network_batches):
    """Open the pages showing ``carriers`` in Chromium; return the tally of what was seen."""
    tally = Tally()
    started = time.monotonic()
    reader = Watcher(browser, live_server, tally, tabs=TABS)
    try:
        for language in ("ar", "en"):
            for batch in network_batches(carriers):
                names = {shown(c.text("network", "name", language)) for c in batch}
                documents = reader_documents(
                    batch,
                    language,
                    article_pages=article_pages,
                    own_pages=own_pages,
                    networks=names,
                )
                for document in documents:
                    if document.kind in {"article page", "quote page"}:
                        for carrier in batch:
                            count(carrier, [("network", "name")], language, document.renders)
                reader.open(documents)
            reader.open(listing_documents(carriers, language))
            search_expectations(tally, carriers, language)
    finally:
        reader.close()
    staff = Watcher(browser, live_server, tally, tabs=ADMIN_TABS, session=administrator_session())
    try:
        for language in ("ar", "en"):
            staff.open(admin_documents(carriers, language, forms=forms), admin=True)
            admin_expectations(tally, carriers, language)
    finally:
        staff.close()
    tally.seconds = time.monotonic() - started
    return tally


def assert_nothing_ran(tally: Tally):
    assert tally.documents > 0
    assert not tally.executed, f"{len(tally.executed)} executed:\n" + "\n".join(tally.executed[:30])
    problems = "\n".join(tally.problems[:40])
    assert not tally.problems, f"{len(tally.problems)} problems:\n{problems}"


def all_networks_at_once(carriers):
    return [carriers]


def test_compact_set_runs_nowhere_in_chromium(
    browser, live_server, no_rate_limits, roles_exist, run_summary
):
    store_lead_image()
    # Arabic fields hold one case and English ones the next (test_xss.py has every case
    # in both): each case is on every kind of page once.
    pairs = [
        {"ar": CASES[i], "en": CASES[min(i + 1, len(CASES) - 1)]} for i in range(0, len(CASES), 2)
    ]
    carriers = build_carriers(pairs)
    tally = run(
        browser,
        live_server,
        carriers,
        article_pages=lambda carrier: True,
        own_pages=lambda carrier: True,
        forms=lambda carrier: True,
        network_batches=all_networks_at_once,
    )
    run_summary.append(tally.line("compact set"))
    assert_nothing_ran(tally)


def test_public_corpus_runs_nowhere_in_chromium(
    browser, live_server, no_rate_limits, roles_exist, run_summary
):
    corpus = load_corpus() or pytest.skip("../shared/security/xss-payloads.jsonl is not present")
    store_lead_image()
    # Arabic fields hold one payload and English ones the next: each page of each
    # language shows a payload of its own.
    pairs = [
        {"ar": corpus[index], "en": corpus[min(index + 1, len(corpus) - 1)]}
        for index in range(0, len(corpus), 2)
    ]
    carriers = build_carriers(pairs, bulk=True, per_section=PER_SECTION)
    content_changed()  # bulk inserts send no signal

    def one_batch_of_networks_at_a_time(carriers):
        # Every page shows every active network: each batch of pages shows its own.
        for start in range(0, len(carriers), NETWORK_BATCH):
            batch = carriers[start : start + NETWORK_BATCH]
            ShareNetwork.objects.update(is_active=False)
            ShareNetwork.objects.filter(pk__in=[c.network.pk for c in batch]).update(is_active=True)
            content_changed()
            yield batch
        ShareNetwork.objects.update(is_active=True)
        content_changed()

    headline = field_of("article", "title")

    def only_on_its_own_pages(carrier):
        # Too long for a headline, its payloads are in none of the lists: open its pages.
        return any((headline, code) not in carrier.carried for code in ("ar", "en"))

    tally = run(
        browser,
        live_server,
        carriers,
        article_pages=lambda carrier: (
            carrier.number % ARTICLE_STRIDE == 0 or only_on_its_own_pages(carrier)
        ),
        own_pages=lambda carrier: (
            carrier.number % OWN_PAGE_STRIDE == 0 or only_on_its_own_pages(carrier)
        ),
        forms=lambda carrier: carrier.number % ADMIN_FORM_STRIDE == 0,
        network_batches=one_batch_of_networks_at_a_time,
    )
    run_summary.append(tally.line("public corpus"))
    assert_nothing_ran(tally)
    assert len(tally.payloads) == len({case.payload for case in corpus})
