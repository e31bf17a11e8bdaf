import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import get_language

from articles.public.templating import page_gettext
from articles.reading import pages

logger = logging.getLogger("newsroom")


def site(request):
    """Give every template the outlet's name, in the page's language (translated once,
    not at each of the places a page prints it)."""
    return {"site_name": str(settings.NEWSROOM_SITE_NAME)}


def _masthead():
    try:
        return pages.masthead(get_language())
    except DatabaseError:
        # The 503 page, rendered because the database is down, still has its header.
        logger.warning("Masthead unavailable: the database did not answer.")
        return pages.empty_masthead(get_language())


def masthead(request):
    """Give the reader pages their masthead and footer (``base.html`` calls ``masthead()``
    once and reads the value it gives): read only by the pages that show them, so the
    lite edition, which never does, costs nothing for it; and the
    page's language and direction, read once for all the page's strings and dates
    (``templating.page_gettext``: ``_``)."""
    language = get_language()
    translate = page_gettext(language)
    return {
        "masthead": _masthead,
        "_": translate,
        "gettext": translate,
        "page_language": language,
        "page_bidi": language.split("-")[0] in settings.LANGUAGES_BIDI,
    }
