"""What kind of piece an article is (news, analysis, opinion, interview, fact-check):
readers see it on the page and on cards, search engines read it in JSON-LD; a
fact-check shows its verdict and is published as a ClaimReview; the outlet's policy
pages are edited in the admin and named by the footer and the publisher's JSON-LD."""

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from lxml import html

from articles.models import Article, SiteSettings
from articles.tests.admin_forms import opened_state
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from articles.tests.test_editorial import form_data
from staff import roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("migration_rows")]

OWNERSHIP_AR = "<p>تملك المنصةَ شركةٌ غير ربحية، وتموّلها منح من مؤسسات مستقلة.</p>"
OWNERSHIP_EN = "<p>A non-profit company owns the outlet; grants from foundations fund it.</p>"


def tree(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def json_ld(root) -> list[dict]:
    return [json.loads(text) for text in root.xpath('//script[@type="application/ld+json"]/text()')]


def editor_client() -> Client:
    user = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return sign_in(Client(), user)


@pytest.mark.parametrize(
    ("piece_type", "label_ar", "label_en", "schema_type", "genre"),
    [
        ("news", "خبر", "News", "NewsArticle", None),
        ("analysis", "تحليل", "Analysis", "AnalysisNewsArticle", None),
        ("opinion", "رأي", "Opinion", "OpinionNewsArticle", None),
        ("interview", "مقابلة", "Interview", "NewsArticle", "interview"),
    ],
)
def test_each_kind_of_piece_is_labelled_and_typed_for_search_engines(
    client, piece_type, label_ar, label_en, schema_type, genre
):
    article = make_article(piece_type=piece_type)

    for language, label in (("ar", label_ar), ("en", label_en)):
        prefix = "/en" if language == "en" else ""
        root = tree(client.get(f"{prefix}/articles/{article.pk}/", follow=True))
        shown = root.xpath('//header[@class="article-header"]/p[contains(@class, "piece-label")]')
        assert [element.text_content() for element in shown] == [label]
        assert f"piece-label--{piece_type}" in shown[0].get("class")
        [data] = json_ld(root)
        assert data["@type"] == schema_type
        assert data.get("genre") == genre


def test_existing_and_new_articles_are_news_unless_an_editor_says_otherwise():
    assert make_article().piece_type == Article.PieceType.NEWS


def test_cards_label_opinion_and_analysis_but_not_news(client):
    make_article(title_ar="خبر عادي", piece_type="news")
    make_article(title_ar="مقال رأي", piece_type="opinion")
    make_article(title_ar="قراءة تحليلية", piece_type="analysis")

    root = tree(client.get("/"))

    labels = {
        card.xpath('.//*[contains(@class, "card__title")]')[0].text_content().strip(): [
            label.text_content() for label in card.xpath('.//p[contains(@class, "piece-label")]')
        ]
        for card in root.xpath('//article[contains(@class, "card")]')
    }
    assert labels["خبر عادي"] == []
    assert labels["مقال رأي"] == ["رأي"]
    assert labels["قراءة تحليلية"] == ["تحليل"]


def fact_check(**fields):
    fields = {
        "piece_type": Article.PieceType.FACT_CHECK,
        "claim_ar": "الخبز صار مجانيًا في كل المحافظات",
        "claim_en": "Bread is now free in every province",
        "claim_author_ar": "وزير التموين",
        "claim_author_en": "The supply minister",
        "claim_author_url": "https://ministry.example/statement",
        "claim_date": date(2026, 11, 30),
        "claim_rating": Article.ClaimRating.FALSE,
        **fields,
    }
    return make_article(**fields)


def test_a_fact_check_shows_its_verdict_first_and_publishes_a_claim_review(client):
    article = fact_check()

    root = tree(client.get(f"/en/articles/{article.pk}/", follow=True))

    box = root.xpath('//aside[contains(@class, "verdict")]')[0]
    assert box.xpath('.//*[@class="verdict__rating"]')[0].text_content() == "False"
    assert "Bread is now free in every province" in box.text_content()
    author = box.xpath('.//dd[@class="verdict__author"]/a')[0]
    assert author.text_content() == "The supply minister"
    assert author.get("href") == "https://ministry.example/statement"
    assert "30 November 2026" in box.text_content()
    # The box comes before the article's text.
    assert root.xpath('//aside[contains(@class, "verdict")]/following::div[@class="article-body"]')
    article_data, review = json_ld(root)
    assert article_data["@type"] == "ReportageNewsArticle"
    assert article_data["genre"] == "fact-check"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "Bread is now free in every province"
    assert review["url"] == article_data["url"]
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {
            "@type": "Person",
            "name": "The supply minister",
            "url": "https://ministry.example/statement",
        },
        "datePublished": "2026-11-30",
    }
    assert review["reviewRating"] == {
        "@type": "Rating",
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "False",
        "ratingValue": 1,
    }
    assert review["author"]["@type"] == "NewsMediaOrganization"
    # The lite edition says it too, before the text.
    lite = tree(client.get(f"/en/lite/articles/{article.pk}/")).text_content()
    assert "Fact-check" in lite and "Our verdict: False" in lite
    assert lite.index("Our verdict") < lite.index("Text of article")


