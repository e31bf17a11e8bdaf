"""Sitemaps for search engines, the Google News sitemap, and robots.txt.

The sitemaps sit at language-neutral paths (``/sitemap.xml``, ``/news-sitemap.xml``),
outside ``i18n_patterns``, and list every language's page: one ``<url>`` per page and
language, each naming all the languages the page exists in as ``xhtml:link``
alternates, plus ``x-default`` (the Arabic page), as the pages' own hreflang links do.
They are built on ``django.contrib.sitemaps`` with ``i18n`` and ``alternates``; the
index, the ``x-default`` alternate and the public host are ours (see ``SiteSitemap``).
"""

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import override
from django.views.decorators.http import require_safe

from articles.links import absolute_url
from articles.models import (
    Article,
    AuthorProfile,
    Expert,
    Section,
    SiteSettings,
    Tag,
    language_codes,
)
from articles.querysets import translation_filled
from articles.sanitizing import xml_text

# Google News reads articles of the last two days, and at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000

# Paths no crawler should follow, in every language: staff pages, unpublished previews,
# share redirects (each visit counts a share) and search results (endless, thin pages).
ROBOTS_DISALLOWED = ("admin/", "preview/", "share/", "search/")


def w3c_datetime(value) -> str:
    """Return ``value`` in W3C Datetime format, to the second, in the site's time zone."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def language_annotations() -> dict:
    """Return, per language other than the original, whether an article exists in it.

    Computed in the database so that a sitemap never loads the articles' bodies.
    """
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return {
        f"in_{code}": ExpressionWrapper(
            translation_filled("title", code) & translation_filled("body", code),
            output_field=BooleanField(),
        )
        for code in language_codes()
        if code != default
    }


def article_languages(article) -> list[str]:
    """Return the languages ``article`` exists in, from ``language_annotations``."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return [code for code in language_codes() if code == default or getattr(article, f"in_{code}")]


def latest_publication(**lookups) -> Subquery:
    """Return the publication time of the newest published article matching ``lookups``."""
    newest = Article.objects.published().filter(**lookups).order_by("-published_at")
    return Subquery(newest.values("published_at")[:1])


