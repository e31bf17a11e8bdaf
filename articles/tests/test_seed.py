"""The seed report as data, and the demo generator."""

import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import (
    Article,
    DailyShareCount,
    Expert,
    Quote,
    Section,
    ShareNetwork,
    Tag,
)

pytestmark = pytest.mark.django_db

SHARED_REPORT = (
    Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_5f667f3733499231.txt"
)
MODELS = (Article, Expert, Quote, Section, ShareNetwork, Tag, Article.tags.through)


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def paragraphs(html: str) -> list[str]:
    return [unescape(text) for text in re.findall(r"<p>(.*?)</p>", html, flags=re.S)]


def test_seeding_twice_leaves_the_same_rows(seeded):
    first = row_counts()

    call_command("seed_newsroom", verbosity=0)

    assert row_counts() == first
    assert first["Article"] == 1
    assert first["Quote"] == 2
    assert first["ShareNetwork"] == 5


def test_reseeding_keeps_the_publication_time_and_editors_changes(seed_report):
    published_at = seed_report.published_at
    seed_report.summary_ar = "مقدمة كتبها محرر"
    seed_report.save()

    call_command("seed_newsroom", verbosity=0)

    seed_report.refresh_from_db()
    assert seed_report.published_at == published_at
    assert seed_report.summary_ar == "مقدمة كتبها محرر"


def test_seed_report_body_is_the_published_text(seed_report):
    body = paragraphs(seed_report.body_ar)

    assert len(body) == 13
    assert body[0].startswith("عادت قصص فرار سجناء داعش")
    assert body[-1].startswith("وتحدثت مصادرنا وقتها")
    # Page furniture is not body text.
    for furniture in ("Facebook", "WhatsApp", "خاص - SY24", "مقالات ذات صلة"):
        assert furniture not in seed_report.body_ar
    assert len(paragraphs(seed_report.body_en)) == 13


@pytest.mark.skipif(not SHARED_REPORT.exists(), reason="the shared seed report is not beside us")
def test_seed_report_matches_the_shared_document_exactly(seed_report):
    lines = SHARED_REPORT.read_text(encoding="utf-8").split("\n")
    furniture = {"Facebook", "WhatsApp", "Telegram", "خاص - SY24", "مقالات ذات صلة", ""}
    published = [line for line in lines[1:] if line.strip() not in furniture]

    assert seed_report.title_ar == lines[0]
    assert paragraphs(seed_report.body_ar) == published


def test_seed_report_is_classified_and_quotes_both_experts(seed_report):
    assert seed_report.is_exclusive
    assert seed_report.source_ar == "SY24"
    assert seed_report.is_live
    tags = {tag.name_ar: tag.kind for tag in seed_report.tags.all()}
    assert tags["دير الزور"] == tags["الحسكة"] == Tag.Kind.PLACE
    assert tags["داعش"] == tags["قسد"] == Tag.Kind.ORGANIZATION
    quotes = {quote.expert.slug: quote for quote in seed_report.quotes.select_related("expert")}
    hamada = quotes["ahmed-hamada"]
    assert (hamada.expert.honorific_ar, hamada.expert.role_ar) == ("العقيد", "الخبير الاستراتيجي")
    assert (hamada.expert.honorific_en, hamada.expert.role_en) == ("Colonel", "strategic expert")
    assert quotes["nawras-al-arfi"].expert.role_ar == "الصحفي"
    # The quotes stay in the body as written.
    for quote in quotes.values():
        assert quote.text_ar in unescape(seed_report.body_ar)
        assert quote.text_en


def test_a_demo_load_leaves_statistics_that_look_related_articles_up_by_id(seed_report):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's plans are read in test_query_plans")
    call_command("seed_newsroom", demo=1000, verbosity=0)
    tag_ids = list(seed_report.tags.values_list("pk", flat=True))

    plan = Article.objects.published().related_to(seed_report.pk, tag_ids, 4).explain()

    # Without statistics, SQLite walks the (status, publication time) index across the
    # whole archive, testing each article against the few candidates.
    outer = plan.splitlines()[0]
    assert "USING INTEGER PRIMARY KEY" in outer, plan


def test_share_networks_are_seeded_in_order():
    call_command("seed_newsroom", verbosity=0)

    assert list(ShareNetwork.objects.values_list("slug", flat=True)) == [
        "facebook",
        "whatsapp",
        "telegram",
        "x",
        "email",
    ]


def test_demo_adds_that_many_marked_articles_on_each_run(seeded):
    call_command("seed_newsroom", demo=25, verbosity=0)
    call_command("seed_newsroom", demo=25, verbosity=0)

    demo = Article.objects.filter(is_demo=True)
    assert demo.count() == 50
    assert all(article.title_ar.startswith("[تجريبي]") for article in demo)
    assert all(article.title_en.startswith("[Demo]") for article in demo)
    assert Article.tags.through.objects.filter(article__is_demo=True).count() >= 50
    assert Quote.objects.filter(article__is_demo=True).exists()
    # Demo articles never push the real report off the lead.
    assert Article.objects.published().latest_first().first().import_key is not None


def test_demo_at_least_tops_up_only_to_the_number_asked(seeded):
    call_command("seed_newsroom", demo_at_least=12, verbosity=0)
    call_command("seed_newsroom", demo_at_least=12, verbosity=0)

    assert Article.objects.filter(is_demo=True).count() == 12


def test_ten_thousand_demo_articles_are_inserted_in_bulk(seeded, django_assert_max_num_queries):
    started = time.perf_counter()
    # Far fewer statements than articles: rows go in batches (SQLite caps each batch).
    with django_assert_max_num_queries(1_000):
        call_command("seed_newsroom", demo=10_000, verbosity=0)
    elapsed = time.perf_counter() - started

    assert Article.objects.filter(is_demo=True).count() == 10_000
    # Recorded, not asserted: timing belongs to bench/, the query bound above is the test.
    print(f"seed_newsroom --demo 10000: {elapsed:.1f} s")


def test_demo_content_never_records_share_clicks(seeded):
    call_command("seed_newsroom", demo=5, verbosity=0)

    assert not DailyShareCount.objects.exists()
