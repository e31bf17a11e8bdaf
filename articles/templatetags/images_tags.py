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
