"""Public pages: each asks the read side's door (``articles.reading.pages``) for its
page and renders it. Nothing here queries the database itself."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language, override
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django.views.defaults import page_not_found

from articles import links
from articles.clients import saves_data
from articles.links import path_to
from articles.reading import pages
from articles.reading.pages import page_context
from articles.sharing import build_share_url, is_link_previewer
from articles.writing.reads import read_record
from articles.writing.shares import share_click_record


def _head(request) -> dict:
    """Return the canonical address and the language links of a page that exists in
    every language at the same path (home, lists, search)."""
    language = get_language()
    match = request.resolver_match
    if match is None or not match.view_name:
        paths = {
            code: translate_url(request.get_full_path(), code) for code, _name in settings.LANGUAGES
        }
    else:
        # The page is resolved already: its path in each language, as translate_url would
        # give it, without resolving it again.
        query = request.get_full_path().partition("?")[2]
        paths = {}
        for code, _name in settings.LANGUAGES:
            with override(code):
                paths[code] = path_to(match.view_name, **match.kwargs) + (
                    f"?{query}" if query else ""
                )
    return {
        "canonical_url": links.absolute_url(request, request.path),
        "language_links": pages.language_links(
            paths, language=language, origin=links.site_origin(request)
        ),
    }


def _lite_twin(request, path: str) -> dict:
    """Return the link to a page's lite twin, and whether to offer it up front: the
    reader's browser asks to save data. Never a redirect, which would break links and
    send crawlers to the copy; the page says ``Vary: Save-Data`` instead."""
    return {"lite_url": path, "save_data": saves_data(request)}


@vary_on_headers("Save-Data")
def home(request):
    page = pages.home_page(get_language())
    return render(
        request,
        "articles/home.html",
        page_context(page) | _head(request) | _lite_twin(request, path_to("articles:lite_home")),
    )


@vary_on_headers("Save-Data")
def section(request, slug: str):
    number = pages.page_number(request.GET.get("page"))
    page = pages.section_page(slug, language=get_language(), number=number)
    lite = path_to("articles:lite_section", slug=slug) + (f"?page={number}" if number > 1 else "")
    return render(
        request,
        "articles/section.html",
        page_context(page) | _head(request) | _lite_twin(request, lite),
    )


def tag(request, slug: str):
    page = pages.tag_page(
        slug, language=get_language(), number=pages.page_number(request.GET.get("page"))
    )
    return render(request, "articles/tag.html", page_context(page) | _head(request))


def expert(request, slug: str):
    page = pages.expert_page(
        slug,
        language=get_language(),
        origin=links.site_origin(request),
        number=pages.page_number(request.GET.get("page")),
    )
    return render(request, "articles/expert.html", page_context(page) | _head(request))


def author(request, slug: str):
    """An author profile: who signs the articles, a pen name or a person, and their work."""
    page = pages.author_page(
        slug,
        language=get_language(),
        origin=links.site_origin(request),
        number=pages.page_number(request.GET.get("page")),
    )
    return render(request, "articles/author.html", page_context(page) | _head(request))


def search(request):
    page = pages.search_page(
        request.GET.get("q", ""),
        language=get_language(),
        number=pages.page_number(request.GET.get("page")),
    )
    return render(request, "articles/search.html", page_context(page) | _head(request))


def reach_us(request):
    """How to reach the site when it is blocked: mirrors, the onion service, Telegram."""
    page = pages.reach_us_page(language=get_language())
    return render(request, "articles/reach_us.html", page_context(page) | _head(request))


def about(request):
    """Who the outlet is: the editors' text (the masthead-and-footer row)."""
    page = pages.site_text_page("about", language=get_language())
    return render(request, "articles/site_text.html", page_context(page) | _head(request))


def corrections(request):
    """How the outlet corrects its mistakes: the editors' text."""
    page = pages.site_text_page("corrections", language=get_language())
    return render(request, "articles/site_text.html", page_context(page) | _head(request))


def ownership(request):
    """Who owns the outlet and who pays for it: the editors' text."""
    page = pages.site_text_page("ownership", language=get_language())
    return render(request, "articles/site_text.html", page_context(page) | _head(request))


def sources_policy(request):
    """When the outlet withholds a source's name, and how it checks them: the editors' text."""
    page = pages.site_text_page("sources", language=get_language())
    return render(request, "articles/site_text.html", page_context(page) | _head(request))


def contact(request):
    """How a source reaches the newsroom safely: the channels editors set, and advice.

    No form: nothing a source sends reaches this server. The page, like every public
    page, is the same for every reader (the page cache keeps it); it sends no referrer,
    so a click from it tells the next site nothing of where the reader came from.
    """
    page = pages.contact_page(language=get_language())
    response = render(request, "articles/contact.html", page_context(page) | _head(request))
    response["Referrer-Policy"] = "no-referrer"
    return response


@vary_on_headers("Save-Data")
def article_detail(request, pk: int, slug: str | None = None):
    """Show a published article; a stale or missing slug redirects to the canonical URL."""
    language = get_language()
    article = pages.published_article(pk)
    if not article.is_available_in(language):
        # Never a half-translated page: the reader gets the original.
        with override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            return redirect(article.get_absolute_url())
    if slug != (article.slug_in(language) or None):
        return HttpResponsePermanentRedirect(_canonical_address(request, article))
    page = pages.article_page(article, language=language, origin=links.site_origin(request))
    lite = _lite_twin(request, path_to("articles:lite_article", pk=article.pk))
    return render(request, "articles/article_detail.html", page_context(page) | lite)


