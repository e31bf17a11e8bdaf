"""Article cards read as plain values look exactly like cards of model instances."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from articles.models import Article, Quote, ShareNetwork, Tag
from articles.reading.values import (
    card_columns,
    cards_of,
    quote_columns,
    quotes_of,
    share_button_columns,
    share_buttons_of,
    tag_columns,
    tags_of,
)
from articles.tests.factories import (
    make_article,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)

pytestmark = pytest.mark.django_db


def card_html(article, heading_level=3) -> str:
    return render_to_string(
        "includes/article_card.html",
        {"article": article, "heading_level": heading_level, "show_summary": True},
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_card_of_values_is_the_card_of_its_article(language):
    """Fallbacks included: an English page shows the Arabic kicker, summary or section
    name where no English one was written, and links with the Arabic slug."""
    section = make_section(name_ar="سياسة", name_en="")
    articles = [
        make_article(
            section=section,
            kicker_ar="عاجل",
            kicker_en="Breaking",
            summary_ar="ملخص <مهم> & قصير",
            summary_en="A short <summary> & more",
        ),
        make_article(section=section, kicker_ar="تحليل", summary_ar="ملخص عربي فقط"),
        make_article(english=False, title_ar="بالعربية فقط", slug_en=""),
        make_article(kicker_ar="", summary_ar=""),
    ]
    ids = [article.pk for article in articles]

    with translation.override(language):
        rows = list(Article.objects.filter(pk__in=ids).rewrite(False).values(*card_columns()))
        cards = {card.pk: card for card in cards_of(rows, language)}
        for article in Article.objects.filter(pk__in=ids).select_related("section"):
            assert card_html(cards[article.pk]) == card_html(article)
            assert cards[article.pk].get_absolute_url() == article.get_absolute_url()


def test_cards_of_one_section_share_its_link():
    section = make_section()
    ids = [make_article(section=section).pk for _ in range(3)]
    rows = list(Article.objects.filter(pk__in=ids).rewrite(False).values(*card_columns()))

    first, *others = cards_of(rows, "ar")

    assert all(card.section is first.section for card in others)
    assert first.section.get_absolute_url() == section.get_absolute_url()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_tag_links_name_and_link_tags_as_the_tags_do(language):
    tags = [make_tag(name_ar="دمشق", name_en="Damascus"), make_tag(name_ar="حلب", name_en="")]
    ids = [tag.pk for tag in tags]

    with translation.override(language):
        rows = list(Tag.objects.filter(pk__in=ids).rewrite(False).values(*tag_columns()))
        links = tags_of(rows, language)
        expected = [(t.pk, t.name, t.get_absolute_url()) for t in Tag.objects.filter(pk__in=ids)]

    assert [(link.pk, link.name, link.get_absolute_url()) for link in links] == expected
    assert {link.name for link in links} == (
        {"دمشق", "حلب"} if language == "ar" else {"Damascus", "حلب"}
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_share_buttons_name_the_networks_and_count_the_share(language):
    make_network(name_ar="واتساب", name_en="WhatsApp", slug="whatsapp", icon="whatsapp")
    make_network(name_ar="تلغرام", name_en="", slug="telegram", icon="telegram")
    make_network(slug="off", is_active=False)
    rows = list(
        ShareNetwork.objects.filter(is_active=True).rewrite(False).values(*share_button_columns())
    )

    with translation.override(language):
        buttons = share_buttons_of(rows, language, article_pk=42)
        paths = [reverse("articles:share", kwargs={"pk": 42, "network": b.slug}) for b in buttons]

    assert [(b.name, b.slug, b.icon) for b in buttons] == [
        ("واتساب" if language == "ar" else "WhatsApp", "whatsapp", "whatsapp"),
        ("تلغرام", "telegram", "telegram"),
    ]
    assert [b.path for b in buttons] == paths


def shown(quote) -> tuple:
    """What the article page shows of a quote, and where its links lead."""
    return (
        quote.pk,
        quote.text,
        quote.context,
        quote.highlighted,
        quote.get_absolute_url(),
        quote.expert.full_name,
        quote.expert.role,
        quote.expert.get_absolute_url(),
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_quotes_read_as_values_show_what_the_quotes_show(language):
    article = make_article()
    doctor = make_expert(
        name_ar="سمير", name_en="Samir", honorific_ar="د.", honorific_en="Dr", role_ar="باحث"
    )
    plain = make_expert(name_ar="رامي", name_en="", honorific_ar="", role_ar="", role_en="")
    make_quote(article=article, expert=doctor, position=0, context_ar="في مقابلة", highlighted=True)
    make_quote(article=article, expert=plain, position=1, text_en="")
    make_quote(article=article, expert=doctor, position=2)

    with translation.override(language):
        rows = list(Quote.objects.filter(article=article).rewrite(False).values(*quote_columns()))
        items = quotes_of(rows, language)
        expected = [
            shown(q) for q in Quote.objects.filter(article=article).select_related("expert")
        ]

    assert [shown(q) for q in items] == expected
    assert items[0].expert is items[2].expert
