"""Template helpers for pictures: responsive renditions and share images.

None of them queries the database: they read the objects the view already loaded. A
failure to make a picture (storage down, an original gone) is logged and the page is
still served, with a plain picture or without a share image.
"""

import logging
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from articles import images

register = template.Library()
logger = logging.getLogger("newsroom.images")


@register.simple_tag
def responsive_image(image, preset="hero", alt="", loading="lazy", sizes=None, css_class=""):
    """Render a stored image as a ``<picture>`` of the preset's renditions.

    Usage: ``{% responsive_image article.lead_image preset="hero" alt=article.lead_image_alt
    loading="eager" %}``; ``loading="lazy"`` (the default) for pictures below the fold.
    """
    if not image:
        return ""
    try:
        return images.picture_html(
            image, preset=preset, alt=alt, loading=loading, sizes=sizes, css_class=css_class
        )
    except Exception:
        logger.exception("No renditions for %s (preset %s)", image.name, preset)
    width, height = image.field.width_field, image.field.height_field
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="{}" decoding="async">',
        image.url,
        alt,
        getattr(image.instance, width, None) or "",
        getattr(image.instance, height, None) or "",
        loading,
    )


def _absolute(context, url: str) -> str:
    """Return ``url`` as social networks need it: with scheme and host."""
    if urlsplit(url).scheme:
        return url
    if settings.NEWSROOM_SITE_URL:
        return settings.NEWSROOM_SITE_URL + url
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


@register.simple_tag(takes_context=True)
def share_image(context, article):
    """Return the article's share image (``url``, ``width``, ``height``) in the page's language.

    Usage: ``{% share_image article as og_image %}``; None when it could not be made.
    """
    try:
        stored = images.article_share_image(article, language=get_language())
    except Exception:
        logger.exception("No share image for article %s", article.pk)
        return None
    return {
        "url": _absolute(context, stored.url),
        "width": stored.width,
        "height": stored.height,
        "type": stored.mime_type,
    }


@register.simple_tag(takes_context=True)
def quote_card(context, quote):
    """Return the quote's card (``url``, ``width``, ``height``) in the page's language."""
    try:
        stored = images.quote_card_image(quote, language=get_language())
    except Exception:
        logger.exception("No card for quote %s", quote.pk)
        return None
    return {
        "url": _absolute(context, stored.url),
        "width": stored.width,
        "height": stored.height,
        "type": stored.mime_type,
    }
