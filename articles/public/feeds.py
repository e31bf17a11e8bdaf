"""RSS 2.0 and Atom feeds of the published articles, in the language of their URL.

Arabic feeds live under ``/feeds/``, English ones under ``/en/feeds/``: the language is
the one ``LocaleMiddleware`` activated for the request, and an English feed lists only
the articles that exist in English. Every URL in a feed is absolute and built like the
pages' canonical URLs (``NEWSROOM_SITE_URL``, else the request's host), never from the
Sites framework, which this project does not install.
"""

import copy
import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext

from articles.links import absolute_url
from articles.models import Article, AuthorProfile, Expert, Quote, Section, Tag
from articles.sanitizing import html_to_text, xml_text

FEED_LENGTH = 30
# How much of the body stands in for a missing standfirst.
DESCRIPTION_WORDS = 60


def _xml_safe(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    return value


class XmlTextFeedMixin:
    """Write every text of the feed without the control characters XML 1.0 cannot carry.

    Django's feed writer refuses them with an error, so one pasted into a headline would
    take the whole feed down (and in an attribute, an Atom category, make it malformed).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class RssFeed(XmlTextFeedMixin, Rss201rev2Feed):
    pass


class AtomFeed(XmlTextFeedMixin, Atom1Feed):
    pass


class ArticleFeed(Feed):
    """The newest published articles of the active language, newest first.

    Subclasses give the channel's title, description and link, name their subject in
    ``get_object`` and narrow the articles in ``filter_articles``. A feed runs the same
    few queries whatever its length: its subject (if any), the articles with their
    sections, their tags, their authors.
    """

    feed_type = RssFeed

    def get_feed(self, obj, request):
        """Return the populated feed generator, every URL in it absolute.

        Django keeps one instance per URL pattern and shares it between requests: the
        work is done on a copy that knows its request, so that the item methods can
        build absolute URLs without one request's host leaking into another's feed.
        """
        feed = copy.copy(self)
        feed.request = request
        return super(ArticleFeed, feed).get_feed(obj, request)

    def absolute(self, url: str) -> str:
        """Return ``url`` as an absolute URI on the public site (media may be elsewhere)."""
        if url.startswith(("http://", "https://")):
            return iri_to_uri(url)
        if url.startswith("//"):
            return iri_to_uri(f"{self.request.scheme}:{url}")
        return iri_to_uri(absolute_url(self.request, url))

    # The channel: subclasses give its title, description and link.

    def feed_url(self, obj):
        return self.absolute(self.request.path)

    def get_object(self, request, *args, **kwargs):
        return None

    def filter_articles(self, articles, obj):
        """Return ``articles`` narrowed to the feed's subject ``obj``."""
        return articles

    def items(self, obj):
        articles = Article.objects.published().available_in(get_language())
        return (
            self.filter_articles(articles, obj)
            .select_related("section")
            .prefetch_related(
                "tags",
                # The bylines' public profiles, in the article page's order; never the
                # staff accounts behind them.
                Prefetch("bylines", queryset=AuthorProfile.objects.order_by("pk")),
            )
            .latest_first()[:FEED_LENGTH]
        )

    # The items.

    def item_title(self, article):
        # Plain text, escaped once by the feed writer. ``items`` keeps only articles
        # that exist in the active language, so this is never a fallback translation.
        return article.title

    def item_description(self, article):
        """Return the standfirst in the feed's language, else the start of the body.

        Never the other language's text: modeltranslation would fall back to the Arabic
        standfirst in an English feed, so the language's own fields are read.
        """
        language = get_language()
        text = getattr(article, f"summary_{language}", "") or Truncator(
            html_to_text(getattr(article, f"body_{language}", ""))
        ).words(DESCRIPTION_WORDS)
        # RSS descriptions and Atom summaries are HTML: plain text is escaped for them.
        return escape(text)

    def item_link(self, article):
        return self.absolute(article.get_absolute_url())

    def item_guid(self, article):
        # The short URL survives headline (and so slug) edits: readers never see an
        # edited article come back as a new item.
        return self.absolute(reverse("articles:detail_short", kwargs={"pk": article.pk}))

    item_guid_is_permalink = False

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        # A scheduled article may have been saved before its publication time.
        return max(article.updated_at, article.published_at)

    def item_author_name(self, article):
        """Return the byline's names, or the credited source ("SY24") if none."""
        names = [author.name for author in article.bylines.all()]
        if names:
            # Translators: separates the names of an article's authors in a feed.
            return gettext(", ").join(names)
        return article.source

    def item_author_link(self, article):
        """Return the author's page when the byline names one profile."""
        authors = article.bylines.all()
        if len(authors) == 1:
            return self.absolute(authors[0].get_absolute_url())
        return None

    def item_categories(self, article):
        return [article.section.name, *(tag.name for tag in article.tags.all())]

    def item_enclosures(self, article):
        """Return the lead image as an enclosure, with its size in bytes and its type."""
        image = article.lead_image
        if not image:
            return []
        try:
            length = image.storage.size(image.name)
        except OSError:
            # A file missing from storage would be a broken link in every reader.
            return []
        mime_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        return [Enclosure(url=self.absolute(image.url), length=str(length), mime_type=mime_type)]


class LatestFeed(ArticleFeed):
    """The newest articles of the whole site."""

    def title(self, obj):
        return gettext("%(name)s: latest news") % {"name": settings.NEWSROOM_SITE_NAME}

    def description(self, obj):
        return gettext("Independent news and exclusive reports from Syria.")

    def link(self, obj):
        return self.absolute(reverse("articles:home"))


class SectionFeed(ArticleFeed):
    """The newest articles of one section."""

    def get_object(self, request, slug):
        return Section.objects.get(slug=slug)

    def filter_articles(self, articles, section):
        return articles.filter(section=section)

    def title(self, section):
        return gettext("%(site)s: %(section)s section") % {
            "site": settings.NEWSROOM_SITE_NAME,
            "section": section.name,
        }

    def description(self, section):
        return getattr(section, f"description_{get_language()}", "") or gettext(
            "The latest articles in the %(section)s section."
        ) % {"section": section.name}

    def link(self, section):
        return self.absolute(section.get_absolute_url())


class TagFeed(ArticleFeed):
    """The newest articles about one place, organization or topic."""

    def get_object(self, request, slug):
        return Tag.objects.get(slug=slug)

    def filter_articles(self, articles, tag):
        return articles.filter(tags=tag)

    def title(self, tag):
        return gettext("%(site)s: articles about %(tag)s") % {
            "site": settings.NEWSROOM_SITE_NAME,
            "tag": tag.name,
        }

    def description(self, tag):
        return gettext("The latest articles about %(tag)s.") % {"tag": tag.name}

    def link(self, tag):
        return self.absolute(tag.get_absolute_url())


class ExpertFeed(ArticleFeed):
    """The newest articles that quote one expert."""

    def get_object(self, request, slug):
        return Expert.objects.get(slug=slug)

    def filter_articles(self, articles, expert):
        # A subquery rather than a join: an article quoting the expert twice is one item.
        quoting = Quote.objects.filter(expert=expert).values("article_id")
        return articles.filter(pk__in=quoting)

    def title(self, expert):
        return gettext("%(site)s: articles quoting %(expert)s") % {
            "site": settings.NEWSROOM_SITE_NAME,
            "expert": expert.full_name,
        }

    def description(self, expert):
        return gettext("The latest articles quoting %(expert)s.") % {"expert": expert.full_name}

    def link(self, expert):
        return self.absolute(expert.get_absolute_url())


# Atom names the channel's description its subtitle.


class LatestAtomFeed(LatestFeed):
    feed_type = AtomFeed
    subtitle = LatestFeed.description


class SectionAtomFeed(SectionFeed):
    feed_type = AtomFeed
    subtitle = SectionFeed.description


class TagAtomFeed(TagFeed):
    feed_type = AtomFeed
    subtitle = TagFeed.description


class ExpertAtomFeed(ExpertFeed):
    feed_type = AtomFeed
    subtitle = ExpertFeed.description
