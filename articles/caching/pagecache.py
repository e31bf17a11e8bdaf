"""Whole pages for anonymous readers: cached per language, and never stale.

When a story breaks, nearly every request is an anonymous reader arriving from WhatsApp
or Telegram on the same few pages. Those pages are kept whole in the cache (Redis in
production, local memory by default), under their host, path and the only query
parameters a page reads (``page``, and ``p`` for sitemaps). The language is part of
the path, so each language has its own copy. Readers whose browser sends
``Save-Data: on`` have their own copies too: the full pages offer them the lite edition
(``Vary: Save-Data``, which is kept for CDNs).

Never stale: every stored page carries the *generation* it was made in, and a change
to anything a reader page shows (an article, its tags, authors, quotes, corrections or
image; an expert, a section, a tag, a share network) starts a new generation, so the
very next request renders afresh. The generation changes as soon as the row is saved
and again when the transaction commits, so a page rendered in between cannot outlive
it. A scheduled article needs no save to appear: a generation also ends at the next
scheduled publication time, and when a breaking-news strip ends (``breaking_until``).
Share and read counts ("most shared", "most read this week") are not content; they
refresh within ``NEWSROOM_PAGE_CACHE_SECONDS``. A cached article page still counts its
read: its script's ``POST /r/<id>/`` never comes here from the cache.

Where the generation lives: in the cache itself when the cache is shared (Redis: every
worker of every machine reads the same), or in a small file under ``var/`` when the
cache is local to each process, so that every gunicorn worker of the machine sees a
change made through any other.

Staff (anyone with a session cookie), the admin, previews and share redirects are
never served from the cache nor stored in it. If the cache server is down, pages are
served uncached and the outage is logged (once a minute per process).
"""

import contextvars
import hashlib
import logging
import os
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from functools import wraps
from math import inf
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from articles.clients import saves_data
from articles.memos import Memo, forget_all

logger = logging.getLogger("newsroom")

# The query parameters any public page reads; all others (utm_*, fbclid, cache busters
# sent by crawlers) cannot change a page and are left out of the key.
QUERY_PARAMETERS = ("page", "p")
GENERATION_KEY = "pagecache:generation"
# How often, at most, each process logs that the cache server is unreachable.
OUTAGE_LOG_INTERVAL = 60

# Set while an anonymous reader's request is served: the database router may then read
# from a replica (newsroom/dbrouter.py).
anonymous_read = contextvars.ContextVar("anonymous_read", default=False)


def public_page(view=None, *, query: tuple[str, ...] = ()):
    """Mark a view's successful answers as the same for every anonymous reader.

    ``query`` names the query parameters the view reads; each must be one of
    ``QUERY_PARAMETERS``, which make up the cache key.
    """
    unknown = set(query) - set(QUERY_PARAMETERS)
    if unknown:
        raise ImproperlyConfigured(
            f"Query parameters {sorted(unknown)} are not part of the page cache key; "
            "add them to articles.caching.pagecache.QUERY_PARAMETERS."
        )

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                response.public_page = True
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


# Generations ---------------------------------------------------------------------------


# Pages a worker keeps in its own memory, in front of a shared cache (SharedGeneration).
_kept_pages: OrderedDict = OrderedDict()
_kept_lock = threading.Lock()


def new_token() -> str:
    """Return a generation token: when it began (for the replica router) and a nonce."""
    return f"{time.time():.3f}-{secrets.token_hex(6)}"


def token_age(token: str) -> float:
    """Return how many seconds ago the generation ``token`` began."""
    try:
        return time.time() - float(token.partition("-")[0])
    except ValueError:
        return float("inf")


