"""The one page that may frame a post from another site, after a reader asked for it.

An article's page lets no other host in: its policy's ``default-src 'self'`` covers
frames, so a card (js/embeds.js) can only open this page, ours, in a frame. This page's
own policy allows exactly one frame, the provider's, and nothing else (no script, no
style but ours, no image): the provider learns of the reader only once they tapped.
"""

from django.http import HttpResponse, HttpResponseNotFound
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi, gettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from articles.embeds import post

PAGE = (
    '<!doctype html><html lang="{}" dir="{}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta name="robots" content="noindex"><title>{}</title>'
    '<link rel="stylesheet" href="{}"></head><body>'
    '<iframe src="{}" title="{}" allow="fullscreen; encrypted-media; picture-in-picture" '
    'allowfullscreen referrerpolicy="strict-origin-when-cross-origin" '
    'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"></iframe>'
    "</body></html>"
)


def policy(origin: str) -> str:
    """Return the embed page's Content-Security-Policy: the provider's frame, nothing else."""
    return (
        f"default-src 'none'; frame-src {origin}; style-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'"
    )


@require_safe
@xframe_options_sameorigin
def embed_page(request, provider: str, reference: str):
    """Show the post ``reference`` of ``provider`` in the provider's own frame."""
    found = post(provider, reference)
    if found is None:
        return HttpResponseNotFound(b"Not found", content_type="text/plain")
    provider, reference = found
    title = gettext("A post on %(provider)s") % {"provider": provider.label}
    page = format_html(
        PAGE,
        get_language(),
        "rtl" if get_language_bidi() else "ltr",
        title,
        static("css/embed.css"),
        provider.frame_of(reference),
        title,
    )
    response = HttpResponse(page)
    response["Content-Security-Policy"] = policy(provider.origin)
    response["Cache-Control"] = "public, max-age=3600"
    return response
