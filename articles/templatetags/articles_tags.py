"""Template helpers: dates and numbers as the newsroom prints them."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from articles import arabic

register = template.Library()


@register.filter
def newsdate(value):
    """Render a date in the page's language: "12 أيار/مايو 2025" or "12 May 2025"."""
    if not value:
        return ""
    return arabic.format_date(
        timezone.localtime(value) if timezone.is_aware(value) else value,
        language=get_language(),
        month_style=settings.NEWSROOM_MONTH_STYLE,
        digits=settings.NEWSROOM_DIGITS,
    )


@register.filter
def newstime(value):
    """Render the time of day (Damascus time) on the 24-hour clock."""
    if not value:
        return ""
    return arabic.format_time(
        timezone.localtime(value), language=get_language(), digits=settings.NEWSROOM_DIGITS
    )


@register.filter
def digits(value):
    """Render a number with the digits the site is set to use in Arabic pages."""
    text = str(value)
    return (
        arabic.localize_digits(text, settings.NEWSROOM_DIGITS) if get_language() == "ar" else text
    )
