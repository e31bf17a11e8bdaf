"""Keeping public endpoints up under abuse: rate limits, sane requests, a calm 503.

A flood on search or on the share redirect must not take the site down for readers,
a monstrous query string must get a clear 400 instead of an error, and a database that
has gone away must give readers a short translated page, never a stack trace.
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.shortcuts import render

from articles.clients import client_address

logger = logging.getLogger("newsroom")

# Query strings longer than this are refused: no page of ours needs one.
MAX_QUERY_STRING = 2048


def rate_limited(scope: str, *, per_minute_setting: str):
    """Refuse, with a 429 page, more than the set number of requests per address a minute.

    Counted in the shared cache, so every worker sees the same count. If the cache is
    down the request goes through: readers are never turned away for our fault.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = getattr(settings, per_minute_setting)
            window = int(time.time() // 60)
            key = f"ratelimit:{scope}:{client_address(request)}:{window}"
            try:
                cache.add(key, 0, timeout=90)
                count = cache.incr(key)
            except Exception:
                logger.warning("Rate limit for %s not applied: the cache is unavailable", scope)
                count = 0
            if count > limit:
                response = render(request, "429.html", status=429)
                response["Retry-After"] = str(60 - int(time.time()) % 60)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RequestGuardMiddleware:
    """Answer oversized query strings with 400 and a lost database with a 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return render(request, "400.html", status=400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            logger.error("Database unavailable: %s", exception)
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "30"
            return response
        return None
