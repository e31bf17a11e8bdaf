"""Addresses of the public pages: paths built as Django's ``reverse()`` builds them, but
faster, and absolute addresses on the public site.

A reader page links to some thirty others (related articles, their sections, tags,
experts, quotes, share buttons). ``reverse()`` matches every argument against the URL
pattern, checks the result against the whole pattern again and quotes it: about as
long as the database takes to answer one of the page's queries. ``path_to`` asks
``reverse()`` once per page kind, language, script prefix and URLconf, for stand-in
values, and from then on puts the quoted values in its place.

Only ids and slugs take the quick way: values the pattern's converter accepts (digits
for an int, ASCII for a slug, letters, digits, "-" and "_" for a str), which
``reverse()`` would quote the same way. Any other value goes through ``reverse()``
itself, which may refuse it.
"""

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override

from articles.memos import Memo, memoized

# What a value may be to take the quick way, by what the pattern's converter accepts.
_DIGITS = re.compile(r"[0-9]+\Z")  # <int:...>
_ASCII_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")  # <slug:...>
_WORDS = re.compile(r"[-\w]+\Z")  # <str:...>, for values made of letters, digits, - and _
_paths = Memo(
    "links: each page's path pattern",
    stale_when="the URLconf changes (a new release restarts the workers)",
)


# The paths made, by pattern and values: a page links to the same articles, sections and
# tags as the page before it.
_made = Memo(
    "links: each path made, by its pattern and values",
    stale_when="the URLconf changes (a new release restarts the workers)",
    max_size=8192,
)


def path_to(viewname: str, **kwargs) -> str:
    """Return ``reverse(viewname, kwargs=kwargs)``, without matching the pattern again."""
    key = _key(viewname, tuple(kwargs), get_language())
    return _path(viewname, key, _prepared(viewname, key), kwargs)


def path_builder(viewname: str, *names: str, language: str | None = None) -> Callable[..., str]:
    """Return ``path_to`` for ``viewname`` and arguments ``names``, in ``language`` (by
    default the active one) and the script prefix and URLconf active now: for a list of
    links made at once, which then need not look those up for each link
    (``build(pk=1, slug="x")``). A language given costs no lookup and no switch of the
    active language."""
    key = _key(viewname, names, language or get_language())
    prepared = _prepared(viewname, key)
    return lambda **kwargs: _path(viewname, key, prepared, kwargs)


def _key(viewname: str, names: tuple[str, ...], language: str) -> tuple:
    return (viewname, names, language, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def _prepared(viewname: str, key: tuple):
    return _paths.get_or_make(key, lambda: _in_language(key, _prepare, viewname, list(key[1])))


def _in_language(key: tuple, function: Callable, *args, **kwargs):
    """Run ``function`` (which reverses a path) in the key's language."""
    with override(key[2]):
        return function(*args, **kwargs)


def _path(viewname: str, key: tuple, prepared, kwargs: dict) -> str:
    if prepared is None:
        return _in_language(key, reverse, viewname, kwargs=kwargs)
    made_key = (key, *kwargs.items())
    path = _made.get(made_key)
    if path is None:
        path = _make(viewname, key, prepared, kwargs)
        _made.set(made_key, path)
    return path


def _make(viewname: str, key: tuple, prepared, kwargs: dict) -> str:
    parts, accepts = prepared
    values = {name: str(value) for name, value in kwargs.items()}
    if values.keys() != accepts.keys() or not all(
        accepts[name].match(value) for name, value in values.items()
    ):
        return _in_language(key, reverse, viewname, kwargs=kwargs)
    return "".join(_quoted(values[part[1:]]) if part[0] == "\0" else part for part in parts)


@memoized(stale_when="never: a pure function of its argument", max_size=4096)
def _quoted(value: str) -> str:
    """Percent-encode an id or slug; an Arabic headline's slug takes a while, and a
    page links to the same few articles, sections and tags again and again."""
    return quote(value, safe="")


def _prepare(viewname: str, names: list[str]):
    """Return the path's pieces, "\\0name" where the value ``name`` goes, and the values
    each name takes the quick way with; None where the path cannot be made so."""
    # Digits pass every converter (int, str, slug) and are never quoted.
    stand_ins = {name: f"90{number}7531902468" for number, name in enumerate(names)}
    try:
        path = reverse(viewname, kwargs=stand_ins)
    except NoReverseMatch:
        return None
    pieces = [piece for piece in re.split("(" + "|".join(stand_ins.values()) + ")", path) if piece]
    names_of = {stand_in: name for name, stand_in in stand_ins.items()}
    if sorted(names_of[piece] for piece in pieces if piece in names_of) != sorted(names):
        return None
    accepts = {}
    for name in names:
        if not _reverses(viewname, stand_ins | {name: "a"}):
            accepts[name] = _DIGITS
        elif not _reverses(viewname, stand_ins | {name: "ب"}):
            accepts[name] = _ASCII_SLUG
        else:
            accepts[name] = _WORDS
    return [f"\0{names_of[piece]}" if piece in names_of else piece for piece in pieces], accepts


def _reverses(viewname: str, kwargs: dict) -> bool:
    try:
        reverse(viewname, kwargs=kwargs)
    except NoReverseMatch:
        return False
    return True


def absolute_url(request, path: str) -> str:
    """Return the absolute address of ``path`` on the public site.

    ``NEWSROOM_SITE_URL`` names the site as readers know it (behind a CDN the request's
    host may be an internal one); without it the request's own host is used.
    """
    if settings.NEWSROOM_SITE_URL:
        return settings.NEWSROOM_SITE_URL + path
    return request.build_absolute_uri(path)


def site_origin(request) -> str:
    """Return the public site's address without a path: "https://news.example"."""
    return settings.NEWSROOM_SITE_URL or f"{request.scheme}://{request.get_host()}"


def stored_url(request, url: str) -> str:
    """Return a stored file's URL as absolute: object storage gives one, local media a path."""
    return url if urlsplit(url).scheme else absolute_url(request, url)


def short_path(pk: int) -> str:
    """Return the short path of article ``pk`` in the active language: "/a/12/"."""
    return path_to("articles:short", pk=pk)


def short_url(pk: int, language: str) -> str:
    """Return the absolute short address of article ``pk`` in ``language``, where no
    request names the site (a worker posting to a channel): on ``NEWSROOM_SITE_URL``."""
    if not settings.NEWSROOM_SITE_URL:
        raise ImproperlyConfigured(
            "NEWSROOM_SITE_URL is empty: without a request, an article's short address "
            "needs the public site's address (https://news.example)."
        )
    with override(language):
        return settings.NEWSROOM_SITE_URL + short_path(pk)
