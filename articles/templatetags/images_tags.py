"""Template helpers for pictures: responsive renditions of stored images.

None of them queries the database: they read the objects the view already loaded. A
failure to make a picture (storage down, an original gone) is logged and the page is
still served, with a plain picture.
"""

import logging

from django import template
from django.utils.html import format_html

from articles.media import images

register = template.Library()
logger = logging.getLogger("newsroom.images")


@register.simple_tag
def responsive_image(image, preset="hero", alt="", loading="lazy", sizes=None, css_class=""):
    """Render a stored image as a ``<picture>`` of the preset's renditions.

    Usage: ``{% responsive_image article.lead_image preset="hero" alt=article.lead_image_alt
    loading="eager" %}``; ``loading="lazy"`` (the default) for pictures below the fold.
    ``image`` is a stored image field's file or a plain value with ``name``, ``width``,
    ``height`` and ``storage`` (``reading.values.CardImage``).
    """
    if not image:
        return ""
    try:
        return images.picture_html(
            image, preset=preset, alt=alt, loading=loading, sizes=sizes, css_class=css_class
        )
    except Exception:
        logger.exception("No renditions for %s (preset %s)", image.name, preset)
    if hasattr(image, "field"):
        width, height = image.field.width_field, image.field.height_field
        url = image.url
        width = getattr(image.instance, width, None) or ""
        height = getattr(image.instance, height, None) or ""
    else:
        # A plain value with its own name and size (a list's card picture).
        url, width, height = image.storage.url(image.name), image.width, image.height
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}"{} loading="{}" decoding="async">',
        url,
        alt,
        width,
        height,
        format_html(' class="{}"', css_class) if css_class else "",
        loading,
    )
