"""Security headers on every response: a Content-Security-Policy with no inline script
and no inline style.

No page of ours runs inline JavaScript: the reader site's scripts are files, JSON-LD is
data, and the only inline script element anywhere is the import map of the admin's
rich-text editor. That map is allowed by its hash, and only when every module it names
is one of our own static files, so an injected import map could never be allowed.

No page of ours, the admin's included, has a style attribute or a ``<style>`` element
either: styles are in static files, and the rich-text editor is made without the
``<style>`` element Tiptap would inject (static/js/prose-editor.js). Scripts may still
set an element's style through the CSSOM (``element.style.display``), which a policy
does not govern. Markup injected into a page can therefore neither run nor restyle it.

The one exception is the lite edition (jinja2/lite/base.html): a page for throttled
links cannot afford a second request for its few lines of CSS, so they are inline, in
one constant ``<style>`` element. Its hash is read from that template when this module
is imported and added to ``style-src`` of exactly the pages that carry that element,
byte for byte; any other inline style is still refused.

The onion service (``NEWSROOM_ONION_URL``) is reached over plain HTTP, Tor doing the
encryption: requests for its host are neither redirected to HTTPS nor told to upgrade
(no HSTS, no ``upgrade-insecure-requests``), and every other page names it in an
``Onion-Location`` header, which Tor Browser offers to follow.
"""

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware

_IMPORT_MAP = re.compile(r'<script type="importmap"[^>]*>(.*?)</script>', re.S)

_STYLE = re.compile(r"^<style>(.*?)</style>$", re.M)
LITE_TEMPLATE = Path(__file__).resolve().parent.parent / "jinja2" / "lite" / "base.html"

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def _is_own_static(url: str) -> bool:
    return url.startswith(settings.STATIC_URL) or (
        url.startswith("/") and url.startswith("/" + settings.STATIC_URL.lstrip("/"))
    )


def import_map_hashes(html: str) -> list[str]:
    """Return the CSP hashes of the import maps in ``html`` that name only our static files."""
    hashes = []
    for content in _IMPORT_MAP.findall(html):
        try:
            data = json.loads(content)
        except ValueError:
            continue
        urls = list(data.get("imports", {}).values())
        for scope in data.get("scopes", {}).values():
            urls += list(scope.values())
        if urls and all(_is_own_static(url) for url in urls):
            hashes.append(csp_hash(content))
    return hashes


def csp_hash(content: str) -> str:
    """Return the CSP source that allows an inline element whose text is ``content``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()}'"


def lite_style() -> tuple[bytes, str]:
    """Return the lite edition's ``<style>`` element as pages carry it, and its hash."""
    (css,) = _STYLE.findall(LITE_TEMPLATE.read_text(encoding="utf-8"))
    return f"<style>{css}</style>".encode(), csp_hash(css)


LITE_STYLE_ELEMENT, LITE_STYLE_HASH = lite_style()


def media_origin() -> str:
    """Return the origin media is served from when it is not this site (object storage)."""
    parts = urlsplit(settings.MEDIA_URL)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    domain = settings.STORAGES["default"].get("OPTIONS", {}).get("custom_domain")
    return f"https://{domain}" if domain else ""


def via_onion(request) -> bool:
    """Say whether ``request`` came through the onion service's host."""
    onion = urlsplit(settings.NEWSROOM_ONION_URL).hostname
    if not onion:
        return False
    try:
        host = request.get_host()
    except DisallowedHost:
        return False  # refused further on, as any unknown host is
    return urlsplit(f"//{host}").hostname == onion


def content_security_policy(
    script_hashes: list[str], style_hashes: list[str] = (), *, upgrade: bool = True
) -> str:
    images = " ".join(filter(None, ["'self'", "data:", media_origin()]))
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *script_hashes]),
        " ".join(["style-src 'self'", *style_hashes]),
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.SESSION_COOKIE_SECURE and upgrade:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy and Permissions-Policy headers to every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._policy = None
        self._lite_policy = None

    def __call__(self, request):
        response = self.get_response(request)
        hashes = []
        lite = False
        if "text/html" in response.get("Content-Type", "") and not response.streaming:
            if b"importmap" in response.content:  # only admin pages with the editor
                hashes = import_map_hashes(response.content.decode(response.charset or "utf-8"))
            lite = LITE_STYLE_ELEMENT in response.content
        if "Content-Security-Policy" not in response:
            styles = [LITE_STYLE_HASH] if lite else []
            if via_onion(request):
                # The onion host answers over HTTP only: nothing to upgrade to.
                policy = content_security_policy(hashes, styles, upgrade=False)
            elif hashes:
                policy = content_security_policy(hashes, styles)
            else:
                policy = self.lite_policy() if lite else self.policy()
            response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def policy(self) -> str:
        """The policy of pages without an import map: the same for every such page."""
        if self._policy is None:
            self._policy = content_security_policy([])
        return self._policy

    def lite_policy(self) -> str:
        """The policy of the lite edition's pages: its one ``<style>`` allowed by hash."""
        if self._lite_policy is None:
            self._lite_policy = content_security_policy([], [LITE_STYLE_HASH])
        return self._lite_policy


class SecurityMiddleware(DjangoSecurityMiddleware):
    """Django's security middleware, except that the onion host, which Tor reaches over
    plain HTTP, is neither redirected to HTTPS nor sent Strict-Transport-Security."""

    def process_request(self, request):
        if via_onion(request):
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if via_onion(request):
            del response["Strict-Transport-Security"]
        return response


class OnionLocationMiddleware:
    """Name the same page on the onion service (``Onion-Location``) in every HTML answer
    to a request that did not come through it, cached pages included (this runs outside
    the page cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.NEWSROOM_ONION_URL
            and "text/html" in response.get("Content-Type", "")
            and not via_onion(request)
        ):
            response["Onion-Location"] = settings.NEWSROOM_ONION_URL + request.get_full_path()
        return response
