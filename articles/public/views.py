"""Public pages. Every query here starts from ``published()``."""

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import translate_url
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import ListView, TemplateView

from articles.media import images
from articles.models import Article, Correction, Expert, Quote, Section, ShareNetwork, Tag
from articles.preview import article_id_from_token
from articles.querysets import translation_filled
from articles.reading import seo
from articles.reading.search import CANDIDATES, excerpt, highlight, query_terms, search_articles
from articles.reading.sql import PreparedQuery, run_together
from articles.reading.values import (
    TagLink,
    card_columns,
    cards_of,
    quote_columns,
    quotes_of,
    share_button_columns,
    share_buttons_of,
    tag_columns,
    tags_of,
)
from articles.sanitizing import html_to_text, truncated_text
from articles.sharing import build_share_url, is_link_previewer, validate_share_template
from articles.templatetags.articles_tags import digits
from articles.writing.actions import share_click_record

RELATED_LIMIT = 4
logger = logging.getLogger("newsroom")


def absolute_url(request, path: str) -> str:
    """Return the absolute address of ``path`` on the public site.

    ``NEWSROOM_SITE_URL`` names the site as readers know it (behind a CDN the request's
    host may be an internal one); without it the request's own host is used.
    """
    if settings.NEWSROOM_SITE_URL:
        return settings.NEWSROOM_SITE_URL + path
    return request.build_absolute_uri(path)


def stored_url(request, url: str) -> str:
    """Return a stored file's URL as absolute: object storage gives one, local media a path."""
    return url if urlsplit(url).scheme else absolute_url(request, url)


def language_links(request, paths: dict[str, str]) -> list[dict]:
    """Return one entry per language the page exists in, for the switcher and hreflang."""
    names = dict(settings.LANGUAGES)
    current = get_language()
    return [
        {
            "code": code,
            "name": names[code],
            "path": path,
            "url": absolute_url(request, path),
            "current": code == current,
        }
        for code, path in paths.items()
    ]


def all_language_paths(request) -> dict[str, str]:
    """Return this page's path in every language, for pages that exist in all of them."""
    return {
        code: translate_url(request.get_full_path(), code) for code, _name in settings.LANGUAGES
    }


class LanguageLinksMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["language_links"] = language_links(self.request, all_language_paths(self.request))
        context["canonical_url"] = absolute_url(self.request, self.request.path)
        return context


class ListPage:
    """One page of a long list, found without counting the whole list."""

    def __init__(self, items: list, number: int, has_next: bool):
        self.object_list = items
        self.number = number
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


class UncountedPaginationMixin:
    """Paginate a newest-first list by reading one row more than a page, never COUNT(*).

    Counting every article of a section or tag costs in proportion to the archive;
    readers page with "newer" and "older", and need no total.
    """

    paginate_by = 20
    max_page = 1000  # deeper than any reader goes; crawlers have the sitemaps

    def paginate_queryset(self, queryset, page_size):
        raw = self.request.GET.get("page") or "1"
        number = int(raw) if raw.isdigit() else 0
        if not 1 <= number <= self.max_page:
            raise Http404(_("There is no such page."))
        start = (number - 1) * page_size
        rows = list(queryset[start : start + page_size + 1])
        if number > 1 and not rows:
            raise Http404(_("There is no such page."))
        page = ListPage(rows[:page_size], number, has_next=len(rows) > page_size)
        return None, page, page.object_list, page.has_other_pages()


def published_articles(now=None):
    return Article.objects.published(now).available_in(get_language()).for_listing().latest_first()


class HomeView(LanguageLinksMixin, TemplateView):
    """The front page: the lead story, the latest, a block per section, the most shared.

    Four queries whatever the number of sections or articles, each compiled once (see
    articles/prepared.py): after a publish every reader's first visit renders it anew.
    """

    template_name = "articles/home.html"
    latest_count = 11
    per_section = 4
    most_shared_count = 5
    most_shared_days = 7

    def get_context_data(self, **kwargs):
        now = timezone.now()
        latest = HOME_LATEST(now=now)
        shown = [article.pk for article in latest]
        sections = ALL_SECTIONS()
        blocks = {}
        if sections:
            newest = HOME_SECTION_BLOCKS(
                now=now, shown=shown, section_ids=[section.pk for section in sections]
            )
            for article in newest:
                blocks.setdefault(article.section_id, (article.section, []))[1].append(article)
        since = timezone.localdate(now) - timedelta(days=self.most_shared_days - 1)
        return super().get_context_data(
            lead=latest[0] if latest else None,
            latest=latest[1:],
            section_blocks=[blocks[section.pk] for section in sections if section.pk in blocks],
            most_shared=HOME_MOST_SHARED(now=now, since=since),
            **kwargs,
        )