def test_verdicts_read_in_arabic_and_map_onto_the_rating_scale(client):
    ratings = {
        "true": ("صحيح", 5),
        "mostly_true": ("صحيح في معظمه", 4),
        "misleading": ("مضلِّل", 3),
        "mostly_false": ("خاطئ في معظمه", 2),
        "false": ("خاطئ", 1),
        "unproven": ("غير مثبت", None),
    }
    for rating, (label, value) in ratings.items():
        article = fact_check(claim_rating=rating)
        root = tree(client.get(f"/articles/{article.pk}/", follow=True))
        assert root.xpath('//*[@class="verdict__rating"]')[0].text_content() == label
        review = json_ld(root)[1]["reviewRating"]
        assert review["alternateName"] == label
        assert review.get("ratingValue") == value


def test_the_admin_refuses_a_fact_check_without_its_verdict_and_keeps_the_text(client):
    editor = editor_client()
    article = make_article(title_ar="عنوان قبل التحقق")
    address = reverse("admin:articles_article_change", args=[article.pk])
    posted = form_data(
        article,
        title_ar="عنوان التحقق الجديد",
        piece_type="fact_check",
        claim_ar="ادعاء كتبه المحرر",
        claim_rating="",
    )

    refused = editor.post(address, posted)
    no_claim = editor.post(address, {**posted, "claim_ar": "", "claim_rating": "false"})

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "يحتاج التحقق إلى حكمه" in page
    assert "ادعاء كتبه المحرر" in page and "عنوان التحقق الجديد" in page
    assert "يحتاج التحقق إلى الادعاء الذي يتحقق منه" in no_claim.content.decode()
    article.refresh_from_db()
    assert article.piece_type == "news" and article.title_ar == "عنوان قبل التحقق"

    accepted = editor.post(address, {**posted, "claim_rating": "misleading"})

    assert accepted.status_code == 302
    article.refresh_from_db()
    assert (article.piece_type, article.claim_ar, article.claim_rating) == (
        "fact_check",
        "ادعاء كتبه المحرر",
        "misleading",
    )


def test_policy_pages_are_edited_in_the_admin_and_named_by_footer_and_json_ld(client):
    editor = editor_client()
    row = SiteSettings.objects.get()
    body = {
        "about_ar": row.about_ar,
        "about_en": row.about_en,
        "corrections_policy_ar": row.corrections_policy_ar,
        "corrections_policy_en": row.corrections_policy_en,
        "ownership_funding_ar": OWNERSHIP_AR + '<script>alert("x")</script>',
        "ownership_funding_en": OWNERSHIP_EN,
        "unnamed_sources_policy_ar": row.unnamed_sources_policy_ar,
        "unnamed_sources_policy_en": row.unnamed_sources_policy_en,
        "contact_url": "",
        **{field: "" for field, _label in SiteSettings.SOCIAL},
    }
    assert "<p>" in row.unnamed_sources_policy_ar  # the migration's first text

    change = reverse("admin:articles_sitesettings_change", args=[1])
    saved = editor.post(change, body | opened_state(editor, change))

    assert saved.status_code == 302
    ownership = tree(client.get("/ownership/"))
    assert ownership.xpath("//h1")[0].text_content() == "الملكية والتمويل"
    assert "شركةٌ غير ربحية" in ownership.xpath('//div[@class="site-text__body"]')[0].text_content()
    assert not ownership.xpath('//div[@class="site-text__body"]//script')
    english = tree(client.get("/en/sources-policy/"))
    assert english.xpath("//h1")[0].text_content() == "Unnamed sources policy"
    assert "We name our sources" in english.text_content()

    article = make_article()
    root = tree(client.get(f"/en/articles/{article.pk}/", follow=True))
    footer = {a.text_content(): a.get("href") for a in root.xpath("//footer//a")}
    assert footer["Ownership and funding"] == "/en/ownership/"
    assert footer["Unnamed sources policy"] == "/en/sources-policy/"
    publisher = json_ld(root)[0]["publisher"]
    origin = "http://testserver"
    assert publisher["ownershipFundingInfo"] == origin + "/en/ownership/"
    assert publisher["unnamedSourcesPolicy"] == origin + "/en/sources-policy/"
    assert publisher["correctionsPolicy"] == origin + "/en/corrections/"
    assert publisher["publishingPrinciples"] == origin + "/en/about/"
    sitemap = client.get("/sitemap-pages.xml").content.decode()
    assert "/ownership/</loc>" in sitemap and "/en/sources-policy/</loc>" in sitemap


def test_a_policy_left_empty_has_no_page_no_link_and_no_json_ld(client):
    article = make_article()

    root = tree(client.get(f"/articles/{article.pk}/", follow=True))

    assert client.get("/ownership/").status_code == 404
    assert not root.xpath('//footer//a[@href="/ownership/"]')
    assert "ownershipFundingInfo" not in json_ld(root)[0]["publisher"]
