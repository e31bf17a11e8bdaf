"""Search that finds Arabic words however they are spelled."""

import re

import pytest
from django.db import connection
from django.utils import translation
from lxml import html

from articles.models import Article
from articles.reading.search import highlight, query_terms
from articles.tests.factories import make_article

pytestmark = pytest.mark.django_db


def results(client, query, language="ar"):
    prefix = "/en" if language == "en" else ""
    response = client.get(f"{prefix}/search/", {"q": query})
    assert response.status_code == 200
    return response


def listed(response) -> list[Article]:
    """Return the articles a search page lists, in the order the reader sees them."""
    page = html.fromstring(response.content.decode())
    links = page.xpath('//ol[@class="search-results"]/li[@class="search-result"]/h2/a/@href')
    pks = [int(re.search(r"/articles/(\d+)/", link)[1]) for link in links]
    found = Article.objects.in_bulk(pks)
    return [found[pk] for pk in pks]


@pytest.mark.parametrize(
    "query",
    [
        "الرقة",  # as written
        "الرقه",  # ة typed as ه
        "الرَّقَّة",  # with diacritics
        "الرقـــة",  # with tatweel
        "سجناء داعش",  # two words
        "فرارهم",
        "الى اين يتوجه",  # إلى and أين typed with bare alef
    ],
)
def test_spelling_variants_find_the_seed_report(client, seed_report, query):
    response = results(client, query)

    assert seed_report in listed(response)
    assert seed_report.get_absolute_url() in response.content.decode()


def test_alef_maqsura_and_ya_fold_together(client):
    article = make_article(title_ar="مستشفى المدينة يغلق أبوابه")

    found = listed(results(client, "مستشفي"))

    assert found == [article]


def test_matching_words_are_highlighted_however_spelled(client, seed_report):
    content = results(client, "الرقه").content.decode()

    assert "<mark>الرقة</mark>" in content


def test_results_rank_headline_matches_first_then_recency(client):
    older_headline = make_article(title_ar="أسعار الخبز في حلب", body_ar="<p>تقرير.</p>")
    newer_body_only = make_article(
        title_ar="تقرير اقتصادي", body_ar="<p>ارتفعت أسعار الخبز مجدداً.</p>"
    )

    found = listed(results(client, "الخبز"))

    assert found[0] == older_headline
    assert newer_body_only in found


def test_drafts_and_scheduled_articles_are_never_found(client):
    from datetime import timedelta

    from django.utils import timezone

    make_article(title_ar="مسودة سرية عن دمشق", status=Article.Status.DRAFT)
    make_article(title_ar="مقال مجدول عن دمشق", published_at=timezone.now() + timedelta(days=1))

    assert listed(results(client, "دمشق")) == []


def test_english_search_finds_english_translations_only_on_english_pages(client, seed_report):
    english = results(client, "prisons Raqqa", "en")
    arabic_only = make_article(english=False, title_ar="خبر عن السجون")

    assert seed_report in listed(english)
    assert arabic_only not in listed(results(client, "prisons", "en"))
    with translation.override("en"):
        assert seed_report.get_absolute_url() in english.content.decode()


def test_empty_query_and_no_results_show_helpful_pages(client):
    empty = results(client, "")
    nothing = results(client, "كلمةغيرموجودةأبداً")

    assert 'name="q"' in empty.content.decode()
    assert "لا شيء يطابق" in nothing.content.decode()
    assert "جرّب كلمات أقل" in nothing.content.decode()
    assert listed(empty) == []


def test_highlight_escapes_what_it_marks():
    assert highlight("<b>الرقة</b>", ["الرقه"]) == "&lt;b&gt;<mark>الرقة</mark>&lt;/b&gt;"


def test_query_terms_are_folded_and_deduplicated():
    assert query_terms("الرَّقة  الرقه، إدلب!") == ["الرقه", "ادلب"]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(seed_report):
    """With thousands of articles, a rare word is found through the index, not a scan."""
    if connection.vendor != "postgresql":
        pytest.skip("full-text search runs on PostgreSQL")
    from django.core.management import call_command

    from articles.reading.search import search_articles

    call_command("seed_newsroom", demo=3000, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        # Fold the index's pending entries in, as autovacuum does on a live site.
        cursor.execute("SELECT gin_clean_pending_list('article_search_vector_ar_gin')")
        # At a few thousand rows reading the table whole may cost about the same.
        cursor.execute("SET LOCAL enable_seqscan = off")
    queryset = search_articles(Article.objects.published(), ["سادكوب"], "ar")

    plan = queryset.explain()

    assert "article_search_vector_ar_gin" in plan
    assert list(queryset) == [seed_report]


def test_an_article_is_found_by_the_name_of_its_tags(client):
    from articles.tests.factories import make_tag

    tag = make_tag(name_ar="القامشلي", name_en="Qamishli")
    article = make_article(title_ar="انقطاع الكهرباء", body_ar="<p>لا ذكر للمدينة هنا.</p>")
    article.tags.add(tag)

    assert listed(results(client, "القامشلي")) == [article]
    article.tags.remove(tag)
    assert listed(results(client, "القامشلي")) == []
