"""On PostgreSQL, every hot query of the reader site is answered from an index.

Each test reads ``EXPLAIN`` for a query the pages run, with sequential scans switched
off: if no index could serve the query, PostgreSQL falls back to a sequential scan all
the same, and the test sees it. The budget this protects: pages cost the same with
100,000 articles as with 1,000 (``make bench``).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, DailyShareCount, Quote
from articles.reading.search import search_articles
from articles.tests.factories import (
    make_article,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")


@pytest.fixture
def archive():
    sections = [make_section() for _ in range(3)]
    tags = [make_tag() for _ in range(4)]
    expert = make_expert()
    network = make_network()
    articles = []
    for number in range(60):
        article = make_article(
            section=sections[number % 3],
            tags=tags[: 1 + number % 4],
            published_at=timezone.now() - timedelta(hours=number),
        )
        make_quote(article=article, expert=expert)
        DailyShareCount.objects.create(
            article=article, network=network, day=timezone.localdate(), count=number + 1
        )
        articles.append(article)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"sections": sections, "tags": tags, "expert": expert, "articles": articles}


def plan_of(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def assert_indexed(plan: str, *tables: str) -> None:
    for table in tables:
        assert f"Seq Scan on {table} " not in plan, plan


def published():
    return Article.objects.published().for_listing()


def test_latest_articles_come_from_an_index(archive):
    plan = plan_of(published().latest_first()[:11])

    assert_indexed(plan, "articles_article")


def test_each_sections_newest_come_from_the_section_index(archive):
    section_ids = [section.pk for section in archive["sections"]]
    plan = plan_of(published().top_per_section(4, section_ids))

    assert "article_section_pub" in plan
    assert_indexed(plan, "articles_article")


def test_a_section_page_reads_the_section_index(archive):
    section = archive["sections"][0]
    plan = plan_of(published().filter(section=section).latest_first()[:21])

    assert_indexed(plan, "articles_article")


def test_a_tag_page_reads_indexes_only(archive):
    plan = plan_of(published().filter(tags=archive["tags"][0]).latest_first()[:21])

    assert_indexed(plan, "articles_article", "articles_article_tags")


def test_an_expert_page_reads_indexes_only(archive):
    quotes = Quote.objects.published().filter(expert=archive["expert"])
    plan = plan_of(quotes.order_by("-article__published_at", "position")[:21])

    assert_indexed(plan, "articles_quote", "articles_article")


def test_related_articles_read_indexes_only(archive):
    article = Article.objects.prefetch_related("tags").get(pk=archive["articles"][5].pk)
    plan = plan_of(published().related_to(article.pk, [tag.pk for tag in article.tags.all()], 4))

    assert_indexed(plan, "articles_article", "articles_article_tags", "articles_article_related")


def test_related_articles_among_the_newest_read_indexes_only(archive):
    article = Article.objects.prefetch_related("tags").get(pk=archive["articles"][5].pk)
    since = timezone.now() - timedelta(days=3)
    plan = plan_of(
        published().related_to(article.pk, [tag.pk for tag in article.tags.all()], 4, since=since)
    )

    assert_indexed(plan, "articles_article", "articles_article_tags", "articles_article_related")


def test_most_shared_reads_the_weeks_share_rows_from_indexes(archive):
    plan = plan_of(published().most_shared(limit=5))

    assert_indexed(plan, "articles_dailysharecount", "articles_article")


def test_an_article_is_found_by_its_key(archive):
    plan = plan_of(Article.objects.published().filter(pk=archive["articles"][0].pk))

    assert "articles_article_pkey" in plan


def test_the_next_scheduled_publication_comes_from_the_publication_index(archive):
    upcoming = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).order_by("published_at")[:1]

    assert "article_status_pub" in plan_of(upcoming)


def test_search_finds_a_rare_word_through_its_full_text_index(archive):
    make_article(body_ar="<p>كلمة نادرة جداً: سادكوب.</p>")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        # Fold the index's pending entries in, as autovacuum does on a live site.
        cursor.execute("SELECT gin_clean_pending_list('article_search_vector_ar_gin')")
    plan = plan_of(search_articles(published(), ["سادكوب"], "ar"))

    assert "article_search_vector_ar_gin" in plan
    assert_indexed(plan, "articles_article")