def article_short(request, pk: int):
    """Send a short link (``/a/<id>/``, what shares and channel posts carry) on to the
    article's canonical address in this language, or the original's where the article
    is not written in it. Always a redirect: the page lives at one address."""
    article = pages.published_article(pk)
    language = get_language()
    if not article.is_available_in(language):
        language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    with override(language):
        return HttpResponsePermanentRedirect(_canonical_address(request, article))


def _canonical_address(request, article) -> str:
    """Return the article's canonical path in the active language, with the request's
    query string (campaign tags survive the redirect)."""
    query = request.META.get("QUERY_STRING", "")
    return article.get_absolute_url() + (f"?{query}" if query else "")


# The lite edition: text pages for throttled links and shutdowns. Each names its full
# twin as canonical and is otherwise indexable: a "noindex" beside a canonical sends
# search engines two contrary signals, and the canonical alone folds the copy into the
# full page. They are in no sitemap, which lists canonical addresses only.


def lite_home(request):
    page = pages.lite_home_page(get_language(), origin=links.site_origin(request))
    return render(request, "lite/home.html", page_context(page))


def lite_section(request, slug: str):
    page = pages.lite_section_page(
        slug, language=get_language(), number=pages.page_number(request.GET.get("page"))
    )
    canonical = links.absolute_url(request, page.section.get_absolute_url())
    return render(request, "lite/section.html", page_context(page) | {"canonical_url": canonical})


def lite_reach_us(request):
    """The reach-us page as text: what a reader on a throttled link, or on the static
    copy, needs most."""
    page = pages.reach_us_page(language=get_language())
    canonical = links.absolute_url(request, path_to("articles:reach_us"))
    return render(request, "lite/reach_us.html", page_context(page) | {"canonical_url": canonical})


def lite_article(request, pk: int):
    """Show a published article as text; one not written in this language redirects to
    the original's lite page, as the full page does."""
    language = get_language()
    article = pages.published_article(pk)
    if not article.is_available_in(language):
        with override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            return redirect(path_to("articles:lite_article", pk=pk))
    page = pages.lite_article_page(article, language=language, origin=links.site_origin(request))
    return render(request, "lite/article.html", page_context(page))


def render_preview(request, article):
    """Render an unpublished article as readers will see it: never indexed nor cached."""
    page = pages.article_page(
        article, language=get_language(), origin=links.site_origin(request), preview=True
    )
    response = render(request, "articles/article_detail.html", page_context(page))
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def preview(request, token: str):
    """Show an unpublished article to whoever holds a live preview link to it.

    A revoked, expired or unknown link, or one to an article now published or
    archived, finds nothing; and no answer may be kept by a cache on the way.
    """
    try:
        article = pages.previewed_article(token)
    except Http404 as missing:
        response = page_not_found(request, missing)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    return render_preview(request, article)


def quote_detail(request, pk: int):
    """A quote's own page: the words, who said them, the article, and its share links."""
    quote = pages.published_quote(pk)
    language = get_language()
    if not quote.article.is_available_in(language):
        with override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            return redirect(quote.get_absolute_url())
    page = pages.quote_page(quote, language=language, origin=links.site_origin(request))
    return render(request, "articles/quote.html", page_context(page))


class ShareRedirect(HttpResponseRedirect):
    """A redirect that may also open the reader's mail program."""

    allowed_schemes = ["https", "http", "mailto"]


def _share(request, **shared):
    """Count a share, then send the reader to the network.

    The destination is always built from the network's stored template, never from the
    request; HEAD requests and link previewers are not counted.
    """
    target = pages.share_target(language=get_language(), **shared)
    with override(target.language):
        url = build_share_url(
            target.network.url_template,
            url=links.absolute_url(request, target.path),
            title=target.title,
        )
    if request.method == "GET" and not is_link_previewer(request.headers.get("User-Agent", "")):
        share_click_record(article=target.article, network=target.network)
    response = ShareRedirect(url)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def share(request, pk: int, network: str):
    """Share an article: its canonical URL and headline."""
    return _share(request, article_pk=pk, network_slug=network)


@never_cache
@require_safe
def quote_share(request, pk: int, network: str):
    """Share a quote: its own page, and the words with who said them (counted for its article)."""
    return _share(request, quote_pk=pk, network_slug=network)


def _sent_from_our_page(request) -> bool:
    """Say whether the browser sent this request from one of our own pages.

    The count needs no token, so a page of another site could make each of its
    visitors' browsers post here: every one from their own address, past the rate
    limit. Browsers say where a request comes from (Sec-Fetch-Site; on a POST, Origin
    too); a request that says neither (an older browser) is taken as ours.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin:
        return urlsplit(origin).netloc == request.get_host()
    return True


@csrf_exempt  # a count, sent with no form and changing nothing a reader owns
@never_cache
@require_POST
def read(request, pk: int):
    """Count a read of article ``pk``: what the article page's script sends as it opens.

    The answer has no body and sets no cookie, and nothing about the reader is kept: no
    address, no identifier, only the article's count for the day. Robots, scripts and
    signed-in staff (who send a session cookie; no reader has one) are answered alike
    and not counted; previews carry no script. An article readers cannot see is 404.
    """
    reader = (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not is_link_previewer(request.headers.get("User-Agent", ""))
        and _sent_from_our_page(request)
    )
    if reader and not read_record(article_id=pk):
        return HttpResponseNotFound()
    return HttpResponse(status=204)
