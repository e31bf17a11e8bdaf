"""Who is asking: the address a request came from, behind the proxies we trust.

Rate limits on the reader site and sign-in throttling in the admin both count by it.
"""

from django.conf import settings


def client_address(request) -> str:
    """Return the reader's address; behind N trusted proxies, the one they saw.

    ``NEWSROOM_TRUSTED_PROXIES`` is how many proxies (load balancer, CDN) put addresses
    in X-Forwarded-For; without it the header is ignored, since anyone can send it.
    """
    proxies = settings.NEWSROOM_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def saves_data(request) -> bool:
    """Tell whether the reader's browser asks to save data (``Save-Data: on``).

    The pages that offer the lite edition for it vary on it, and so does their key in
    the page cache (``articles.caching.pagecache.page_key``).
    """
    return request.headers.get("Save-Data", "").strip().lower() == "on"
