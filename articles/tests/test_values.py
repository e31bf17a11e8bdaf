"""Values read as plain columns answer exactly as the models they stand for."""

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from jinja2 import UndefinedError

from articles.models import Article, Correction, Quote, ShareNetwork, Tag
from articles.reading.values import (
    CorrectionItem,
    ShareButton,
    TagLink,
    card_columns,
    cards_of,
    corrections_of,
    missing_languages,
    quote_columns,
    quotes_of,
    share_buttons_of,
    tags_of,
)
from articles.tests.factories import (
    make_article,
    make_correction,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)

pytestmark = pytest.mark.django_db


def rows(queryset, columns) -> list[dict]:
    return list(queryset.rewrite(False).values(*columns))


def card_html(article) -> str:
    return render_to_string(
        "includes/article_card.html",
        {"article": article, "heading_level": 3, "is_lead": False, "show_summary": True},
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
    cards = {
        card.pk: card
        for card in cards_of(rows(Article.objects.filter(pk__in=ids), card_columns()), language)
    }

    with translation.override(language):
        for article in Article.objects.filter(pk__in=ids).select_related("section"):
            assert card_html(cards[article.pk]) == card_html(article)
            assert cards[article.pk].get_absolute_url() == article.get_absolute_url()


def test_a_card_is_made_for_the_language_of_its_page():
    article = make_article(title_ar="عنوان", title_en="Headline")
    found = rows(Article.objects.filter(pk=article.pk), card_columns())
    (arabic,), (english,) = cards_of(found, "ar"), cards_of(found, "en")

    with translation.override("en"):
        english_path = english.get_absolute_url()
    assert (arabic.title, english.title) == ("عنوان", "Headline")
    assert english_path.startswith("/en/articles/")


def test_cards_of_one_section_share_its_link():
    section = make_section()
    ids = [make_article(section=section).pk for _ in range(3)]

    first, *others = cards_of(rows(Article.objects.filter(pk__in=ids), card_columns()), "ar")

    assert all(card.section is first.section for card in others)
    assert first.section.get_absolute_url() == section.get_absolute_url()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_tag_links_name_and_link_tags_as_the_tags_do(language):
    tags = [make_tag(name_ar="دمشق", name_en="Damascus"), make_tag(name_ar="حلب", name_en="")]
    ids = [tag.pk for tag in tags]
    links = tags_of(rows(Tag.objects.filter(pk__in=ids), TagLink.COLUMNS), language)

    with translation.override(language):
        expected = [
            (t.pk, t.name, t.get_kind_display(), t.get_absolute_url())
            for t in Tag.objects.filter(pk__in=ids)
        ]
        shown = [(v.pk, v.name, v.get_kind_display(), v.get_absolute_url()) for v in links]

    assert shown == expected
    assert {link[1] for link in shown} == (
        {"دمشق", "حلب"} if language == "ar" else {"Damascus", "حلب"}
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_share_buttons_and_corrections_name_what_their_rows_name(language):
    make_network(name_ar="واتساب", name_en="WhatsApp", slug="whatsapp", icon="whatsapp")
    make_network(name_ar="تلغرام", name_en="", slug="telegram", icon="telegram")
    article = make_article()
    make_correction(article=article, text_ar="صُحّح التاريخ.", text_en="")
    networks = ShareNetwork.objects.filter(is_active=True)
    with translation.override(language):
        buttons = share_buttons_of(
            rows(networks, ShareButton.COLUMNS), language, view="articles:share", pk=42
        )
    corrections = corrections_of(rows(Correction.objects.all(), CorrectionItem.COLUMNS), language)

    with translation.override(language):
        assert [(b.name, b.slug, b.icon, b.path) for b in buttons] == [
            (n.name, n.slug, n.icon, reverse("articles:share", args=[42, n.slug])) for n in networks
        ]
        assert [c.text for c in corrections] == [c.text for c in Correction.objects.all()]
    assert buttons[1].name == "تلغرام"


def shown(quote) -> tuple:
    """What a page shows of a quote, and where its links lead."""
    return (
        quote.pk,
        quote.text,
        quote.context,
        quote.highlighted,
        quote.share_text,
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
    items = quotes_of(rows(Quote.objects.filter(article=article), quote_columns()), language)

    with translation.override(language):
        expected = [
            shown(q) for q in Quote.objects.filter(article=article).select_related("expert")
        ]
        assert [shown(q) for q in items] == expected
    assert items[0].expert is items[2].expert


def test_quotes_read_with_their_article_link_to_it():
    article = make_article(title_ar="المقال")
    make_quote(article=article)
    (item,) = quotes_of(
        rows(Quote.objects.filter(article=article), quote_columns(with_article=True)), "ar"
    )

    assert (item.article.title, item.article.get_absolute_url()) == (
        "المقال",
        article.get_absolute_url(),
    )


def test_the_values_carry_every_language_of_the_site():
    assert missing_languages() == set()


def test_a_template_reading_what_a_value_does_not_offer_fails_instead_of_printing_nothing():
    """Strict in the tests: a renamed or dropped attribute is a failure, not a blank."""
    article = make_article()
    (card,) = cards_of(rows(Article.objects.filter(pk=article.pk), card_columns()), "ar")
    template = engines["jinja2"].from_string("{{ card.headline }}")

    with pytest.raises(UndefinedError):
        template.render({"card": card})