class SharedGeneration:
    """The generation kept in the cache: every worker of every machine sees the same.

    Each worker also keeps the pages it served most recently in its own memory, so a
    hit costs one small read of the generation instead of carrying the whole page from
    the cache server; a kept page is served only while its generation is the current
    one, read from the server on that very request, so it is never stale either.
    """

    KEPT = 128  # pages per worker, about 10 MB

    def __init__(self):
        self.kept = _kept_pages

    def lookup(self, cache, key):
        kept = self.kept.get(key)
        if kept is not None and time.monotonic() < kept[0]:
            token = cache.get(GENERATION_KEY)
            if token is not None and kept[1][0] == token:
                return token, kept[1]
        values = cache.get_many([GENERATION_KEY, key])
        token = values.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, new_token(), timeout=None)
            token = cache.get(GENERATION_KEY)
        entry = values.get(key)
        if entry is not None and entry[0] == token:
            self.keep(key, entry)
        return token, entry

    def store(self, cache, key, entry):
        cache.set(key, entry, timeout=settings.NEWSROOM_PAGE_CACHE_SECONDS)
        self.keep(key, entry)

    def keep(self, key, entry):
        with _kept_lock:  # threaded workers share the dictionary
            self.kept[key] = (time.monotonic() + settings.NEWSROOM_PAGE_CACHE_SECONDS, entry)
            self.kept.move_to_end(key)
            while len(self.kept) > self.KEPT:
                self.kept.popitem(last=False)

    def current(self, cache):
        return cache.get(GENERATION_KEY)

    def bump(self, cache):
        cache.set(GENERATION_KEY, new_token(), timeout=None)


class FileGeneration:
    """The generation kept in a file: for a cache private to each process (local memory).

    Every worker on the machine reads the same file, so a change saved through one
    worker is seen by all of them on their next request.
    """

    @property
    def path(self) -> Path:
        return Path(settings.NEWSROOM_PAGE_CACHE_GENERATION_FILE)

    def current(self, cache=None):
        try:
            return self.path.read_text()
        except FileNotFoundError:
            return self.bump(cache)

    def lookup(self, cache, key):
        return self.current(cache), cache.get(key)

    def store(self, cache, key, entry):
        cache.set(key, entry, timeout=settings.NEWSROOM_PAGE_CACHE_SECONDS)

    def bump(self, cache=None):
        token = new_token()
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        temporary.write_text(token)
        os.replace(temporary, path)
        return token


def page_cache():
    """Return the cache backend pages live in, or None when there is nothing to cache in."""
    if not settings.NEWSROOM_PAGE_CACHE:
        return None
    cache = caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]
    return None if isinstance(cache, DummyCache) else cache


def generation_store(cache):
    return FileGeneration() if isinstance(cache, LocMemCache) else SharedGeneration()


class _Outage:
    """Keep a down cache server from slowing readers, and say so in the log.

    After a failure the cache is left alone for ``RETRY_AFTER`` seconds (each attempt
    could wait for a connection timeout), and the outage is logged at most once a
    minute per process.
    """

    RETRY_AFTER = 5
    last_logged = 0.0
    retry_at = 0.0
    # Set when a change could not be recorded: this process then serves nothing from
    # the cache until it has recorded a new generation.
    bump_pending = False

    @classmethod
    def cache_usable(cls) -> bool:
        if time.monotonic() < cls.retry_at:
            return False
        return not cls.bump_pending or _start_generation()

    @classmethod
    def failed(cls, error: Exception, doing: str) -> None:
        now = time.monotonic()
        cls.retry_at = now + cls.RETRY_AFTER
        if now - cls.last_logged >= OUTAGE_LOG_INTERVAL:
            cls.last_logged = now
            logger.warning(
                "Page cache unavailable while %s (%s: %s); serving pages uncached.",
                doing,
                error.__class__.__name__,
                error,
            )


class _AtCommit:
    """The generation a transaction's changes start when it commits: one for all of them.

    Each change registers its own callback with the transaction (Django drops them all
    if it rolls back); the first to run starts the generation, the others find it done.
    """

    done = False

    def start(self):
        if not self.done:
            self.done = True
            _start_generation()


# Per database connection, the commit batch the current transaction's changes join. One
# a rolled-back transaction left unstarted is joined by the next transaction's changes,
# whose own callbacks start it when that transaction commits.
_batches: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def content_changed(**kwargs) -> None:
    """Start a new generation now, and again when the current transaction commits.

    Connected to every model reader pages show (``articles.caching.invalidation``); call
    it by hand after a ``QuerySet.update()``, which sends no signal.
    """
    if page_cache() is None:
        # No generation to start; this process's memos (the masthead's among them)
        # still go. Without a page cache, nothing tells the other processes.
        forget_all()
        return
    _start_generation()
    using = kwargs.get("using")
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    batch = _batches.get(connection)
    if batch is None or batch.done:
        batch = _batches[connection] = _AtCommit()
    transaction.on_commit(batch.start, using=using)


