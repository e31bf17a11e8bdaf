"""Template helpers: dates and numbers as the newsroom prints them."""

from datetime import datetime

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import timezone
from django.utils.translation import get_language, get_language_info

from articles import arabic
from articles.memos import Memo

register = template.Library()


# Pages print the same few dates over and over (every card of a list, the side column
# beside every article): each is formatted once per language and worker.
_formatted = Memo(
    "templates: dates and times as pages print them, per language",
    stale_when="a setting changes (the time zone, the month style, the digits): "
    "override_settings empties every memo",
    max_size=4096,
)


@register.filter
def newsdate(value, language=None):
    """Render a date (or a time's date) in the page's language: "12 أيار/مايو 2025" or
    "12 May 2025"."""
    if not value:
        return ""
    language = language or get_language()
    return _formatted.get_or_make(
        ("date", value, language),
        lambda: arabic.format_date(
            timezone.localtime(value)
            if isinstance(value, datetime) and timezone.is_aware(value)
            else value,
            language=language,
            month_style=settings.NEWSROOM_MONTH_STYLE,
            digits=settings.NEWSROOM_DIGITS,
        ),
    )


@register.filter
def newstime(value, language=None):
    """Render the time of day (Damascus time) on the 24-hour clock."""
    if not value:
        return ""
    return arabic.format_time(
        timezone.localtime(value),
        language=language or get_language(),
        digits=settings.NEWSROOM_DIGITS,
    )


@register.filter
def digits(value, language=None):
    """Render a number with the digits the site is set to use in Arabic pages."""
    text = str(value)
    if (language or get_language()) != "ar":
        return text
    return arabic.localize_digits(text, settings.NEWSROOM_DIGITS)


@register.simple_tag
def other_languages(request):
    """Return this page in each other language, each named in its own language."""
    current = get_language()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(request.get_full_path(), code),
        }
        for code, _name in settings.LANGUAGES
        if code != current
    ]


@register.filter
def isotime(value):
    """Render a time for machines (``<time datetime>``): Damascus time, to the second."""
    if not value:
        return ""
    return _formatted.get_or_make(
        ("iso", value), lambda: timezone.localtime(value).isoformat(timespec="seconds")
    )