HOME_LATEST = PreparedQuery(Article, lambda now: published_articles(now)[: HomeView.latest_count])
ALL_SECTIONS = PreparedQuery(Section, lambda: Section.objects.all())
HOME_SECTION_BLOCKS = PreparedQuery(
    Article,
    lambda now, shown, section_ids: (
        published_articles(now)
        .exclude(pk__in=shown)
        .top_per_section(HomeView.per_section, section_ids)
    ),
)
HOME_MOST_SHARED = PreparedQuery(
    Article,
    lambda now, since: published_articles(now).most_shared(
        HomeView.most_shared_days, HomeView.most_shared_count, since=since
    ),
)


class SectionView(UncountedPaginationMixin, LanguageLinksMixin, ListView):
    template_name = "articles/section.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return published_articles().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(UncountedPaginationMixin, LanguageLinksMixin, ListView):
    template_name = "articles/tag.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return published_articles().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ExpertView(UncountedPaginationMixin, LanguageLinksMixin, ListView):
    """An expert and every published quote of theirs, newest first."""

    template_name = "articles/expert.html"
    context_object_name = "quotes"
    paginate_by = 20

    def get_queryset(self):
        self.expert = get_object_or_404(Expert, slug=self.kwargs["slug"])
        quotes = Quote.objects.published().filter(expert=self.expert)
        language = get_language()
        if language != settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            quotes = quotes.filter(
                translation_filled("title", language, prefix="article__")
                & translation_filled("body", language, prefix="article__")
            )
        return quotes.select_related("article", "article__section").order_by(
            "-article__published_at", "position"
        )

    def get_context_data(self, **kwargs):
        expert = self.expert
        data = seo.person(
            name=expert.full_name,
            url=absolute_url(self.request, expert.get_absolute_url()),
            job_title=expert.role,
            honorific=expert.honorific,
            image=stored_url(self.request, expert.photo.url) if expert.photo else "",
            description=html_to_text(expert.bio),
        )
        return super().get_context_data(
            expert=expert, structured_data=seo.jsonld_script(data), **kwargs
        )


class SearchView(LanguageLinksMixin, ListView):
    """Search the published articles of the page's language, Arabic spelling folded."""

    template_name = "articles/search.html"
    context_object_name = "results"
    paginate_by = 20
    max_query_length = 200

    def get_queryset(self):
        """Return the ids of the matches, best first: ranked once, then paged in memory."""
        self.query = self.request.GET.get("q", "").strip()[: self.max_query_length]
        self.terms = query_terms(self.query)
        language = get_language()
        self.articles = Article.objects.published().available_in(language).for_listing()
        matches = search_articles(self.articles.select_related(None), self.terms, language)
        if isinstance(matches, list):
            return [article.pk for article in matches]
        return list(matches.values_list("pk", flat=True))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.query, terms=self.terms, candidates=CANDIDATES, **kwargs
        )
        page_ids = list(context["results"])
        found = self.articles.in_bulk(page_ids)
        context["results"] = [found[pk] for pk in page_ids if pk in found]
        for article in context["results"]:
            article.highlighted_title = highlight(article.title, self.terms)
            article.excerpt = excerpt(article.summary or html_to_text(article.body), self.terms)
        # Here, not in the template: makemessages cannot extract a plural from Jinja2.
        count = context["paginator"].count
        context["found_text"] = ngettext(
            "%(shown)s article found.", "%(shown)s articles found.", count
        ) % {"shown": digits(count)}
        return context


