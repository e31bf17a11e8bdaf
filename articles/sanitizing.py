"""The one allow-list for rich text that staff write.

Every rich-text field (article bodies, expert biographies) passes through
:func:`sanitize_html` when it is saved, and only its result is ever marked safe in a
template. The engine is nh3 (ammonia); bleach was retired by its maintainers.
"""

import html as html_lib
import re

import nh3
from django.conf import settings
from django.utils.text import Truncator

from articles.arabic import url_without_bidi_controls, without_bidi_controls

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "strong",
        "em",
        "b",
        "i",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "figure",
        "figcaption",
        # Pictures inside the text, as ``articles.media.body`` renders them: only from
        # our own media address (``own_media_url``).
        "picture",
        "source",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    # A picture's row (data-body-image), or a post from another site shown as a card
    # until the reader asks for it (data-embed...: articles.media.body, js/embeds.js).
    "figure": {"data-body-image", "data-embed", "data-embed-id", "data-embed-label"},
    "source": {"srcset", "type", "sizes"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt", "loading", "decoding"},
}
EMBED_PROVIDERS = frozenset({"youtube", "telegram", "x", "facebook"})
# What an embedded post's reference may hold: js/embeds.js puts it into a path of ours.
# (A Facebook page's name may hold dots: "sy24.news/posts/1"; never "..".)
EMBED_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}(?:/[A-Za-z0-9_.-]{1,64}){0,2}")
_OWN_MEDIA_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_./-]*")
_IMAGE_TYPES = frozenset({"image/webp", "image/jpeg", "image/png"})
_SIZES = re.compile(r"[A-Za-z0-9 ().:,+*/-]{1,200}")
_CHOICES = {"loading": {"lazy", "eager"}, "decoding": {"async", "sync", "auto"}}
_DIGITS = re.compile(r"[0-9]{1,9}")
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Outbound links from a newsroom must not leak the reader's page or hand the opener
# to the target.
LINK_REL = "noopener noreferrer nofollow"


def own_media_url(url: str) -> bool:
    """Tell whether ``url`` is a file of our own media storage (under ``MEDIA_URL``).

    Nothing else may be shown in the text: a picture from another host would tell it
    who reads the article. No other host (``//host`` included), scheme, query, ``..``
    or backslash passes; only plain path characters after the media prefix.
    """
    prefix = settings.MEDIA_URL
    if not url.startswith(prefix) or (prefix.startswith("/") and url.startswith("//")):
        return False
    rest = url[len(prefix) :]
    return bool(_OWN_MEDIA_PATH.fullmatch(rest)) and ".." not in rest


def _own_srcset(value: str) -> bool:
    candidates = [candidate.split() for candidate in value.split(",")]
    return all(
        len(parts) == 2 and own_media_url(parts[0]) and _DIGITS.fullmatch(parts[1].rstrip("w"))
        for parts in candidates
    )


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href":
        # An address could still carry a reordering control percent-encoded.
        return url_without_bidi_controls(value)
    if tag in {"img", "source"}:
        if name == "src":
            return value if own_media_url(value) else None
        if name == "srcset":
            return value if _own_srcset(value) else None
        if name == "type":
            return value if value in _IMAGE_TYPES else None
        if name == "sizes":
            return value if _SIZES.fullmatch(value) else None
        if name in {"width", "height"}:
            return value if _DIGITS.fullmatch(value) else None
        if name in _CHOICES:
            return value if value in _CHOICES[name] else None
    if tag == "figure":
        if name == "data-body-image":
            return value if _DIGITS.fullmatch(value) else None
        if name == "data-embed":
            return value if value in EMBED_PROVIDERS else None
        if name == "data-embed-id":
            return value if EMBED_ID.fullmatch(value) and ".." not in value else None
    return value


# Serialized by nh3: attributes always double-quoted, a quote inside escaped.
_IMG = re.compile(r'<img((?:\s+[\w-]+="[^"]*")*)\s*/?>')
_SOURCE = re.compile(r'<source((?:\s+[\w-]+="[^"]*")*)\s*/?>')


def _without_foreign_pictures(html: str) -> str:
    """Drop an ``<img>`` whose address was not ours (the filter took it away), a
    ``<source>`` with no srcset left, and a ``<picture>`` left empty: none of them shows
    anything or asks any host."""
    html = _IMG.sub(lambda m: m[0] if ' src="' in m[1] else "", html)
    html = _SOURCE.sub(lambda m: m[0] if ' srcset="' in m[1] else "", html)
    return html.replace("<picture></picture>", "")


def sanitize_html(html: str | None) -> str:
    """Return ``html`` reduced to the newsroom's allow-list of tags, attributes and URLs.

    Directional overrides and isolates go too, typed or written as character references
    (the cleaned HTML carries them as characters): they could make a link's text read
    as something it is not (``arabic.BIDI_CONTROLS``).
    """
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    if "<img" in cleaned or "<source" in cleaned:
        cleaned = _without_foreign_pictures(cleaned)
    return without_bidi_controls(cleaned).strip()


# XML 1.0 cannot carry these C0 control characters, even escaped; HTML shows nothing for
# them. A stray one pasted into a headline must not make a feed or sitemap unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text: str) -> str:
    """Return ``text`` without the control characters that XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text) if text else text


_EMBED_CARD = re.compile(r"<figure data-embed[^>]*>.*?</figure>", re.S)
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|figure)>|<br\s*/?>", re.I)


def html_to_text(html: str | None) -> str:
    """Return the plain text of HTML, one line per block, for descriptions and search.

    The result is unescaped text: templates escape it again on output.
    """
    if not html:
        return ""
    if "<figure data-embed" in html:
        # A post from another site is an address and a notice, not the article's words.
        html = _EMBED_CARD.sub("", html)
    text = html_lib.unescape(nh3.clean(_BLOCK_END.sub("\n", html), tags=set(), attributes={}))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def truncated_text(html: str | None, length: int, *, chunk: int | None = None) -> str:
    """Return ``Truncator(html_to_text(html)).chars(length)``, converting only the start.

    An article page describes itself by its first sentences; converting a long body
    whole on every view would cost more than the rest of the description. The start of
    the HTML is converted, its last line (which the cut may have split inside a tag or
    an entity) left out; if that text is already long enough to be truncated, the whole
    body's text would be truncated at the same place. Otherwise a longer start is tried.
    """
    html = html or ""
    size = chunk or 4 * length
    while size < len(html):
        lines = html_to_text(html[:size]).splitlines()[:-1]
        start = "\n".join(lines)
        shortened = Truncator(start).chars(length)
        if shortened != start:
            return shortened
        size *= 4
    return Truncator(html_to_text(html)).chars(length)
