"""The content model: what the database refuses and what saving derives."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation

from articles.models import Article, Expert, Quote, Section
from articles.tests.factories import (
    make_article,
    make_expert,
    make_quote,
    make_section,
)

pytestmark = pytest.mark.django_db


def test_database_refuses_an_unknown_status():
    article = make_article()

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="deleted")


def test_database_refuses_a_published_article_without_a_publication_time():
    article = make_article(status=Article.Status.DRAFT)

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)


def test_database_refuses_an_unknown_tag_kind():
    from articles.tests.factories import make_tag

    tag = make_tag()

    with pytest.raises(IntegrityError), transaction.atomic():
        type(tag).objects.filter(pk=tag.pk).update(kind="person")


def test_deleting_an_expert_who_has_quotes_is_refused():
    expert = make_expert()
    make_quote(article=make_article(), expert=expert)

    with pytest.raises(ProtectedError):
        expert.delete()
    assert Expert.objects.filter(pk=expert.pk).exists()
    assert Quote.objects.filter(expert=expert).count() == 1


def test_deleting_a_section_that_has_articles_is_refused():
    section = make_section()
    make_article(section=section)

    with pytest.raises(ProtectedError):
        section.delete()
    assert Section.objects.filter(pk=section.pk).exists()


def test_expert_without_quotes_and_empty_section_can_be_deleted():
    expert = make_expert()
    section = make_section()

    expert.delete()
    section.delete()

    assert not Expert.objects.filter(pk=expert.pk).exists()
    assert not Section.objects.filter(pk=section.pk).exists()


def test_body_is_sanitized_on_save_in_every_language():
    article = make_article(
        body_ar='<p style="color:red" onclick="x()">نص</p><script>alert(1)</script>',
        body_en='<p><a href="javascript:alert(1)">link</a><iframe src="https://evil"></iframe></p>',
    )
    article.refresh_from_db()

    assert article.body_ar == "<p>نص</p>"
    assert article.body_en == '<p><a rel="noopener noreferrer nofollow">link</a></p>'


def test_expert_biography_is_sanitized_on_save():
    expert = make_expert(
        bio_ar='<p>سيرة<img src=x onerror="alert(1)"></p>', bio_en="<svg onload=x>"
    )
    expert.refresh_from_db()

    assert expert.bio_ar == "<p>سيرة</p>"
    assert expert.bio_en == ""


def test_published_hides_drafts_and_articles_scheduled_for_later():
    live = make_article()
    make_article(status=Article.Status.DRAFT)
    make_article(status=Article.Status.REVIEW)
    make_article(published_at=timezone.now() + timedelta(minutes=5))
    make_article(status=Article.Status.ARCHIVED, published_at=timezone.now() - timedelta(days=1))

    assert list(Article.objects.published()) == [live]


def test_available_in_english_needs_an_english_title_and_body():
    both = make_article()
    make_article(english=False)
    make_article(title_en="Only a title", body_en="")

    assert list(Article.objects.available_in("en")) == [both]
    assert Article.objects.available_in("ar").count() == 3


def test_article_url_follows_the_active_language():
    article = make_article(title_ar="خبر عاجل", title_en="Breaking news")

    with translation.override("ar"):
        arabic = article.get_absolute_url()
    with translation.override("en"):
        english = article.get_absolute_url()

    assert arabic == f"/articles/{article.pk}/%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84/"
    assert english == f"/en/articles/{article.pk}/breaking-news/"


def test_a_slug_written_by_the_editor_is_kept():
    article = make_article(title_ar="عنوان طويل جداً", slug_ar="عنوان-قصير")

    article.title_ar = "عنوان آخر"
    article.save()

    assert article.slug_ar == "عنوان-قصير"


def test_each_save_moves_the_edit_version_forward():
    article = make_article()
    first = article.edit_version

    article.summary_ar = "مقدمة جديدة"
    article.save()

    article.refresh_from_db()
    assert article.edit_version > first


def test_byline_reads_exclusive_and_source_in_each_language():
    article = make_article(is_exclusive=True, source_ar="SY24", source_en="SY24")
    agency = make_article(is_exclusive=False, source_ar="وكالات", source_en="Agencies")

    with translation.override("ar"):
        assert article.byline == "خاص - SY24"
        assert agency.byline == "وكالات"
    with translation.override("en"):
        assert article.byline == "Exclusive - SY24"
        assert agency.byline == "Agencies"


def test_expert_full_name_puts_the_honorific_first():
    colonel = make_expert(name_ar="أحمد حمادة", honorific_ar="العقيد")
    plain = make_expert(name_ar="نورس العرفي", honorific_ar="")

    assert colonel.full_name == "العقيد أحمد حمادة"
    assert plain.full_name == "نورس العرفي"


def test_no_text_field_keeps_a_reordering_control_whatever_saves_it():
    from django.contrib.auth import get_user_model

    from articles.tests.factories import make_correction, make_network, make_tag

    rlo, isolate, rlm = "\u202e", "\u2067", "\u200f"
    section = make_section(name_ar=f"تقارير{rlo}")
    article = make_article(
        section=section,
        title_ar=f"فاتورة{rlo}fdp.exe",
        lead_image_caption_ar=f"صورة{isolate} من الميدان{rlm}",
        source=f"وكالة{rlo}",
    )
    quote = make_quote(article=article, text_ar=f"قال{rlo} كلاماً")
    correction = make_correction(article=article, text_ar=f"صُحّح{rlo} الاسم")
    tag = make_tag(name_ar=f"درعا{isolate}")
    network = make_network(name_ar=f"شبكة{rlo}", url_template=f"https://x.example/?u={{url}}{rlo}")
    user = get_user_model().objects.create_user(username="samira", first_name=f"سميرة{rlo}")

    saved = [section, article, quote, correction, tag, network, user]
    for instance in saved:
        instance.refresh_from_db()
        texts = [
            getattr(instance, field.attname)
            for field in instance._meta.concrete_fields
            if isinstance(getattr(instance, field.attname), str)
        ]
        assert not any(rlo in text or isolate in text for text in texts), instance
    assert article.title_ar == "فاتورةfdp.exe"
    assert article.lead_image_caption_ar == f"صورة من الميدان{rlm}"  # the mark stays
    assert user.first_name == "سميرة"
    # What is derived from the headline is derived from it clean.
    assert Article.objects.filter(search_ar__contains="فاتوره").exists()