# The article page's queries, compiled once (see articles/prepared.py): the page is
# the one readers arrive at from chat apps, and building its seven querysets on every
# request cost more than running them.
PUBLISHED_ARTICLE = PreparedQuery(
    Article,
    lambda pk, now: Article.objects.published(now).select_related("section").filter(pk=pk),
)
ARTICLE_TAGS = PreparedQuery(
    Tag, lambda pk: Tag.objects.filter(articles=pk).rewrite(False).values(*tag_columns())
)
ARTICLE_AUTHORS = PreparedQuery(
    get_user_model(), lambda pk: get_user_model().objects.filter(articles=pk)
)
ARTICLE_CORRECTIONS = PreparedQuery(Correction, lambda pk: Correction.objects.filter(article=pk))
ARTICLE_QUOTES = PreparedQuery(
    Quote, lambda pk: Quote.objects.filter(article=pk).rewrite(False).values(*quote_columns())
)
RELATED_ARTICLES = PreparedQuery(
    Article,
    lambda pk, tag_ids, now: (
        Article.objects.published(now)
        .available_in(get_language())
        .related_to(pk, tag_ids, RELATED_LIMIT)
        .rewrite(False)  # the columns are named per language: Django's own values()
        .values(*card_columns())
    ),
)
ACTIVE_SHARE_NETWORKS = PreparedQuery(
    ShareNetwork,
    lambda: (
        ShareNetwork.objects.filter(is_active=True).rewrite(False).values(*share_button_columns())
    ),
)


def article_detail(request, pk: int, slug: str | None = None):
    """Show a published article; a stale or missing slug redirects to the canonical URL."""
    language = get_language()
    found = PUBLISHED_ARTICLE(pk=pk, now=timezone.now())
    if not found:
        raise Http404("No published article has this id.")
    article = found[0]
    if not article.is_available_in(language):
        # Never a half-translated page: the reader gets the original.
        with override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            return redirect(article.get_absolute_url())
    if slug != (article.slug_in(language) or None):
        query = request.META.get("QUERY_STRING", "")
        target = article.get_absolute_url() + (f"?{query}" if query else "")
        return HttpResponsePermanentRedirect(target)

    return render_article(request, article)


def render_article(request, article: Article, *, preview: bool = False):
    """Render the article page as readers see it, or as a preview of what they will see.

    A preview is never indexed nor cached, shows no share links (sharing a draft would
    lead readers to a 404) and names no language alternates.
    """
    language = get_language()
    pk = {"pk": article.pk}
    # One round trip for all of them where the database allows (PostgreSQL).
    tag_rows, authors, corrections, quote_rows, network_rows = run_together(
        (ARTICLE_TAGS, pk),
        (ARTICLE_AUTHORS, pk),
        (ARTICLE_CORRECTIONS, pk),
        (ARTICLE_QUOTES, pk),
        (ACTIVE_SHARE_NETWORKS, {}),
    )
    tags = tags_of(tag_rows, language)
    quotes = quotes_of(quote_rows, language)
    related = RELATED_ARTICLES(pk=article.pk, tag_ids=[tag.pk for tag in tags], now=timezone.now())
    context = {
        "article": article,
        "description": article_description(article),
        "tags": tags,
        "authors": authors,
        "quotes": quotes,
        "pull_quotes": [quote for quote in quotes if quote.highlighted],
        "corrections": corrections,
        "related_articles": cards_of(related, language),
        "is_preview": preview,
    }
    if not preview:
        paths = {}
        for code in article.languages:
            with override(code):
                paths[code] = article.get_absolute_url()
        canonical = absolute_url(request, paths[language])
        facts = article_facts(
            request, article, canonical, language, context["description"], tags, authors
        )
        context |= {
            "share_networks": share_buttons_of(network_rows, language, article.pk),
            "language_links": language_links(request, paths),
            "canonical_url": canonical,
            "social_tags": seo.open_graph(facts),
            "structured_data": seo.jsonld_script(seo.news_article(facts)),
        }
    response = render(request, "articles/article_detail.html", context)
    if preview:
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def social_image(request, make, alt: str) -> seo.Image | None:
    """Return a share image or quote card made by ``make()``, with its absolute URL.

    A page without its picture beats no page: on failure it is logged and made next time.
    """
    try:
        stored = make()
    except Exception:
        logger.exception("No share image (%s)", alt)
        return None
    return seo.Image(
        url=stored_url(request, stored.url),
        width=stored.width,
        height=stored.height,
        type=stored.mime_type,
        alt=alt,
    )


def article_description(article: Article) -> str:
    """Return the article's summary, or the start of its text: the page's description."""
    return article.summary or truncated_text(article.body, 200)


