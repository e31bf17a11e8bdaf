"""The WhatsApp kit on an article's change page: a post ready to paste into the outlet's
WhatsApp channel, in each language the article is written in.

WhatsApp Channels offer no API to post through, so an editor copies the text: the
headline in bold, a short summary, then the article's short link.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language_info, override
from django.utils.translation import gettext as _

from articles import links
from articles.media import images
from articles.sanitizing import html_to_text

logger = logging.getLogger("newsroom")

SUMMARY_LENGTH = 200
# WhatsApp shows no preview for a link whose image is larger than this.
PREVIEW_IMAGE_LIMIT = 300 * 1024
# WhatsApp's bold is *text*; an asterisk inside would end it. This one looks the same.
_ASTERISK_STAND_IN = "\u2217"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class WhatsAppPost:
    """The post in one language, and what the editor should know before sending it."""

    language: str
    direction: str
    label: str
    text: str
    image_warning: str = ""


def bold(text: str) -> str:
    """Return ``text`` on one line in WhatsApp's bold, whatever asterisks it holds."""
    return f"*{one_line(text).replace('*', _ASTERISK_STAND_IN)}*"


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def shortened(text: str, length: int = SUMMARY_LENGTH) -> str:
    """Return ``text`` on one line, cut at the last word boundary before ``length``, with "…"."""
    text = one_line(text)
    if len(text) <= length:
        return text
    cut = text[: length + 1]
    words = cut.rsplit(" ", 1)[0] if " " in cut else text[:length]
    return words.rstrip(" ,.;:،؛-–—") + "…"


def post_text(*, title: str, summary: str, url: str) -> str:
    """Return the post: the headline in bold, a blank line, the summary, a blank line, the link."""
    parts = [bold(title), shortened(summary), url]
    return "\n\n".join(part for part in parts if part)


def article_summary(article, language: str) -> str:
    """Return the standfirst written in ``language``, or the start of that language's text."""
    summary = getattr(article, f"summary_{language}", "") or ""
    if summary.strip():
        return summary
    return html_to_text(getattr(article, f"body_{language}", "") or "")


def short_address(request, article, language: str) -> str:
    """Return the short link, on the public site's address, or this request's host."""
    if settings.NEWSROOM_SITE_URL:
        return links.short_url(article.pk, language)
    with override(language):
        return request.build_absolute_uri(links.short_path(article.pk))


def share_image_size(article, language: str) -> int | None:
    """Return the size in bytes of the article's share image in ``language``, drawing it
    if it was not yet; None if it cannot be had (the page shows no warning then)."""
    try:
        stored = images.article_share_image(article, language=language)
        return default_storage.size(stored.name)
    except Exception:
        logger.exception("No share image size for article %s (%s)", article.pk, language)
        return None


def image_warning(size: int | None) -> str:
    if size is None or size <= PREVIEW_IMAGE_LIMIT:
        return ""
    return _(
        "WhatsApp shows no link preview when its image is over 300 KB, "
        "and this share image is %(size)s."
    ) % {"size": filesizeformat(size)}


def kit(request, article) -> dict:
    """Return what the change page shows of the kit: a post per language, and a note
    for an article readers cannot see yet."""
    names = dict(settings.LANGUAGES)
    posts = []
    for code in article.languages:
        text = post_text(
            title=getattr(article, f"title_{code}", "") or "",
            summary=article_summary(article, code),
            url=short_address(request, article, code),
        )
        posts.append(
            WhatsAppPost(
                language=code,
                direction="rtl" if get_language_info(code)["bidi"] else "ltr",
                label=_("Post in %(language)s") % {"language": names[code]},
                text=text,
                image_warning=image_warning(share_image_size(article, code)),
            )
        )
    note = "" if article.is_live else _("The link works once the article is published.")
    return {"whatsapp_posts": posts, "whatsapp_note": note}