class SiteSitemap(Sitemap):
    """A sitemap of the public site: absolute URLs, every language, hreflang alternates.

    A fresh instance serves each request (the views are given classes), so the items
    are read once per request and shared by the index, the page and ``lastmod``.
    """

    i18n = True
    alternates = True
    # Django's x-default strips a "/<language>/" prefix, which our Arabic URLs never
    # have and which could cut a real path segment: ``get_urls`` adds it instead.
    x_default = False

    @cached_property
    def paginator(self):
        return Paginator(self._items(), self.limit)

    def get_protocol(self, protocol=None):
        if settings.NEWSROOM_SITE_URL:
            return urlsplit(settings.NEWSROOM_SITE_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        # The public name of the site, as in canonical URLs; else the request's host
        # (``site`` is the RequestSite the sitemap view passes).
        if settings.NEWSROOM_SITE_URL:
            parts = urlsplit(settings.NEWSROOM_SITE_URL)
            return parts.netloc + parts.path
        return super().get_domain(site)

    def get_urls(self, page=1, site=None, protocol=None):
        """Return the page's URLs, each with ``x-default`` and a W3C ``lastmod``."""
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            for alternate in list(url["alternates"]):
                if alternate["lang_code"] == settings.LANGUAGE_CODE:
                    url["alternates"].append(
                        {"location": alternate["location"], "lang_code": "x-default"}
                    )
            url["lastmod_w3c"] = w3c_datetime(url["lastmod"]) if url["lastmod"] else ""
        return urls

    def get_latest_lastmod(self):
        """Return the newest ``lastmod`` from the items already read: no second query."""
        dates = [self.lastmod(item) for item, _language in self.paginator.object_list]
        return max(filter(None, dates), default=None)

    def lastmod(self, item):
        return item.last_published


class ArticleSitemap(SiteSitemap):
    """Every published article, in each language it exists in."""

    def items(self):
        # Oldest first, so that pages already crawled keep their contents as new
        # articles fill the last page.
        return (
            Article.objects.published()
            .annotate(**language_annotations())
            .only(
                "pk", "updated_at", "published_at", *(f"slug_{code}" for code in language_codes())
            )
            .order_by("published_at", "pk")
        )

    def get_languages_for_item(self, article):
        return article_languages(article)

    def lastmod(self, article):
        # A scheduled article may have been saved before its publication time.
        return max(article.updated_at, article.published_at)


class SectionSitemap(SiteSitemap):
    """The sections that have published articles; the newest one dates each."""

    def items(self):
        return (
            Section.objects.annotate(last_published=latest_publication(section=OuterRef("pk")))
            .filter(last_published__isnull=False)
            .only("pk", "slug")
            .order_by("position", "pk")
        )


class TagSitemap(SiteSitemap):
    """The tags that have published articles; the newest one dates each."""

    def items(self):
        return (
            Tag.objects.annotate(last_published=latest_publication(tags=OuterRef("pk")))
            .filter(last_published__isnull=False)
            .only("pk", "slug")
            .order_by("pk")
        )


class ExpertSitemap(SiteSitemap):
    """The experts quoted in published articles; the newest such article dates each."""

    def items(self):
        return (
            Expert.objects.annotate(
                last_published=latest_publication(quotes__expert=OuterRef("pk"))
            )
            .filter(last_published__isnull=False)
            .only("pk", "slug")
            .order_by("pk")
        )


class AuthorSitemap(SiteSitemap):
    """The author profiles that sign published articles; the newest one dates each.
    Only the slug is read: never who writes under a pen name."""

    def items(self):
        return (
            AuthorProfile.objects.annotate(
                last_published=latest_publication(bylines=OuterRef("pk"))
            )
            .filter(last_published__isnull=False)
            .only("pk", "slug")
            .order_by("pk")
        )


class SitePagesSitemap(SiteSitemap):
    """The outlet's own pages (about, the policies, the contact page) that editors have
    written or set up; the masthead-and-footer row's last change dates them."""

    def items(self):
        row = SiteSettings.objects.filter(pk=SiteSettings.SINGLE_PK).first()
        if row is None:
            return []
        pages = [
            ("about", "about"),
            ("corrections", "corrections_policy"),
            ("ownership", "ownership_funding"),
            ("sources_policy", "unnamed_sources_policy"),
        ]
        items = [
            SimpleNamespace(name=name, last_published=row.updated_at)
            for name, field in pages
            if getattr(row, f"{field}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}")
        ]
        if row.has_contact_page:
            items.append(SimpleNamespace(name="contact", last_published=row.updated_at))
        return items

    def location(self, item):
        return reverse(f"articles:{item.name}")


class NewsSitemap(SiteSitemap):
    """The articles published in the last 48 hours, for Google News, newest first.

    One ``<url>`` per article and language, each with the publication name, language,
    time and the headline in that language.
    """

    alternates = False
    limit = NEWS_LIMIT

    def items(self):
        return (
            Article.objects.published()
            .filter(published_at__gte=timezone.now() - NEWS_WINDOW)
            .annotate(**language_annotations())
            .only(
                "pk",
                "published_at",
                *(f"{field}_{code}" for field in ("slug", "title") for code in language_codes()),
            )
            .latest_first()
        )

    def get_languages_for_item(self, article):
        return article_languages(article)

    def lastmod(self, article):
        return article.published_at

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            article, language = url["item"]
            with override(language):
                name = str(settings.NEWSROOM_SITE_NAME)
            url["news"] = {
                "publication_name": name,
                "language": language,
                "publication_date": w3c_datetime(article.published_at),
                "title": xml_text(getattr(article, f"title_{language}")),
            }
        return urls


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "experts": ExpertSitemap,
    "authors": AuthorSitemap,
    "pages": SitePagesSitemap,
}


@require_safe
@sitemap_views.x_robots_tag
def index(request):
    """List the sitemaps, one entry per page; a sitemap with nothing to list is left out.

    Django's own index takes the host from the request alone; this one names the public
    site as canonical URLs do.
    """
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        pages = sitemap.paginator.num_pages if sitemap.paginator.count else 0
        if not pages:
            continue
        location = absolute_url(request, reverse("sitemap", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        for page in range(1, pages + 1):
            entries.append(
                {
                    "location": location if page == 1 else f"{location}?p={page}",
                    "lastmod": w3c_datetime(lastmod) if lastmod else "",
                }
            )
    return TemplateResponse(
        request, "sitemaps/index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


@require_safe
def sitemap(request, section: str):
    """Show one page (``?p=``) of one sitemap of the index."""
    if section not in SITEMAPS:
        raise Http404(f"No sitemap named {section!r}.")
    return sitemap_views.sitemap(
        request, sitemaps=SITEMAPS, section=section, template_name="sitemaps/sitemap.xml"
    )


@require_safe
def news_sitemap(request):
    """Show the Google News sitemap: the articles of the last 48 hours."""
    return sitemap_views.sitemap(
        request,
        sitemaps={"news": NewsSitemap},
        section="news",
        template_name="sitemaps/news.xml",
    )


@require_safe
def robots_txt(request):
    """Name both sitemaps and keep crawlers out of pages that must not be indexed."""
    disallowed = []
    for code in language_codes():
        with override(code):
            root = reverse("articles:home")
        disallowed += [root + path for path in ROBOTS_DISALLOWED]
    context = {
        "disallowed": disallowed,
        "sitemaps": [
            absolute_url(request, reverse("sitemap_index")),
            absolute_url(request, reverse("news_sitemap")),
        ],
    }
    return TemplateResponse(
        request, "robots.txt", context, content_type="text/plain; charset=utf-8"
    )
