"""Structured data and social tags, as pure functions (no database)."""

import json
import re
from datetime import UTC, datetime

from articles.reading.seo import (
    ArticleFacts,
    Byline,
    Image,
    jsonld_script,
    news_article,
    open_graph,
    person,
)

LOGO = Image(url="https://sy24.example/static/img/logo.png", width=600, height=60, type="image/png")


def facts(**changes):
    values = {
        "headline": "إلى أين يتوجه عناصر داعش؟",
        "description": "تقرير خاص",
        "url": "https://sy24.example/articles/1/%D8%A5/",
        "language": "ar",
        "published": datetime(2026, 5, 12, 9, 30, tzinfo=UTC),
        "modified": datetime(2026, 5, 13, 10, 0, tzinfo=UTC),
        "section": "تقارير",
        "site_name": "SY24",
        "publisher_logo": LOGO,
        "authors": [],
        "keywords": ["داعش", "قسد"],
        "image": Image(url="https://sy24.example/media/s.jpg", width=1200, height=630),
        "alternate_languages": ["ar", "en"],
    }
    return ArticleFacts(**(values | changes))


def test_news_article_has_what_search_engines_require():
    data = news_article(facts())

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "إلى أين يتوجه عناصر داعش؟"
    assert data["datePublished"] == "2026-05-12T09:30:00+00:00"
    assert data["dateModified"] == "2026-05-13T10:00:00+00:00"
    assert data["inLanguage"] == "ar"
    assert data["articleSection"] == "تقارير"
    assert data["keywords"] == ["داعش", "قسد"]
    assert data["image"]["width"] == 1200
    assert data["publisher"]["logo"]["url"] == LOGO.url
    assert data["mainEntityOfPage"]["@id"] == data["url"]


def test_without_named_authors_the_outlet_is_the_author():
    assert news_article(facts())["author"] == [{"@type": "Organization", "name": "SY24"}]
    assert news_article(facts(authors=[Byline("سمر")]))["author"] == [
        {"@type": "Person", "name": "سمر"}
    ]


def test_headline_is_cut_to_the_length_search_engines_accept():
    assert len(news_article(facts(headline="ا" * 300))["headline"]) == 110


def test_open_graph_names_the_locale_its_alternate_and_a_large_image_card():
    tags = open_graph(facts())

    assert ("og:locale", "ar_AR") in tags
    assert ("og:locale:alternate", "en_US") in tags
    assert ("og:image:width", "1200") in tags
    assert ("og:image:height", "630") in tags
    assert ("twitter:card", "summary_large_image") in tags
    assert [value for key, value in tags if key == "article:tag"] == ["داعش", "قسد"]


def test_open_graph_of_an_arabic_only_article_has_no_english_alternate():
    tags = open_graph(facts(alternate_languages=["ar"]))

    assert not [key for key, _value in tags if key == "og:locale:alternate"]


def test_person_lists_only_what_is_known():
    data = person(
        name="أحمد حمادة", url="https://sy24.example/experts/ahmed-hamada/", honorific="العقيد"
    )

    assert data["honorificPrefix"] == "العقيد"
    assert "jobTitle" not in data
    assert "affiliation" not in data
    assert person(name="ريم", url="u", affiliation="جامعة دمشق")["affiliation"] == {
        "@type": "Organization",
        "name": "جامعة دمشق",
    }


def test_jsonld_script_cannot_be_closed_by_text_staff_wrote():
    hostile = "</script><script>alert(1)</script><!--"
    html = str(jsonld_script(news_article(facts(headline=hostile, description=hostile))))

    assert html.count("</script>") == 1
    assert "<script>alert" not in html
    payload = re.search(r">(.*)</script>$", html, flags=re.S).group(1)
    assert json.loads(payload)["headline"] == hostile
