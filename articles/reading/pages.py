"""The read side's one door: what each public page shows, as typed, frozen values.

A view asks one function here for its page (``home_page``, ``article_page``,
``section_page``...), renders the value it gets, and knows nothing of how it was
fetched. Every query starts from ``published()``. The speed tricks of the hot pages
(queries compiled once, rows read as plain values) live behind this door, in
``articles.reading.sql`` and ``articles.reading.values``: replacing one touches no view
and no template.

Functions take the page's language and, where the page names itself by absolute
address (canonical links, JSON-LD, share images), the public site's ``origin``
("https://news.example"); none of them sees a request. A page that does not exist
raises ``Http404``.
"""

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q, Sum
from django.http import Http404
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext, override
from django.utils.translation import gettext as _
from modeltranslation.translator import translator

from articles.arabic import localize_digits
from articles.links import path_to, short_path
from articles.media.body import lite_body
from articles.memos import Memo, memoized
from articles.models import (
    Article,
    AuthorProfile,
    Correction,
    DailyReadCount,
    DailyShareCount,
    Expert,
    PreviewLink,
    Quote,
    ReachUsPage,
    Section,
    ShareNetwork,
    Tag,
)
from articles.permissions import can_be_previewed
from articles.preview import token_digest
from articles.querysets import translation_filled
from articles.reading import search, seo
from articles.reading.masthead import (  # noqa: F401 (the door's, for views)
    ContactPage,
    Masthead,
    SiteTextPage,
    contact_page,
    empty_masthead,
    masthead,
    site_text_page,
)
from articles.reading.sql import CompiledQuery, run_together
from articles.reading.values import (
    ArticleCard,
    AuthorLink,
    CorrectionItem,
    QuoteItem,
    SectionLink,
    ShareButton,
    TagLink,
    authors_of,
    bare_card_columns,
    card_columns,
    cards_of,
    corrections_of,
    languages_of,
    model_texts,
    quote_columns,
    quotes_of,
    share_buttons_of,
    tags_of,
)
from articles.sanitizing import html_to_text, truncated_text
from articles.sharing import validate_share_template

logger = logging.getLogger("newsroom")

HOME_LATEST = 11
HOME_PER_SECTION = 4
MOST_SHARED = 5
MOST_SHARED_DAYS = 7
# How many of the week's most shared articles are read to find ``MOST_SHARED`` published.
SHARED_CANDIDATES = 4
MOST_READ = 5
MOST_READ_DAYS = 7
# How many of the week's most read articles are read to find ``MOST_READ`` (and one more,
# for a page that leaves out its own) a reader may see in the page's language.
READ_CANDIDATES = 4
SIDE_LATEST = 5
RELATED = 4
# How far back the related list first looks for articles sharing a tag: the newest this
# many (``related_articles``).
RELATED_RECENT = 100
LIST_PAGE_SIZE = 20
# Deeper than any reader goes; crawlers have the sitemaps.
MAX_LIST_PAGE = 1000
MAX_QUERY_LENGTH = 200


def published_articles(language: str, now: datetime | None = None):
    """Return the articles readers of ``language`` may see, newest first, with sections."""
    return Article.objects.published(now).available_in(language).for_listing().latest_first()


# --- Pieces every page has ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageLink:
    """The same page in one language: for the language switch and hreflang links."""

    code: str
    path: str
    url: str
    current: bool


def page_context(page) -> dict:
    """Return a page value as a template's context: each of its fields by name."""
    return {name: getattr(page, name) for name in page.__dataclass_fields__}