def _start_generation() -> bool:
    """Record a new generation; return whether it was recorded."""
    cache = page_cache()
    if cache is None:
        return False
    try:
        generation_store(cache).bump(cache)
    except Exception as error:  # the cache server is down: cache nothing until it is back
        _Outage.bump_pending = True
        _Outage.failed(error, "recording a change")
        return False
    _Outage.bump_pending = False
    forget_all()
    return True


# When the current generation ends by itself: the next scheduled publication, or the end
# of a breaking-news strip (pages show it until its time, with no save). ----------------

_ends_at = Memo(
    "page cache: when each generation ends by itself",
    stale_when="never: a generation's token names it, and its end was read under it",
    max_size=64,
)
_last_seen = {"generation": None}


def _seen(token: str) -> None:
    """Note the generation this worker serves under; a new one empties every memo."""
    if token != _last_seen["generation"]:
        if _last_seen["generation"] is not None:
            forget_all()
        _last_seen["generation"] = token


def _generation_end(token: str) -> float:
    """Return when generation ``token`` ends by itself, computed once per process."""
    end = _ends_at.get(token)
    if end is None:
        from articles.models import Article

        now = _now_datetime()
        published = Article.objects.filter(status=Article.Status.PUBLISHED)
        upcoming = (
            published.filter(published_at__gt=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        # Indexed (article_breaking): only articles ever marked breaking are read.
        strip_ends = (
            published.filter(breaking_until__gt=now)
            .order_by("breaking_until")
            .values_list("breaking_until", flat=True)
            .first()
        )
        end = min((at.timestamp() for at in (upcoming, strip_ends) if at), default=inf)
        _ends_at.set(token, end)
    return end


def _now_datetime():
    from django.utils import timezone

    return timezone.now()


# The middleware ------------------------------------------------------------------------


def page_key(request) -> str:
    parameters = [
        f"{name}={value}" for name in QUERY_PARAMETERS for value in request.GET.getlist(name)[:1]
    ]
    # A new release (templates, code) or another date style must not be served pages
    # made by the old one, even from a shared cache that outlives the deploy.
    variant = (
        f"{settings.NEWSROOM_RELEASE}:{settings.NEWSROOM_MONTH_STYLE}:{settings.NEWSROOM_DIGITS}"
    )
    # The full article, home and section pages offer readers who save data the lite
    # edition (and say ``Vary: Save-Data``). The key cannot know the page before the
    # view runs, so every page keeps a separate copy for them: identical for the pages
    # that do not vary, never the notice for everyone.
    if saves_data(request):
        variant += ":save-data"
    return f"page:{variant}:{request.get_host()}:{request.path}?{'&'.join(parameters)}"


def is_media(request) -> bool:
    """Tell whether the request is for a stored file the site serves itself (MEDIA_URL)."""
    return settings.MEDIA_URL.startswith("/") and request.path.startswith(settings.MEDIA_URL)


def may_use_cache(request) -> bool:
    """Return whether this request is an anonymous reader's GET or HEAD."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "/admin/" not in request.path
        and request.path != "/healthz"  # the health check touches neither cache nor database
    )


def etag_of(content: bytes) -> str:
    """Return a page's ETag: 96 bits of its SHA-256, which processors compute in
    hardware (half the time of BLAKE2 on a 40 KB page; every uncached page pays it)."""
    return '"' + hashlib.sha256(content).hexdigest()[:24] + '"'


def _matches(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in wanted or etag in wanted


def _public_headers(response) -> None:
    """Let browsers revalidate every time (cheaply, by ETag), and a CDN keep it briefly."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.NEWSROOM_CDN_MAX_AGE,
        stale_while_revalidate=settings.NEWSROOM_CDN_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.NEWSROOM_CDN_STALE_IF_ERROR,
    )
    _one_copy_per_url(response)


def _one_copy_per_url(response) -> None:
    """Drop ``Vary: Accept-Language, Cookie``: the language is in the path, never
    negotiated, and nothing cached varies by cookie, so a CDN needs one copy per URL
    (two for the pages that say ``Vary: Save-Data``, which stays)."""
    vary = [
        value.strip()
        for value in response.get("Vary", "").split(",")
        if value.strip() and value.strip().lower() not in {"accept-language", "cookie"}
    ]
    if vary:
        response["Vary"] = ", ".join(vary)
    elif response.has_header("Vary"):
        del response["Vary"]


def _not_modified(response_headers: dict) -> HttpResponseNotModified:
    answer = HttpResponseNotModified()
    for name in ("ETag", "Cache-Control", "Vary", "Content-Language"):
        if name in response_headers:
            answer[name] = response_headers[name]
    return answer


def _from_entry(request, entry) -> HttpResponse:
    _, headers, content = entry
    if _matches(request, headers["ETag"]):
        return _not_modified(headers)
    response = HttpResponse(b"" if request.method == "HEAD" else content, headers=headers)
    response["Content-Length"] = str(len(content))
    response["X-Cache"] = "hit"
    return response


def _storable(response) -> bool:
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _notice_generation(request) -> None:
    """Empty this worker's memos if another worker started a generation: staff see live
    pages, masthead included, that no cache answers (the admin reads no memo of it)."""
    cache = page_cache()
    if cache is None or "/admin/" in request.path or request.path == "/healthz":
        return
    if not _Outage.cache_usable():
        return
    try:
        token = generation_store(cache).current(cache)
    except Exception as error:
        _Outage.failed(error, "reading")
        return
    if token is not None:
        _seen(token)


class PageCacheMiddleware:
    """Serve anonymous readers whole pages from the cache; store the ones views mark."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_media(request):
            # Files are streamed from disk with their own validators (articles/media/
            # views.py): neither stored here nor worth a cache or database round trip.
            response = self.get_response(request)
            _one_copy_per_url(response)
            return response
        if not may_use_cache(request):
            _notice_generation(request)
            response = self.get_response(request)
            if getattr(response, "public_page", False):
                # Staff see live pages, and no shared cache may keep their copy.
                patch_cache_control(response, private=True, no_cache=True)
                _add_etag(request, response)
            return response
        return self._serve(request)

    def _serve(self, request):
        cache = page_cache()
        if cache is None or not _Outage.cache_usable():
            return self._render(request)
        key = page_key(request)
        try:
            token, entry = generation_store(cache).lookup(cache, key)
        except Exception as error:
            _Outage.failed(error, "reading")
            return self._render(request)
        _seen(token)
        try:
            ends = _generation_end(token)
        except DatabaseError:
            return self._render(request)  # the view answers with the 503 page
        if time.time() >= ends:
            # A scheduled article is due, or a breaking strip ended: everything made
            # before is out of date.
            _start_generation()
            return self._render(request)
        if entry is not None and entry[0] == token:
            return _from_entry(request, entry)
        return self._render(request, cache=cache, key=key, token=token)

    def _render(self, request, *, cache=None, key=None, token=None):
        """Render the page; store it under ``token`` when there is one."""
        # Read from the replica (if any) unless content changed a moment ago: a
        # replica that has not caught up yet must not fill the cache with the past.
        recent = token is not None and token_age(token) < settings.NEWSROOM_REPLICA_LAG_SECONDS
        marker = anonymous_read.set(not recent)
        try:
            response = self.get_response(request)
        finally:
            anonymous_read.reset(marker)
        if not getattr(response, "public_page", False):
            return response
        _public_headers(response)
        etag = _add_etag(request, response)
        if token is not None and _storable(response):
            try:
                entry = (token, dict(response.items()), response.content)
                generation_store(cache).store(cache, key, entry)
            except Exception as error:
                _Outage.failed(error, "storing")
        response["X-Cache"] = "miss"
        if _matches(request, etag):
            return _not_modified(dict(response.items()))
        return response


def _add_etag(request, response) -> str:
    if response.streaming or response.status_code != 200:
        return ""
    etag = etag_of(response.content)
    response["ETag"] = etag
    return etag
