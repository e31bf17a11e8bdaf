"""The Jinja2 environment of the reader pages: Django's template helpers, by the same names.

Reader pages render in Jinja2 because it costs a fraction of Django's template language
in CPU; the admin, the sitemaps and robots.txt stay in Django templates. Translated
strings are written ``{{ _("…") }}`` (``|format(name=…)`` for placeholders) so that
``makemessages`` finds them with the same msgids as ``{% translate %}`` did.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.template.defaultfilters import capfirst, striptags, truncatechars, truncatewords
from django.templatetags.static import static
from django.utils.translation import (
    get_language,
    get_language_bidi,
    get_language_info,
    gettext,
    ngettext,
    override,
)
from jinja2 import Environment, StrictUndefined, Undefined, pass_context

from articles.links import path_to
from articles.memos import memoized
from articles.templatetags.articles_tags import digits, isotime, newsdate, newstime
from articles.templatetags.images_tags import responsive_image


def url(name: str, **kwargs) -> str:
    """Return the path of a named URL: ``{{ url("articles:share", pk=1, network="x") }}``."""
    return path_to(name, **kwargs)


@memoized(stale_when="collectstatic wrote new files (a deploy restarts the workers)", max_size=64)
def _hashed_static(path: str) -> str:
    return static(path)


def cached_static(path: str) -> str:
    """Return a static file's URL; its hashed name is looked up once per process.

    With DEBUG on (runserver) files change under the server, so it is looked up anew.
    """
    return static(path) if settings.DEBUG else _hashed_static(path)


@memoized(
    stale_when="the catalogues change (a deploy restarts the workers; the tests' "
    "override_settings empties every memo)",
    max_size=4096,
)
def _translated(language: str, message: str) -> str:
    with override(language):
        return gettext(message)


@memoized(stale_when="never: a function of the language alone", max_size=8)
def page_gettext(language: str) -> Callable[[str], str]:
    """Return ``gettext`` for pages in ``language``: ``{{ _("…") }}``.

    A page prints some forty fixed strings; each is translated once per language and
    worker, not looked up again, with the active language, for every string. The context
    processor gives it to every page as ``_`` and ``gettext`` (a page's own names win
    over the environment's); a template rendered without the context processors (the
    500 page) or a macro imported without context has the environment's, ``gettext``
    in the active language.
    """

    def translate(message: str) -> str:
        return _translated(language, message)

    return translate


def _in_page_language(format_value):
    """Return a filter that formats a value in the page's language, as the context
    processor names it (``page_language``), else in the active language."""

    @pass_context
    def page_filter(context, value):
        return format_value(value, language=context.get("page_language"))

    page_filter.__doc__ = format_value.__doc__
    return page_filter


def querystring(request, **changes) -> str:
    """Return the request's query string with ``changes`` made, as ``{% querystring %}`` does.

    A value of ``None`` removes the key, a list sets every value of it; the result starts
    with ``?``, or is empty when there is no parameter at all.
    """
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            if key in params:
                del params[key]
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, value)
        else:
            params[key] = value
    if not params and not request.GET:
        return ""
    return f"?{params.urlencode()}"


def environment(**options) -> Environment:
    """Return the environment Django's Jinja2 backend renders the reader pages with."""
    # Escaping is never turned off. A name a template reads and its context does not
    # offer fails loudly in development and in the tests (NEWSROOM_STRICT_TEMPLATES), so
    # a renamed attribute cannot silently print nothing; in production a reader still
    # gets the page, with that one thing blank, as in Django templates.
    options.pop("autoescape", None)
    options.pop("undefined", None)
    strict = settings.DEBUG or settings.NEWSROOM_STRICT_TEMPLATES
    env = Environment(
        autoescape=True, undefined=StrictUndefined if strict else Undefined, **options
    )
    env.globals.update(
        {
            "_": gettext,
            "gettext": gettext,
            "ngettext": ngettext,
            "get_language": get_language,
            "get_language_bidi": get_language_bidi,
            "get_language_info": get_language_info,
            "url": url,
            "static": cached_static,
            "querystring": querystring,
            "responsive_image": responsive_image,
        }
    )
    env.filters.update(
        {
            "newsdate": _in_page_language(newsdate),
            "newstime": _in_page_language(newstime),
            "isotime": isotime,
            "digits": _in_page_language(digits),
            # Django's own filters, where Jinja2's differ (its striptags also unescapes
            # entities and collapses spaces) or have no equivalent.
            "striptags": striptags,
            "truncatechars": truncatechars,
            "truncatewords": truncatewords,
            "capfirst": capfirst,
        }
    )
    return env