def article_facts(
    request,
    article: Article,
    canonical: str,
    language: str,
    description: str,
    tags: list[TagLink],
    authors: list,
) -> seo.ArticleFacts:
    """Gather what search engines and chat apps are told about an article page."""
    image = social_image(
        request, lambda: images.article_share_image(article, language=language), article.title
    )
    return seo.ArticleFacts(
        headline=article.title,
        description=description,
        url=canonical,
        language=language,
        published=article.published_at,
        modified=article.updated_at,
        section=article.section.name,
        site_name=str(settings.NEWSROOM_SITE_NAME),
        publisher_logo=seo.Image(
            url=absolute_url(request, static("img/logo.png")),
            width=600,
            height=60,
            type="image/png",
        ),
        authors=[user.get_full_name() or user.get_username() for user in authors],
        keywords=[tag.name for tag in tags],
        image=image,
        alternate_languages=article.languages,
    )


def preview(request, token: str):
    """Show an unpublished article to whoever holds a valid, unexpired preview link."""
    article_id = article_id_from_token(token)
    if article_id is None:
        raise Http404("This preview link is not valid or has expired.")
    article = get_object_or_404(Article.objects.select_related("section"), pk=article_id)
    return render_article(request, article, preview=True)


class ShareRedirect(HttpResponseRedirect):
    """A redirect that may also open the reader's mail program."""

    allowed_schemes = ["https", "http", "mailto"]


def _share_redirect(
    request, *, article: Article, network_slug: str, page_url, title
) -> ShareRedirect:
    """Count a share of ``article``, then send the reader to the network.

    The destination is always built from the network's stored template, never from the
    request; HEAD requests and link previewers are not counted. ``page_url`` and
    ``title`` are called in the language the page is shared in.
    """
    network = get_object_or_404(ShareNetwork, slug=network_slug, is_active=True)
    try:
        validate_share_template(network.url_template)
    except ValidationError:
        raise Http404("This share network is misconfigured.") from None
    language = get_language()
    if not article.is_available_in(language):
        language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    with override(language):
        target = build_share_url(
            network.url_template, url=absolute_url(request, page_url()), title=title()
        )
    if request.method == "GET" and not is_link_previewer(request.headers.get("User-Agent", "")):
        share_click_record(article=article, network=network)
    response = ShareRedirect(target)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def share(request, pk: int, network: str):
    """Share an article: its canonical URL and headline."""
    article = get_object_or_404(Article.objects.published(), pk=pk)
    return _share_redirect(
        request,
        article=article,
        network_slug=network,
        page_url=article.get_absolute_url,
        title=lambda: article.title,
    )


@never_cache
@require_safe
def quote_share(request, pk: int, network: str):
    """Share a quote: its own page, and the words with who said them (counted for its article)."""
    quote = get_object_or_404(Quote.objects.published().select_related("article", "expert"), pk=pk)
    return _share_redirect(
        request,
        article=quote.article,
        network_slug=network,
        page_url=quote.get_absolute_url,
        title=lambda: quote.share_text,
    )


def quote_detail(request, pk: int):
    """A quote's own page: the words, who said them, the article, and its share links."""
    quote = get_object_or_404(
        Quote.objects.published().select_related("article", "article__section", "expert"), pk=pk
    )
    language = get_language()
    if not quote.article.is_available_in(language):
        with override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            return redirect(quote.get_absolute_url())
    paths = {}
    for code in quote.article.languages:
        with override(code):
            paths[code] = quote.get_absolute_url()
    canonical = absolute_url(request, paths[language])
    card = social_image(
        request, lambda: images.quote_card_image(quote, language=language), quote.share_text
    )
    return render(
        request,
        "articles/quote.html",
        {
            "quote": quote,
            "article": quote.article,
            "expert": quote.expert,
            "share_networks": ShareNetwork.objects.filter(is_active=True),
            "language_links": language_links(request, paths),
            "canonical_url": canonical,
            "card": card,
            "structured_data": seo.jsonld_script(
                seo.quotation(
                    text=quote.text,
                    speaker=quote.expert.full_name,
                    speaker_url=absolute_url(request, quote.expert.get_absolute_url()),
                    article_url=absolute_url(request, quote.article.get_absolute_url()),
                    url=canonical,
                    language=language,
                )
            ),
        },
    )
