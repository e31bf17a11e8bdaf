"""Keeping public endpoints up under abuse: rate limits, sane requests, a calm 503.

A flood on search or on the share redirect must not take the site down for readers,
a monstrous query string must get a clear 400 instead of an error, and a database that
has gone away must give readers a short translated page, never a stack trace.
"""

import ipaddress
import logging
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from articles.clients import client_address

logger = logging.getLogger("newsroom")

# Query strings longer than this are refused: no page of ours needs one.
MAX_QUERY_STRING = 2048


# Requests are counted per address in windows of a minute.
WINDOW = 60
# A window's count is kept while the next window still reads it, and a little longer.
COUNT_SECONDS = 2 * WINDOW + 30


def recent_requests(before: int, count: int, elapsed: float) -> float:
    """Estimate an address's requests in the last minute from two fixed windows.

    ``count`` is this minute's so far, ``before`` the previous minute's, ``elapsed`` the
    seconds since this minute began. The previous minute counts for the part of it that
    still lies within the last 60 seconds (a sliding window, assuming its requests were
    spread evenly), so a burst just before a minute ends and another just after it
    cannot both pass, as they would with one counter per minute.
    """
    return count + before * (1 - elapsed / WINDOW)


def retry_after(limit: int, before: int, count: int, elapsed: float) -> int:
    """Return the seconds until one more request passes, if the address sends nothing
    more meanwhile (the arguments as for ``recent_requests``)."""
    room = limit - 1  # what may have been counted when that request arrives
    if count <= room and before:
        # The previous minute's share fades enough within this one.
        wait = WINDOW * (1 - (room - count) / before) - elapsed
    else:
        # This minute's count alone is too many: it fades during the next minute.
        fade = WINDOW * (1 - room / count) if count else 0
        wait = (WINDOW - elapsed) + min(WINDOW, max(0.0, fade))
    return max(1, math.ceil(wait))


def counted_address(address: str) -> str:
    """Return what a rate limit counts for ``address``: the address itself, but for an
    IPv6 address its /64, which a single subscriber holds whole and may send from any
    of its addresses (counted one by one, a script would never meet a limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return f"{ipaddress.IPv6Address(int(ip) >> 64 << 64)}/64"


def address_key(request) -> str:
    """Return what a rate limit counts an address under: a keyed hash of it, never the
    address itself, so the cache holds no reader's address (and each count is gone
    ``COUNT_SECONDS`` later)."""
    return salted_hmac(
        "newsroom.ratelimit", counted_address(client_address(request)), algorithm="sha256"
    ).hexdigest()[:32]


def rate_limited(scope: str, *, per_minute_setting: str):
    """Refuse, with a 429 page, more than the set number of requests per address a minute.

    "A minute" is the last 60 seconds (``recent_requests``), counted in the shared cache
    so every worker sees the same count, under a hash of the address (``address_key``):
    one increment and one read per request. Refused
    requests count too, so an address that keeps flooding stays refused until it stops;
    its Retry-After says for how long. If the cache is down the request goes through:
    readers are never turned away for our fault.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = getattr(settings, per_minute_setting)
            window, elapsed = divmod(time.time(), WINDOW)
            key = f"ratelimit:{scope}:{address_key(request)}:"
            try:
                cache.add(f"{key}{int(window)}", 0, timeout=COUNT_SECONDS)
                count = cache.incr(f"{key}{int(window)}")
                before = cache.get(f"{key}{int(window) - 1}", 0) if count <= limit else 0
            except Exception:
                logger.warning("Rate limit for %s not applied: the cache is unavailable", scope)
                return view(request, *args, **kwargs)
            if recent_requests(before, count, elapsed) > limit:
                response = render(request, "429.html", status=429)
                response["Retry-After"] = str(retry_after(limit, before, count, elapsed))
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
