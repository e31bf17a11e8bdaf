"""Share links: the network URL built from a stored template. Pure functions."""

import re
import string
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Link previewers fetch the share URL to draw a card; they are not readers sharing. Nor
# are crawlers that run a page's script, page testers and scripts: they are not
# readers reading either (``articles.public.views.read``).
_PREVIEWERS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|facebookcatalog|whatsapp/|telegrambot"
    r"|skypeuripreview|embedly|quora link|outbrain|pinterest|vkshare|w3c_validator|curl|wget"
    r"|python-requests|httpclient|headless|lighthouse|pagespeed|ptst/|googleother|mediapartners"
    r"|feedfetcher|scrapy|phantomjs|selenium|puppeteer|playwright|python-urllib|aiohttp"
    r"|go-http-client|okhttp|node-fetch|axios|java/|libwww",
    re.IGNORECASE,
)

PLACEHOLDERS = frozenset({"url", "title", "text"})
ALLOWED_SCHEMES = frozenset({"https", "http", "mailto"})


def share_text(*, title: str, url: str) -> str:
    """Return the message a reader sends: the headline, then the link on its own line."""
    return f"{title}\n{url}"


def build_share_url(template: str, *, url: str, title: str) -> str:
    """Return the network's URL for sharing ``url``, every value percent-encoded.

    ``{url}`` is the address shared (an article's short one), ``{title}`` its headline and
    ``{text}`` both together, for networks (WhatsApp, e-mail) that take one message.
    """
    values = {"url": url, "title": title, "text": share_text(title=title, url=url)}
    return template.format_map({key: quote(value, safe="") for key, value in values.items()})


def is_link_previewer(user_agent: str) -> bool:
    """Say whether a request comes from a crawler, a link-preview fetcher or a script, not
    a reader (by its User-Agent; none at all is no browser's)."""
    return not user_agent or bool(_PREVIEWERS.search(user_agent))


def template_placeholders(template: str) -> set[str]:
    """Return the names of the ``{placeholders}`` in a template.

    A placeholder with a format spec or a conversion (``{url:d}``, ``{url!r}``) comes back
    as written, and a malformed brace as ``{``, so validation refuses them as unknown.
    """
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return {"{"}
    names = set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion:
            name = f"{name}!{conversion}:{spec}"
        names.add(name)
    return names


def validate_share_template(template: str) -> None:
    """Refuse a template that could send readers somewhere unexpected or fail to format."""
    names = template_placeholders(template)
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Use {url}, {title} or {text}."),
            code="unknown_placeholder",
            params={"names": ", ".join(sorted(unknown))},
        )
    if not names & {"url", "text"}:
        raise ValidationError(
            _("The share template must contain {url} or {text}, or the link is never shared."),
            code="no_url",
        )
    parts = urlsplit(template)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise ValidationError(
            _("A share template must start with https://, http:// or mailto:."),
            code="scheme",
        )
    if parts.scheme != "mailto" and ("{" in parts.netloc or not parts.netloc):
        raise ValidationError(
            _("The network's address must be written out in the template, not a placeholder."),
            code="host",
        )