def language_links(paths: dict[str, str], *, language: str, origin: str) -> list[LanguageLink]:
    """Return one link per language the page exists in (``paths``: language -> path)."""
    return [
        LanguageLink(code=code, path=path, url=origin + path, current=code == language)
        for code, path in paths.items()
    ]


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where a page of a long list is: newer and older pages, the total where counted."""

    number: int
    has_next: bool
    total_pages: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def is_paginated(self) -> bool:
        return self.has_next or self.has_previous


def page_number(raw: str | None) -> int:
    """Return the page number a reader asked for, or raise Http404 for one no list has."""
    raw = raw or "1"
    number = int(raw) if raw.isdigit() else 0
    if not 1 <= number <= MAX_LIST_PAGE:
        raise Http404(_("There is no such page."))
    return number


def _one_page(rows: list, number: int) -> tuple[list, Pagination]:
    """Return page ``number`` of a newest-first list from its rows, read one row more
    than a page holds (``LIST_PAGE_SIZE + 1``), never COUNT(*): counting every article of
    a section or tag costs in proportion to the archive; readers page with "newer" and
    "older", and need no total."""
    if number > 1 and not rows:
        raise Http404(_("There is no such page."))
    return rows[:LIST_PAGE_SIZE], Pagination(number, has_next=len(rows) > LIST_PAGE_SIZE)


def _start_of(number: int) -> int:
    return (number - 1) * LIST_PAGE_SIZE


# --- Home -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionBlock:
    section: SectionLink
    articles: list[ArticleCard]


@dataclass(frozen=True, slots=True)
class HomePage:
    lead: ArticleCard | None
    latest: list[ArticleCard]
    section_blocks: list[SectionBlock]
    most_shared: list[ArticleCard]
    most_read: list[ArticleCard]


def _home_latest(now, language, limit):
    return published_articles(language, now)[:limit]


def _home_section_blocks(now, shown, section_ids, language, per_section):
    return (
        published_articles(language, now)
        .exclude(pk__in=shown)
        .top_per_section(per_section, section_ids)
    )


HOME_LATEST_QUERY = CompiledQuery(
    "home: latest", Article, _home_latest, columns=bare_card_columns, shape=("language", "limit")
)
ALL_SECTIONS = CompiledQuery(
    "all sections",
    Section,
    lambda: Section.objects.all(),
    columns=lambda: ["pk", *SectionLink.COLUMNS],
)
HOME_SECTION_BLOCKS = CompiledQuery(
    "home: each section's newest",
    Article,
    _home_section_blocks,
    columns=bare_card_columns,
    shape=("language", "per_section"),
)


def week_totals_query(name: str, model) -> CompiledQuery:
    """Return the query of the week's totals of a daily count (shares, reads): article
    ids and numbers, most first, read from the day index alone."""
    return CompiledQuery(
        name,
        model,
        lambda since, until, limit: (
            model.objects.filter(day__range=(since, until))
            .values("article")
            .annotate(total=Sum("count"))
            .filter(total__gt=0)
            .order_by("-total", "-article")[:limit]
        ),
        columns=lambda: ["article", "total"],
        shape=("limit",),
    )


WEEK_SHARE_TOTALS = week_totals_query("most shared: the week's totals", DailyShareCount)
SHARED_CARDS = CompiledQuery(
    "most shared: the cards",
    Article,
    lambda now, ids, language: published_articles(language, now).filter(pk__in=ids),
    columns=bare_card_columns,
    shape=("language",),
)
WEEK_READ_TOTALS = week_totals_query("most read: the week's totals", DailyReadCount)
READ_CARDS = CompiledQuery(
    "most read: the cards",
    Article,
    lambda now, ids, language: published_articles(language, now).filter(pk__in=ids),
    columns=card_columns,
    shape=("language",),
)
# The week's share and read totals (article ids and numbers: no content) for a minute:
# summing a week of share rows is most of what the home page asks of the database, and a
# count a minute old is as good to readers (the page cache keeps whole pages longer).
_week_totals = Memo(
    "reading: the week's most shared and most read article ids, by the minute",
    stale_when="the minute passes (counts only; what is published is read anew)",
    max_size=16,
)
# The week's most read as cards, per language, for a minute: the article page shows
# them beside every article and may not spend a query on them.
_most_read = Memo(
    "reading: the week's most read articles readers may see, as cards, by the minute",
    stale_when=(
        "the minute passes, or a generation starts (an article taken down, retitled or "
        "moved; every such save starts one)"
    ),
    max_size=16,
)


def forget_share_totals() -> None:
    """Forget the week's share and read totals kept for the minute (the tests' clean
    slate)."""
    _week_totals.clear()
    _most_read.clear()


def _week_totals_of(query: CompiledQuery, until, *, days: int, limit: int) -> list[dict]:
    since = until - timedelta(days=days - 1)
    key = (query.name, since, until, limit, int(time.time() // 60))
    return _week_totals.get_or_make(key, lambda: query(since=since, until=until, limit=limit))


def week_share_totals(until, *, limit: int) -> list[dict]:
    """Return the ``limit`` articles shared most in the ``MOST_SHARED_DAYS`` days up to
    ``until`` (ids and totals, most first), whatever their state: counted from the
    week's share rows alone, read from the day index, so the cost follows the week's
    sharing, never the archive. Kept for the current minute."""
    return _week_totals_of(WEEK_SHARE_TOTALS, until, days=MOST_SHARED_DAYS, limit=limit)


def week_read_totals(until, *, limit: int) -> list[dict]:
    """Return the ``limit`` articles read most in the ``MOST_READ_DAYS`` days up to
    ``until`` (ids and totals, most first), whatever their state: summed from the day
    index of the week's read rows alone. Kept for the current minute."""
    return _week_totals_of(WEEK_READ_TOTALS, until, days=MOST_READ_DAYS, limit=limit)


