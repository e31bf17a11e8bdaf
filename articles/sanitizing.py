"""The one allow-list for rich text that staff write.

Every rich-text field (article bodies, expert biographies) passes through
:func:`sanitize_html` when it is saved, and only its result is ever marked safe in a
template. The engine is nh3 (ammonia); bleach was retired by its maintainers.
"""

import html as html_lib
import re

import nh3
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
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Outbound links from a newsroom must not leak the reader's page or hand the opener
# to the target.
LINK_REL = "noopener noreferrer nofollow"


def _attribute(tag: str, name: str, value: str) -> str:
    # An address could still carry a reordering control percent-encoded.
    return url_without_bidi_controls(value) if name == "href" else value


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
    return without_bidi_controls(cleaned).strip()


# XML 1.0 cannot carry these C0 control characters, even escaped; HTML shows nothing for
# them. A stray one pasted into a headline must not make a feed or sitemap unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text: str) -> str:
    """Return ``text`` without the control characters that XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text) if text else text


_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|figure)>|<br\s*/?>", re.I)


def html_to_text(html: str | None) -> str:
    """Return the plain text of HTML, one line per block, for descriptions and search.

    The result is unescaped text: templates escape it again on output.
    """
    if not html:
        return ""
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
