"""On SQLite, the listing pages read what they list from the right index, whatever the
planner's statistics say: it keeps one average per index (no per-value figures), and
with the archive's make-up it would otherwise walk every published article newest
first (``make bench`` measured the home page at 34× and the expert page at 61× the
trivial view at 10,000 articles that way).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, DailyShareCount, Quote
from articles.reading import pages
from articles.tests.factories import make_expert, make_network, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's: test_query_plans.py)")


@pytest.fixture
def archive():
    """An archive as the bench sees it, at the size where SQLite's planner chooses
    between its indexes as it does in production: thousands of published articles,
    few shared this week, an expert quoted once (in the newest article) among experts
    quoted hundreds of times. Rows are written in bulk, as the demo generator does."""
    network = make_network()
    section = make_section()
    prolific, once = make_expert(), make_expert()
    now = timezone.now()
    articles = []
    for number in range(3000):
        article = Article(
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=number + 1),
            title_ar=f"مقال {number}",
            body_ar="<p>نص.</p>",
        )
        article.prepare_for_save()
        articles.append(article)
    Article.objects.bulk_create(articles, batch_size=500)
    Quote.objects.bulk_create(
        [Quote(article=article, expert=prolific, text_ar="قول") for article in articles[1::2]]
        + [Quote(article=articles[0], expert=once, text_ar="قول وحيد")],
        batch_size=500,
    )
    today = timezone.localdate()
    DailyShareCount.objects.bulk_create(
        [
            DailyShareCount(
                article=article, network=network, day=today - timedelta(days=day), count=3
            )
            for day in range(7)
            for article in articles[:10]
        ]
        # Old share rows beyond the week, which the week's list must not read.
        + [
            DailyShareCount(
                article=article, network=network, day=today - timedelta(days=90), count=50
            )
            for article in articles[10:]
        ],
        batch_size=500,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"once": once, "articles": articles}


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


def test_most_shared_reads_the_weeks_rows_by_day_not_the_archive(archive):
    plan = plan_of(Article.objects.published().most_shared(limit=5))

    assert "share_count_day" in plan
    assert "article_status_pub" not in plan  # not every published article, newest first
    assert "SCAN articles_article" not in plan


def test_an_expert_quoted_once_is_read_from_the_experts_quotes(archive):
    plan = plan_of(pages.expert_quotes(archive["once"], "ar")[:21])

    assert "articles_quote_expert_id" in plan
    assert "article_status_pub" not in plan
    assert "SCAN articles_article" not in plan


def test_the_home_pages_most_shared_are_the_weeks(archive, client):
    shared = [card.pk for card in pages.home_page("ar").most_shared]

    assert shared and set(shared) <= {article.pk for article in archive["articles"][:10]}
