"""Pictures and posts from other sites inside an article's text, made final when it is saved.

The editor writes a picture as a marker, ``<figure data-body-image="<id>">…</figure>``
(its ``BodyImage`` row), and a post from another site as its address alone on a line.
Before the article is saved (``writing.actions``), :func:`render_body` replaces each
marker with the full figure (renditions with ``srcset``, the row's alternative text,
caption and credit) and each such line with a card that asks nothing of the provider
(``articles.embeds``). The article's save then passes the result through the one
allow-list, so readers' pages cost nothing more and ask no other host for anything.
"""

import hashlib
import html as html_lib
import io
import logging
import re
import threading
import urllib.request

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import format_html
from django.utils.translation import gettext, override
from PIL import Image

from articles.embeds import Provider, find_post
from articles.media.images import (
    OPEN_FORMATS,
    ensure_renditions,
    picture_html,
    validate_and_clean_image,
)
from articles.models import BodyImage
from articles.sanitizing import sanitize_html

logger = logging.getLogger("newsroom.images")

PRESET = "hero"  # the article column's widths and sizes
_MARKER = re.compile(
    r"<figure\b[^>]*?\sdata-body-image=\"?([0-9]{1,9})\b[^>]*>.*?</figure\s*>", re.S | re.I
)
# An address alone in its paragraph, typed or turned into a link by the editor.
_ADDRESS_LINE = re.compile(
    r"<p>\s*(?:<a\b[^>]*>\s*)?(https?://[^\s<>\"]+)\s*(?:</a>\s*)?</p>", re.I
)
# A card made by an earlier save: its link is the post's address alone in a paragraph,
# and stays as it is (made into a card again, it would nest a card in the card).
_EMBED_CARD = re.compile(r"<figure\b[^>]*\sdata-embed=[^>]*>.*?</figure\s*>", re.S | re.I)


def figure_html(row: BodyImage) -> str:
    """Return a picture of the text as readers see it: a ``<figure>`` with renditions."""
    try:
        picture = picture_html(row.image, preset=PRESET, alt=row.alt)
    except Exception:
        # Storage hiccup or a damaged file: the picture as uploaded, not nothing.
        logger.exception("No renditions for body image %s", row.pk)
        picture = format_html(
            '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">',
            row.image.url,
            row.width or "",
            row.height or "",
            row.alt,
        )
    words = [row.caption.strip()]
    if row.credit.strip():
        words.append(gettext("Photo: %(credit)s") % {"credit": row.credit.strip()})
    caption = " ".join(word for word in words if word)
    return format_html(
        '<figure data-body-image="{}">{}{}</figure>',
        row.pk,
        picture,
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
    )


# The most a preview picture may weigh: providers' thumbnails are a few dozen kilobytes.
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024


def _download(url: str, timeout: float) -> bytes | None:
    """Return what ``url`` answers within ``timeout`` seconds in all, or None.

    The request runs in a thread the save waits for at most ``timeout``: a name lookup
    that hangs (which a socket timeout does not cover) cannot hold the editor's save.
    """
    answer = {}
    if not url.startswith(("https://", "http://")):
        return None

    def fetch():
        try:
            request = urllib.request.Request(  # noqa: S310 (http and https only, above)
                url, headers={"User-Agent": "newsroom-preview"}
            )
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                answer["data"] = response.read(THUMBNAIL_MAX_BYTES + 1)
        except Exception as error:
            answer["error"] = error

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout)
    data = answer.get("data")
    if data is None or len(data) > THUMBNAIL_MAX_BYTES:
        logger.info("No preview picture from %s: %s", url, answer.get("error", "too slow or large"))
        return None
    return data


def thumbnail(provider: Provider, reference: str) -> tuple[str, int, int] | None:
    """Return the address and size of a post's preview picture, kept with our media.

    Fetched once (a post's picture is named after the post) from the address the
    settings give for its provider, and checked and cleaned as any upload; None when
    there is no address, or the fetch fails or is not a picture.
    """
    template = settings.NEWSROOM_EMBED_THUMBNAIL_URLS.get(provider.name)
    if not template:
        return None
    digest = hashlib.sha256(f"{provider.name}/{reference}".encode()).hexdigest()[:32]
    name = f"embeds/{provider.name}/{digest}.jpg"
    if not default_storage.exists(name):
        data = _download(
            template.format(**provider.parts(reference)),
            settings.NEWSROOM_EMBED_THUMBNAIL_TIMEOUT,
        )
        if data is None:
            return None
        try:
            cleaned = validate_and_clean_image(io.BytesIO(data))
        except Exception:
            logger.info("The preview picture of %s/%s is not a picture", provider.name, reference)
            return None
        if not cleaned.name.endswith(".jpg"):
            return None
        default_storage.save(name, cleaned)
    with default_storage.open(name, "rb") as handle:
        width, height = Image.open(io.BytesIO(handle.read()), formats=OPEN_FORMATS).size
    return default_storage.url(name), width, height