def most_read_cards(language: str, *, now: datetime) -> list[ArticleCard]:
    """Return the week's most read articles readers of ``language`` may see, most read
    first: ``MOST_READ`` and one more (a page leaves out its own article).

    Kept per language for the current minute, so the pages that show them spend no
    query on them but once a minute (two: the totals, then the cards among those
    articles that are published and written in the language); every memo is forgotten
    when a generation starts, so an article taken down leaves the list at once.
    """
    until = timezone.localdate(now)
    key = (language, until, get_script_prefix(), get_urlconf(), int(time.time() // 60))
    return _most_read.get_or_make(key, lambda: _most_read_of(language, now, until))


def _most_read_of(language: str, now: datetime, until) -> list[ArticleCard]:
    limit = MOST_READ + 1
    totals = week_read_totals(until, limit=limit * READ_CANDIDATES)
    reads = {row["article"]: row["total"] for row in totals}
    if not reads:
        return []
    rows = READ_CARDS(now=now, ids=list(reads), language=language)
    rows.sort(key=lambda row: (-reads[row["pk"]], -row["published_at"].timestamp(), -row["pk"]))
    return cards_of(rows[:limit], language)


def _most_shared_call(now: datetime, language: str, limit: int):
    """Return the week's share totals by article id and the query that reads, among
    those articles, the ones readers may see now (None when nothing was shared).

    The week's most shared (``SHARED_CANDIDATES`` times ``limit``) are chosen among
    every article, then those published are kept: an article taken down after a week of
    shares leaves its place to the next. (Chosen among the published ones, the query
    planner would walk the whole archive to find them.)
    """
    totals = week_share_totals(timezone.localdate(now), limit=limit * SHARED_CANDIDATES)
    shares = {row["article"]: row["total"] for row in totals}
    if not shares:
        return shares, None
    return shares, (SHARED_CARDS, {"now": now, "ids": list(shares), "language": language})


def _most_shared_of(
    rows: list[dict], shares: dict, language: str, sections: dict, *, limit: int, leave_out=None
) -> list[ArticleCard]:
    """Return the cards of the most shared, most first, from ``SHARED_CARDS``'s rows."""
    rows = sorted(
        (row for row in rows if row["pk"] != leave_out),
        key=lambda row: (-shares[row["pk"]], -row["published_at"].timestamp(), -row["pk"]),
    )
    return cards_of(rows[:limit], language, sections)


def most_shared_cards(
    language: str, sections: dict[int, dict], *, now: datetime, limit: int = MOST_SHARED
) -> list[ArticleCard]:
    """Return the week's most shared articles readers can see now, most shared first."""
    shares, call = _most_shared_call(now, language, limit)
    if call is None:
        return []
    (rows,) = run_together(call)
    return _most_shared_of(rows, shares, language, sections, limit=limit)


def home_page(language: str, *, now: datetime | None = None) -> HomePage:
    """Return the front page: the lead story, the latest, a block per section, the most
    shared and the most read this week. Four queries whatever the number of sections or
    articles (and, once a minute, the week's totals)."""
    now = now or timezone.now()
    latest_rows, sections = run_together(
        (HOME_LATEST_QUERY, {"now": now, "language": language, "limit": HOME_LATEST}),
        (ALL_SECTIONS, {}),
    )
    by_id = {section["pk"]: section for section in sections}
    latest = cards_of(latest_rows, language, by_id)
    blocks: dict[int, list[dict]] = {}
    if sections:
        rows = HOME_SECTION_BLOCKS(
            now=now,
            shown=[card.pk for card in latest],
            section_ids=[section["pk"] for section in sections],
            language=language,
            per_section=HOME_PER_SECTION,
        )
        for row in rows:
            blocks.setdefault(row["section_id"], []).append(row)
    section_blocks = []
    for section in sections:
        if section["pk"] in blocks:
            cards = cards_of(blocks[section["pk"]], language, by_id)
            section_blocks.append(SectionBlock(section=cards[0].section, articles=cards))
    return HomePage(
        lead=latest[0] if latest else None,
        latest=latest[1:],
        section_blocks=section_blocks,
        most_shared=most_shared_cards(language, by_id, now=now),
        most_read=most_read_cards(language, now=now)[:MOST_READ],
    )


# --- Article --------------------------------------------------------------------------


# What a reader's page of an article never shows: the folded search text, what tells
# the desk that a translation is outdated, who created and last saved it, and the
# columns modeltranslation keeps beside each language's own (the descriptor reads the
# language's). Left unread (the instance has them deferred), they cost the page nothing;
# the search text alone is as long as the body in both languages.
_UNREAD_ARTICLE_FIELDS = {
    "search_ar",
    "search_en",
    "content_hash_ar",
    "content_hash_en",
    "content_changed_ar",
    "content_changed_en",
    "import_key",
    "created_at",
    "created_by_id",
    "updated_by_id",
    *translator.get_options_for_model(Article).all_fields,
}
_ARTICLE_FIELDS = [
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname not in _UNREAD_ARTICLE_FIELDS
]
_SECTION_FIELDS = [field.attname for field in Section._meta.concrete_fields]

PUBLISHED_ARTICLE = CompiledQuery(
    "article",
    Article,
    lambda pk, now: Article.objects.published(now).filter(pk=pk),
    columns=lambda: [*_ARTICLE_FIELDS, *(f"section__{name}" for name in _SECTION_FIELDS)],
)
ARTICLE_TAGS = CompiledQuery(
    "article: tags",
    Tag,
    lambda pk: Tag.objects.filter(articles=pk),
    columns=lambda: TagLink.COLUMNS,
)
ARTICLE_AUTHORS = CompiledQuery(
    "article: bylines",
    AuthorProfile,
    lambda pk: AuthorProfile.objects.filter(articles=pk).order_by("pk"),
    columns=lambda: AuthorLink.COLUMNS,
)
ARTICLE_CORRECTIONS = CompiledQuery(
    "article: corrections",
    Correction,
    lambda pk: Correction.objects.filter(article=pk),
    columns=lambda: CorrectionItem.COLUMNS,
)
ARTICLE_QUOTES = CompiledQuery(
    "article: quotes", Quote, lambda pk: Quote.objects.filter(article=pk), columns=quote_columns
)
RELATED_ARTICLES = CompiledQuery(
    "article: related",
    Article,
    lambda pk, tag_ids, now, language, limit: (
        Article.objects.published(now).available_in(language).related_to(pk, tag_ids, limit)
    ),
    columns=card_columns,
    shape=("language", "limit"),
)
RECENT_RELATED_ARTICLES = CompiledQuery(
    "article: related, among the newest",
    Article,
    lambda pk, tag_ids, now, since, language, limit: (
        Article.objects.published(now)
        .available_in(language)
        .related_to(pk, tag_ids, limit, since=since)
    ),
    columns=card_columns,
    shape=("language", "limit"),
)
RECENT_START = CompiledQuery(
    "the publication time of the newest articles",
    Article,
    lambda now, count: Article.objects.published(now).order_by("-published_at", "-pk")[
        count - 1 : count
    ],
    columns=lambda: ["published_at"],
    shape=("count",),
)
SIDE_COLUMN = CompiledQuery(
    "article: side column",
    Article,
    # The newest (a small subquery read from the publication index) and the week's most
    # shared among ``ids`` (their share totals are kept for a minute), in one query.
    lambda now, ids, language, latest: published_articles(language, now).filter(
        Q(pk__in=published_articles(language, now).values("pk")[:latest]) | Q(pk__in=ids)
    ),
    columns=card_columns,
    shape=("language", "latest"),
)
ACTIVE_SHARE_NETWORKS = CompiledQuery(
    "active share networks",
    ShareNetwork,
    lambda: ShareNetwork.objects.filter(is_active=True),
    columns=lambda: ShareButton.COLUMNS,
)


_share_networks = Memo(
    "reading: the active share networks, by the minute",
    stale_when="a share network is saved or deleted (a page-cache generation starts, which "
    "empties this memo in every worker; without a page cache, in this worker only), or "
    "the minute passes",
    max_size=2,
)


def active_share_networks() -> list[dict]:
    """Return the rows of the share networks pages offer, in their order: the same for
    every page, read once a minute per worker."""
    return _share_networks.get_or_make(int(time.time() // 60), ACTIVE_SHARE_NETWORKS)


def previewed_article(token: str) -> Article:
    """Return the article an outside preview link opens, with its section, or raise Http404.

    The link must be recorded, neither revoked nor expired, and its article still one
    readers cannot see (not live, not archived): a published article is read at its own
    address, never as a preview.
    """
    now = timezone.now()
    # From the primary, never a replica that may trail it: a link revoked, or an
    # article published, a moment ago opens nothing.
    link = (
        PreviewLink.objects.using(router.db_for_write(PreviewLink))
        .active(now=now)
        .select_related("article__section")
        .filter(token_digest=token_digest(token))
        .first()
    )
    if link is None or not can_be_previewed(link.article):
        raise Http404(_("This preview link is not valid or has expired."))
    return link.article


def published_article(pk: int, *, now: datetime | None = None) -> Article:
    """Return the published article ``pk``, with its section, or raise Http404."""
    rows = PUBLISHED_ARTICLE(pk=pk, now=now or timezone.now())
    if not rows:
        raise Http404(_("No published article has this id."))
    row = rows[0]
    database = router.db_for_read(Article)
    # Model.from_db is how the ORM itself makes instances of the rows it reads.
    article = Article.from_db(database, _ARTICLE_FIELDS, [row[name] for name in _ARTICLE_FIELDS])
    article.section = Section.from_db(
        database, _SECTION_FIELDS, [row[f"section__{name}"] for name in _SECTION_FIELDS]
    )
    return article


@dataclass(frozen=True, slots=True)
class SideColumn:
    """Beside every article: the newest and the week's most shared, one more of each
    than an article page shows (the page's own article may be among them)."""

    latest: list[ArticleCard]
    most_shared: list[ArticleCard]


_side_columns = Memo(
    "reading: the article pages' side column, per language, by the minute",
    stale_when="an article is published, changed or taken down (each starts a page-cache "
    "generation, which empties this memo in every worker; without a page cache, in this "
    "worker only), or the minute passes: a scheduled article joins it within the minute",
    max_size=8,
)


_recent_starts = Memo(
    "reading: when the newest articles begin, by the minute",
    stale_when="an article is published or taken down (each starts a page-cache "
    "generation, which empties this memo in every worker; without a page cache, in this "
    "worker only), or the minute passes; an article published since is newer still, and "
    "among them anyway",
    max_size=2,
)


def related_articles(pk: int, tag_ids: list[int], *, language: str, now: datetime) -> list:
    """Return the rows of article ``pk``'s related list (``querysets.related_to``).

    First among the newest ``RELATED_RECENT`` articles only (when they begin is the same
    for every article page, read once a minute): one short walk down the publication
    index, where a subquery per tag would read each tag's newest. Where that finds a
    full list it is the list; where it finds fewer (rare tags, a quiet week), older
    articles may belong in it, and the list is read again from the whole archive.
    """
    since = _recent_starts.get_or_make(int(time.time() // 60), lambda: _recent_start(now))
    arguments = {"pk": pk, "tag_ids": tag_ids, "now": now, "language": language, "limit": RELATED}
    if since is not None:
        rows = RECENT_RELATED_ARTICLES(since=since, **arguments)
        if len(rows) == RELATED:
            return rows
    return RELATED_ARTICLES(**arguments)


def _recent_start(now: datetime) -> datetime | None:
    """Return when the newest ``RELATED_RECENT`` published articles begin; None when
    there are no more than that (the whole archive is the newest)."""
    rows = RECENT_START(now=now, count=RELATED_RECENT)
    return rows[0]["published_at"] if rows else None


def side_column(language: str, *, now: datetime) -> SideColumn:
    """Return the side column every article page shows, the same beside each of them:
    read once a minute per language and worker, not once per page."""
    key = (language, get_script_prefix(), get_urlconf(), int(time.time() // 60))
    return _side_columns.get_or_make(key, lambda: _side_column(language, now))


def _side_column(language: str, now: datetime) -> SideColumn:
    totals = week_share_totals(timezone.localdate(now), limit=(MOST_SHARED + 1) * SHARED_CANDIDATES)
    shares = {row["article"]: row["total"] for row in totals}
    side = {"now": now, "ids": list(shares), "language": language, "latest": SIDE_LATEST + 1}
    rows = SIDE_COLUMN(**side)
    # Newest first, as the query reads them: the newest are the first, whatever else.
    return SideColumn(
        latest=cards_of(rows[: SIDE_LATEST + 1], language),
        most_shared=_most_shared_of(
            [row for row in rows if row["pk"] in shares],
            shares,
            language,
            None,
            limit=MOST_SHARED + 1,
        ),
    )


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """An article as readers see it (or, for a preview, will see it)."""

    article: Article
    description: str
    tags: list[TagLink]
    authors: list[AuthorLink]
    quotes: list[QuoteItem]
    pull_quotes: list[QuoteItem]
    corrections: list[CorrectionItem]
    related_articles: list[ArticleCard]
    is_preview: bool
    # The body around the pull quotes: after its first paragraph, where there is one.
    body_start: str  # sanitized on save (the template marks it safe)
    body_rest: str
    # The side column (beside the article on a wide screen, after it on a phone).
    side_latest: list[ArticleCard]
    side_most_shared: list[ArticleCard]
    side_most_read: list[ArticleCard]
    # Where the page's script counts a read (``/r/<id>/``); none on a preview.
    read_path: str = ""
    share_networks: list[ShareButton] = field(default_factory=list)
    language_links: list[LanguageLink] = field(default_factory=list)
    canonical_url: str = ""
    # What share buttons and "copy link" give: the short address, in the page's language.
    share_url: str = ""
    social_tags: list[tuple[str, str]] = field(default_factory=list)
    structured_data: SafeString = field(default_factory=SafeString)


def article_paths(article: Article) -> dict[str, str]:
    """Return the article's path in each language it exists in."""
    return {code: Article.paths(code)(article) for code in article.languages}


def article_description(article: Article) -> str:
    """Return the article's standfirst, or the start of its text: the page's description."""
    if article.summary:
        return article.summary
    key = (article.pk, article.edit_version, get_language())
    return _text_starts.get_or_make(key, lambda: truncated_text(article.body, 200))


_text_starts = Memo(
    "reading: the start of an article's text, as its description",
    stale_when="never: the key holds the article's edit version, new with every save",
    max_size=512,
)


@memoized(stale_when="collectstatic wrote new files (a deploy restarts the workers)", max_size=4)
def _static(path: str) -> str:
    return static(path)


_FIRST_PARAGRAPH = re.compile(r"\A\s*<p\b[^>]*>.*?</p>", re.S)


def split_body(body: str) -> tuple[str, str]:
    """Return the sanitized ``body`` cut after its first paragraph (all of it first when
    it does not begin with one). A sanitized paragraph holds no other block, so its
    first ``</p>`` closes it. Plain strings, as the body is: the template marks the
    sanitized text safe where it shows it, as it does the whole body."""
    match = _FIRST_PARAGRAPH.match(body)
    end = match.end() if match else len(body)
    return body[:end], body[end:]


def article_page(
    article: Article, *, language: str, origin: str, preview: bool = False
) -> ArticlePage:
    """Return the page of ``article``, as readers see it or, for a preview, will see it.

    A preview shows no share links (sharing a draft would lead readers to a 404) and
    names no language alternates, nor anything search engines or chat apps read; nor
    does it count as a read (no ``read_path``).
    """
    pk = {"pk": article.pk}
    now = timezone.now()
    # One round trip for all of them where the database allows (PostgreSQL).
    tag_rows, author_rows, correction_rows, quote_rows = run_together(
        (ARTICLE_TAGS, pk),
        (ARTICLE_AUTHORS, pk),
        (ARTICLE_CORRECTIONS, pk),
        (ARTICLE_QUOTES, pk),
    )
    side = side_column(language, now=now)
    side_latest = [card for card in side.latest if card.pk != article.pk][:SIDE_LATEST]
    side_most_shared = [card for card in side.most_shared if card.pk != article.pk][:MOST_SHARED]
    tags = tags_of(tag_rows, language)
    quotes = quotes_of(quote_rows, language)
    authors = authors_of(author_rows, language)
    related = related_articles(article.pk, [tag.pk for tag in tags], language=language, now=now)
    description = article_description(article)
    body_start, body_rest = split_body(article.body)
    common = {
        "article": article,
        "description": description,
        "tags": tags,
        "authors": authors,
        # An editor's choice is shown once, as a pull quote, and not again in the list.
        "quotes": [quote for quote in quotes if not quote.highlighted],
        "pull_quotes": [quote for quote in quotes if quote.highlighted],
        "corrections": corrections_of(correction_rows, language),
        "related_articles": cards_of(related, language),
        "is_preview": preview,
        "body_start": body_start,
        "body_rest": body_rest,
        "side_latest": side_latest,
        "side_most_shared": side_most_shared,
        # Kept for the minute: no query (``most_read_cards``).
        "side_most_read": [
            card for card in most_read_cards(language, now=now) if card.pk != article.pk
        ][:MOST_READ],
    }
    if preview:
        return ArticlePage(**common)
    paths = article_paths(article)
    canonical = origin + paths[language]
    facts = seo.ArticleFacts(
        headline=article.title,
        description=description,
        url=canonical,
        language=language,
        published=article.published_at,
        modified=article.updated_at,
        section=article.section.name,
        site_name=str(settings.NEWSROOM_SITE_NAME),
        publisher_logo=seo.Image(
            url=origin + _static("img/logo.png"), width=600, height=60, type="image/png"
        ),
        authors=[seo.Byline(name=author.name, url=origin + author.url) for author in authors],
        keywords=[tag.name for tag in tags],
        image=share_image(
            lambda: _article_share_image(article, language), origin=origin, alt=article.title
        ),
        alternate_languages=article.languages,
        piece_type=article.piece_type,
        # Kept per language (the masthead's memo): no query.
        policies=masthead(language).policies(origin),
    )
    structured_data = seo.jsonld_script(seo.news_article(facts))
    if article.piece_type == Article.PieceType.FACT_CHECK and article.claim_rating:
        claim = seo.ClaimFacts(
            claim=article.claim,
            author=article.claim_author,
            author_url=article.claim_author_url,
            made_on=article.claim_date,
            rating=article.claim_rating,
            rating_label=capfirst(article.get_claim_rating_display()),
        )
        structured_data += seo.jsonld_script(seo.claim_review(facts, claim))
    return ArticlePage(
        **common,
        share_networks=share_buttons_of(
            active_share_networks(), language, view="articles:share", pk=article.pk
        ),
        language_links=language_links(paths, language=language, origin=origin),
        canonical_url=canonical,
        share_url=origin + short_path(article.pk),
        read_path=path_to("read", pk=article.pk),
        social_tags=seo.open_graph(facts),
        structured_data=structured_data,
    )


def _article_share_image(article, language):
    from articles.media.images import article_share_image

    return article_share_image(article, language=language)


def share_image(make, *, origin: str, alt: str) -> seo.Image | None:
    """Return a share image or quote card made by ``make()``, with its absolute URL.

    A page without its picture beats no page: on failure it is logged and made next time.
    """
    try:
        stored = make()
    except Exception:
        logger.exception("No share image (%s)", alt)
        return None
    url = stored.url if "://" in stored.url else origin + stored.url
    return seo.Image(
        url=url, width=stored.width, height=stored.height, type=stored.mime_type, alt=alt
    )


# --- Lists: section, tag, expert ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionPage:
    section: Section
    articles: list[ArticleCard]
    pagination: Pagination


@dataclass(frozen=True, slots=True)
class TagPage:
    tag: Tag
    articles: list[ArticleCard]
    pagination: Pagination


# A page of a list reads one row more than it shows, to know whether an older page follows.
SECTION_CARDS = CompiledQuery(
    "section: a page of its articles",
    Article,
    lambda now, section_id, language, start: published_articles(language, now).filter(
        section_id=section_id
    )[start : start + LIST_PAGE_SIZE + 1],
    columns=card_columns,
    shape=("language", "start"),
)
TAG_CARDS = CompiledQuery(
    "tag: a page of its articles",
    Article,
    lambda now, tag_id, language, start: published_articles(language, now).filter(tags=tag_id)[
        start : start + LIST_PAGE_SIZE + 1
    ],
    columns=card_columns,
    shape=("language", "start"),
)


class BySlug:
    """How a reader page finds its section, tag, expert or author: by the slug in its
    address, in one compiled query, the row made an instance as the ORM makes them
    (``Model.from_db``), or a 404 saying what is missing. ``fields`` are the columns
    read, every concrete one by default (an author's leaves out who writes under it)."""

    def __init__(self, model, missing, *, fields: list[str] | None = None):
        self.model = model
        self.missing = missing  # translated when it is raised, in the reader's language
        self.fields = fields or [field.attname for field in model._meta.concrete_fields]
        self.query = CompiledQuery(
            f"{model._meta.model_name} by its slug",
            model,
            lambda slug: model.objects.filter(slug=slug),
            columns=lambda: self.fields,
        )

    def __call__(self, slug: str):
        rows = self.query(slug=slug)
        if not rows:
            raise Http404(str(self.missing))
        database = router.db_for_read(self.model)
        return self.model.from_db(database, self.fields, [rows[0][name] for name in self.fields])


SECTION_BY_SLUG = BySlug(Section, gettext_lazy("There is no such section."))
TAG_BY_SLUG = BySlug(Tag, gettext_lazy("There is no such tag."))
EXPERT_BY_SLUG = BySlug(Expert, gettext_lazy("There is no such expert."))
# Who writes under a profile is never read by a reader page (a pen name's writer).
AUTHOR_BY_SLUG = BySlug(
    AuthorProfile,
    gettext_lazy("There is no such author."),
    fields=[
        field.attname for field in AuthorProfile._meta.concrete_fields if field.name != "account"
    ],
)


def _cards_page(query: CompiledQuery, number: int, language: str, **arguments) -> dict:
    """Return page ``number`` of a list as cards, with where it is in the list."""
    rows = query(now=timezone.now(), language=language, start=_start_of(number), **arguments)
    rows, pagination = _one_page(rows, number)
    return {"articles": cards_of(rows, language), "pagination": pagination}


def section_page(slug: str, *, language: str, number: int = 1) -> SectionPage:
    """Return a page of a section's articles, newest first. Two compiled queries."""
    section = SECTION_BY_SLUG(slug)
    cards = _cards_page(SECTION_CARDS, number, language, section_id=section.pk)
    return SectionPage(section=section, **cards)


def tag_page(slug: str, *, language: str, number: int = 1) -> TagPage:
    """Return a page of the articles about a place, organization or topic, newest first.
    Two compiled queries."""
    tag = TAG_BY_SLUG(slug)
    return TagPage(tag=tag, **_cards_page(TAG_CARDS, number, language, tag_id=tag.pk))


@dataclass(frozen=True, slots=True)
class ExpertPage:
    expert: Expert
    quotes: list[QuoteItem]
    pagination: Pagination
    structured_data: SafeString


def expert_quotes(expert, language: str, now: datetime | None = None):
    """Return an expert's published quotes readable in ``language``, newest first.

    On SQLite they are read from the expert's own quotes (``pk IN`` their index), newest
    first among those: asked as ``expert=…``, SQLite's planner, which knows only the
    average number of quotes per expert, walks the whole archive newest first for an
    expert quoted once. PostgreSQL keeps figures per expert and plans ``expert=…`` well
    (and the ``IN`` badly: it scans every quote).
    """
    quotes = Quote.objects.published(now)
    if connections[router.db_for_read(Quote)].vendor == "sqlite":
        quotes = quotes.filter(pk__in=Quote.objects.filter(expert=expert).values("pk"))
    else:
        quotes = quotes.filter(expert=expert)
    if language != settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
        quotes = quotes.filter(
            translation_filled("title", language, prefix="article__")
            & translation_filled("body", language, prefix="article__")
        )
    return quotes.order_by("-article__published_at", "position")


EXPERT_QUOTES = CompiledQuery(
    "expert: a page of their quotes",
    Quote,
    lambda now, expert_id, language, start: expert_quotes(expert_id, language, now)[
        start : start + LIST_PAGE_SIZE + 1
    ],
    columns=lambda: quote_columns(with_article=True),
    shape=("language", "start"),
    # Experts are quoted once or hundreds of times: planned for each one.
    prepared=False,
)


def expert_page(slug: str, *, language: str, origin: str, number: int = 1) -> ExpertPage:
    """Return an expert and a page of their published quotes, newest first. Two compiled
    queries."""
    expert = EXPERT_BY_SLUG(slug)
    start = (number - 1) * LIST_PAGE_SIZE
    rows = EXPERT_QUOTES(now=timezone.now(), expert_id=expert.pk, language=language, start=start)
    if number > 1 and not rows:
        raise Http404(_("There is no such page."))
    rows, pagination = (
        rows[:LIST_PAGE_SIZE],
        Pagination(number, has_next=len(rows) > LIST_PAGE_SIZE),
    )
    photo = ""
    if expert.photo:
        photo = expert.photo.url if "://" in expert.photo.url else origin + expert.photo.url
    data = seo.person(
        name=expert.full_name,
        url=origin + expert.get_absolute_url(),
        job_title=expert.role,
        honorific=expert.honorific,
        image=photo,
        description=html_to_text(expert.bio),
        affiliation=expert.affiliation,
    )
    return ExpertPage(
        expert=expert,
        quotes=quotes_of(rows, language),
        pagination=pagination,
        structured_data=seo.jsonld_script(data),
    )


@dataclass(frozen=True, slots=True)
class AuthorPage:
    """An author profile's page: its public fields and a page of its articles."""

    author: AuthorProfile
    articles: list[ArticleCard]
    pagination: Pagination
    structured_data: SafeString


# Who writes under a pen name is never read for a reader page: the instance a page
# shows does not even hold it.
AUTHOR_CARDS = CompiledQuery(
    "author profile: a page of its articles",
    Article,
    lambda now, author_id, language, start: published_articles(language, now).filter(
        bylines=author_id
    )[start : start + LIST_PAGE_SIZE + 1],
    columns=card_columns,
    shape=("language", "start"),
)


def author_page(slug: str, *, language: str, origin: str, number: int = 1) -> AuthorPage:
    """Return an author profile and a page of the published articles it signs, newest
    first. Two compiled queries."""
    author = AUTHOR_BY_SLUG(slug)
    cards = _cards_page(AUTHOR_CARDS, number, language, author_id=author.pk)
    photo = ""
    if author.photo:
        photo = author.photo.url if "://" in author.photo.url else origin + author.photo.url
    data = seo.person(
        name=author.name,
        url=origin + author.get_absolute_url(),
        image=photo,
        description=author.short_bio,
    )
    return AuthorPage(author=author, structured_data=seo.jsonld_script(data), **cards)


# --- Lite edition ---------------------------------------------------------------------
#
# Text pages for throttled links and shutdowns (``/lite/``): the same articles and
# lists, without pictures, scripts, fonts or style sheets. Pictures are a link to one
# small rendition; the page names its full twin as canonical.

LITE_LATEST = LIST_PAGE_SIZE
LITE_IMAGE_PRESET = "hero"


@dataclass(frozen=True, slots=True)
class LiteImage:
    """A picture a lite reader may choose to load: a link to one small rendition."""

    url: str
    alt: str
    caption: str
    credit: str


@dataclass(frozen=True, slots=True)
class LiteHomePage:
    latest: list[ArticleCard]
    sections: list[SectionLink]
    canonical_url: str


@dataclass(frozen=True, slots=True)
class LiteArticlePage:
    article: Article
    body: str  # sanitized: the stored body, its pictures as links (media.body.lite_body)
    authors: list[AuthorLink]
    corrections: list[CorrectionItem]
    image: LiteImage | None
    canonical_url: str


def lite_home_page(language: str, *, origin: str, now: datetime | None = None) -> LiteHomePage:
    """Return the lite front page: the latest articles and every section. Two queries,
    both the full front page's own."""
    now = now or timezone.now()
    latest_rows, sections = run_together(
        (HOME_LATEST_QUERY, {"now": now, "language": language, "limit": LITE_LATEST}),
        (ALL_SECTIONS, {}),
    )
    latest = cards_of(latest_rows, language, {section["pk"]: section for section in sections})
    texts = model_texts(Section, ("name",), language)
    with override(language):
        section_paths = Section.paths()
        canonical = origin + path_to("articles:home")
    sections = [
        SectionLink(slug=row["slug"], paths=section_paths, **texts(row)) for row in ALL_SECTIONS()
    ]
    return LiteHomePage(latest=latest, sections=sections, canonical_url=canonical)


def lite_section_page(slug: str, *, language: str, number: int = 1) -> SectionPage:
    """Return a page of a section's articles for the lite edition: the full page's list."""
    return section_page(slug, language=language, number=number)


def lite_article_page(article: Article, *, language: str, origin: str) -> LiteArticlePage:
    """Return ``article`` as the lite edition shows it: the text, its byline and
    corrections, and a link to its picture. One round trip besides the article's.

    Its canonical address is the full article's: the lite page stays indexable (no
    "noindex", which beside a canonical would send search engines contrary signals),
    and search engines fold it into the full page. No sitemap lists it.
    """
    pk = {"pk": article.pk}
    author_rows, correction_rows = run_together((ARTICLE_AUTHORS, pk), (ARTICLE_CORRECTIONS, pk))
    with override(language):
        canonical = origin + article.get_absolute_url()
    return LiteArticlePage(
        article=article,
        body=lite_body(article.body),
        authors=authors_of(author_rows, language),
        corrections=corrections_of(correction_rows, language),
        image=_lite_image(article),
        canonical_url=canonical,
    )


def _lite_image(article: Article) -> LiteImage | None:
    if not article.lead_image:
        return None
    from articles.media.images import smallest_rendition_url

    try:
        url = smallest_rendition_url(article.lead_image, LITE_IMAGE_PRESET)
    except Exception:
        # A page without its picture's rendition beats no page: link the original.
        logger.exception("No lite rendition for %s", article.lead_image.name)
        url = article.lead_image.url
    return LiteImage(
        url=url,
        alt=article.lead_image_alt,
        caption=article.lead_image_caption,
        credit=article.lead_image_credit,
    )


# --- Quote ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuotePage:
    quote: Quote
    article: Article
    expert: Expert
    share_networks: list[ShareButton]
    language_links: list[LanguageLink]
    canonical_url: str
    # A quote is shared as its own page (its card, its words), not as the article.
    share_url: str
    card: seo.Image | None
    structured_data: SafeString


def published_quote(pk: int) -> Quote:
    """Return the quote ``pk`` of a published article, with its article and expert."""
    quote = (
        Quote.objects.published()
        .select_related("article", "article__section", "expert")
        .filter(pk=pk)
        .first()
    )
    if quote is None:
        raise Http404(_("There is no such quote."))
    return quote


def quote_page(quote: Quote, *, language: str, origin: str) -> QuotePage:
    """Return a quote's own page: the words, who said them, the article, share links."""
    from articles.media.images import quote_card_image

    paths = {}
    for code in quote.article.languages:
        with override(code):
            paths[code] = quote.get_absolute_url()
    canonical = origin + paths[language]
    return QuotePage(
        quote=quote,
        article=quote.article,
        expert=quote.expert,
        share_networks=share_buttons_of(
            active_share_networks(), language, view="articles:quote_share", pk=quote.pk
        ),
        language_links=language_links(paths, language=language, origin=origin),
        canonical_url=canonical,
        share_url=canonical,
        card=share_image(
            lambda: quote_card_image(quote, language=language), origin=origin, alt=quote.share_text
        ),
        structured_data=seo.jsonld_script(
            seo.quotation(
                text=quote.text,
                speaker=quote.expert.full_name,
                speaker_url=origin + quote.expert.get_absolute_url(),
                article_url=origin + quote.article.get_absolute_url(),
                url=canonical,
                language=language,
            )
        ),
    )


# --- Search ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchResult:
    card: ArticleCard
    highlighted_title: SafeString
    excerpt: SafeString


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    results: list[SearchResult]
    found: int
    found_text: str
    candidates: int
    pagination: Pagination


def search_page(query: str, *, language: str, number: int = 1) -> SearchPage:
    """Return a page of the published articles of ``language`` matching ``query``, best
    first, Arabic spelling folded: ranked once, then paged."""
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    terms = search.query_terms(query)
    articles = Article.objects.published().available_in(language)
    matches = search.search_articles(articles, terms, language)
    if isinstance(matches, list):
        ids = [article.pk for article in matches]
    else:
        ids = list(matches.values_list("pk", flat=True))
    pages = max(1, -(-len(ids) // LIST_PAGE_SIZE))
    if number > pages:
        raise Http404(_("There is no such page."))
    page_ids = ids[(number - 1) * LIST_PAGE_SIZE : number * LIST_PAGE_SIZE]
    found = articles.for_listing().filter(pk__in=page_ids)
    rows = {row["pk"]: row for row in found.values(*card_columns(), *languages_of("body"))}
    ordered = [rows[pk] for pk in page_ids if pk in rows]
    results = []
    for card, row in zip(cards_of(ordered, language), ordered, strict=True):
        text = card.summary or html_to_text(row[f"body_{language}"] or row["body_ar"])
        results.append(
            SearchResult(
                card=card,
                highlighted_title=search.highlight(card.title, terms),
                excerpt=search.excerpt(text, terms),
            )
        )
    return SearchPage(
        query=query,
        results=results,
        found=len(ids),
        # Here, not in the template: makemessages cannot extract a plural from Jinja2.
        found_text=ngettext("%(shown)s article found.", "%(shown)s articles found.", len(ids))
        % {"shown": _digits(len(ids), language)},
        candidates=search.CANDIDATES,
        pagination=Pagination(number, has_next=number < pages, total_pages=pages),
    )


def _digits(number: int, language: str) -> str:
    text = str(number)
    return localize_digits(text, settings.NEWSROOM_DIGITS) if language == "ar" else text


# --- Sharing --------------------------------------------------------------------------


# --- How to reach us when the site is blocked -------------------------------------------


@dataclass(frozen=True, slots=True)
class ReachUs:
    """The reach-us page: the editors' text, and every way in the settings name."""

    body: str  # sanitized on save (the template marks it safe); empty when none was written
    main_url: str  # "" when NEWSROOM_SITE_URL is not set
    mirror_urls: tuple[str, ...]
    onion_url: str
    telegram_url: str


def reach_us_page(*, language: str) -> ReachUs:
    """Return the reach-us page in ``language`` (its text falls back to Arabic).

    The addresses are the deployment's (``NEWSROOM_SITE_URL``, ``NEWSROOM_MIRROR_HOSTS``,
    ``NEWSROOM_ONION_URL``); the text and the Telegram channel are the editors'.
    """
    row = ReachUsPage.objects.filter(pk=ReachUsPage.SINGLE_PK).first()
    body, telegram = "", ""
    if row is not None:
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        body = getattr(row, f"body_{language}", "") or getattr(row, f"body_{default}", "") or ""
        telegram = row.telegram_url
    return ReachUs(
        body=body,
        main_url=settings.NEWSROOM_SITE_URL,
        mirror_urls=tuple(f"https://{host}/" for host in settings.NEWSROOM_MIRROR_HOSTS),
        onion_url=settings.NEWSROOM_ONION_URL,
        telegram_url=telegram,
    )


@dataclass(frozen=True, slots=True)
class ShareTarget:
    """What a share click shares: the page's path (an article's short one) and its
    title, in the share's language."""

    article: Article
    network: ShareNetwork
    language: str
    path: str
    title: str


def share_target(
    *, network_slug: str, language: str, article_pk: int | None = None, quote_pk: int | None = None
) -> ShareTarget:
    """Return what sharing an article (or a quote of one) through a network shares.

    An article is shared by its short address; a quote as its own page, with the words
    and who said them, and it counts as a share of its article. An article not written
    in ``language`` is shared in Arabic.
    """
    network = ShareNetwork.objects.filter(slug=network_slug, is_active=True).first()
    if network is None:
        raise Http404(_("There is no such share network."))
    try:
        validate_share_template(network.url_template)
    except ValidationError:
        raise Http404(_("This share network is misconfigured.")) from None
    if quote_pk is not None:
        quote = published_quote(quote_pk)
        article, shared = quote.article, quote
    else:
        article = Article.objects.published().filter(pk=article_pk).first()
        if article is None:
            raise Http404(_("No published article has this id."))
        shared = article
    if not article.is_available_in(language):
        language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    with override(language):
        if quote_pk is not None:
            title, path = shared.share_text, shared.get_absolute_url()
        else:
            title, path = shared.title, short_path(article.pk)
    return ShareTarget(article=article, network=network, language=language, path=path, title=title)