def embed_html(url: str) -> str | None:
    """Return the card of a post from another site at ``url``; None for any other address."""
    found = find_post(html_lib.unescape(url))
    if found is None:
        return None
    provider, reference = found
    link = provider.link_of(reference)
    picture = thumbnail(provider, reference)
    return format_html(
        '<figure data-embed="{}" data-embed-id="{}" data-embed-label="{}">'
        '{}<p><a href="{}">{}</a></p><figcaption>{}</figcaption></figure>',
        provider.name,
        reference,
        gettext("Load from %(provider)s") % {"provider": provider.label},
        format_html(
            '<img src="{}" width="{}" height="{}" alt="" loading="lazy" decoding="async">',
            *picture,
        )
        if picture
        else "",
        link,
        link,
        gettext(
            "A post on %(provider)s. Loading it here lets %(provider)s see your internet address."
        )
        % {"provider": provider.label},
    )


def render_body(html: str, *, language: str) -> str:
    """Return ``html`` with its pictures and posts from other sites made final.

    One query for all the pictures (none without any); a marker whose row is gone is
    dropped. The result still goes through the allow-list when the article is saved.
    """
    if not html:
        return html
    ids = {int(pk) for pk in _MARKER.findall(html)}
    rows = BodyImage.objects.in_bulk(ids) if ids else {}
    with override(language):
        if ids:
            html = _MARKER.sub(lambda m: _figure_or_nothing(rows.get(int(m[1]))), html)
        if "http" in html:
            html = _outside_cards(html, _cards_of_addresses)
    return html


def _cards_of_addresses(html: str) -> str:
    return _ADDRESS_LINE.sub(lambda m: embed_html(m[1]) or m[0], html)


def _outside_cards(html: str, change) -> str:
    """Return ``html`` with ``change`` applied to all but the cards already made."""
    parts, start = [], 0
    for card in _EMBED_CARD.finditer(html):
        parts += [change(html[start : card.start()]), card[0]]
        start = card.end()
    return "".join([*parts, change(html[start:])])


def _figure_or_nothing(row: BodyImage | None) -> str:
    return figure_html(row) if row is not None else ""


def render_article_body(article, languages) -> None:
    """Make the pictures and posts of each language's body final, before a save."""
    for code in languages:
        name = f"body_{code}"
        setattr(article, name, render_body(getattr(article, name, "") or "", language=code))


def prepare_renditions(row: BodyImage) -> None:
    """Make a new picture's renditions now, so the article's save does not wait for them."""
    ensure_renditions(row.image, PRESET)


# --- the lite edition -------------------------------------------------------------------

_STORED_FIGURE = re.compile(r'<figure data-body-image="[0-9]+">(.*?)</figure>', re.S)
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ATTRIBUTE = re.compile(r'\s(alt|srcset|src)="([^"]*)"')
_CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.S)


def lite_body(html: str) -> str:
    """Return a stored body as the lite edition shows it: no picture loads by itself.

    Each picture becomes a link to its smallest rendition, with its alternative text and
    caption, as the lite page offers the lead picture; a post's preview picture goes.
    The result passes the allow-list again (it is shown as rich text).
    """
    if "<img" not in html:
        return html

    def link(match: re.Match) -> str:
        inside = match[1]
        image = next((tag for tag in _IMG_TAG.findall(inside)), "")
        attributes = dict(_ATTRIBUTE.findall(image))
        srcset = attributes.get("srcset", "")
        url = srcset.split(",")[0].split()[0] if srcset else attributes.get("src", "")
        caption = _CAPTION.search(inside)
        parts = [
            format_html('<p><a href="{}">{}</a>: ', url, gettext("Show image")),
            attributes.get("alt", ""),  # already escaped, as the stored markup holds it
            "</p>",
            f"<p>{caption[1]}</p>" if caption else "",
        ]
        return "".join(parts) if url else ""

    return sanitize_html(_IMG_TAG.sub("", _STORED_FIGURE.sub(link, html)))
