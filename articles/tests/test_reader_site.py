"""The reader's site beyond the article: home, quotes, experts, structured data, sharing."""

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone, translation
from lxml import html

from articles.models import Article, DailyShareCount, Section
from articles.reading.masthead import MASTHEAD_QUERIES
from articles.tests.factories import (
    make_article,
    make_expert,
    make_network,
    make_quote,
    make_section,
)
from articles.tests.test_views import BROWSER

pytestmark = pytest.mark.django_db


def jsonld(content: str) -> list[dict]:
    return [
        json.loads(block)
        for block in re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', content, flags=re.S
        )
    ]


def test_home_page_holds_more_sections_than_one_sqlite_union_takes(client):
    # SQLite refuses a compound SELECT of more than 500 terms; the home page's
    # per-section query has one term a section.
    sections = Section.objects.bulk_create(
        Section(name_ar=f"قسم {n}", name_en=f"Section {n}", slug=f"many-{n}", position=n)
        for n in range(620)
    )
    far = [make_article(section=sections[n]) for n in (0, 310, 619)]

    newest = Article.objects.published().top_per_section(2, [s.pk for s in sections])
    response = client.get("/")

    assert sorted(a.pk for a in newest) == sorted(a.pk for a in far)
    assert response.status_code == 200
    for article in far:
        assert article.title_ar in response.content.decode()


def test_home_has_lead_latest_section_blocks_and_most_shared(client, django_assert_max_num_queries):
    news, economy = (
        make_section(name_ar="أخبار", position=1),
        make_section(name_ar="اقتصاد", position=2),
    )
    lead = make_article(section=news, title_ar="الخبر الرئيسي", published_at=timezone.now())
    for number in range(14):
        make_article(section=economy, title_ar=f"اقتصاد {number}")
    shared = make_article(section=news, title_ar="الأكثر مشاركة")
    DailyShareCount.objects.create(
        article=shared, network=make_network(), day=timezone.localdate(), count=9
    )
    DailyShareCount.objects.create(
        article=lead,
        network=make_network(),
        day=timezone.localdate() - timedelta(days=10),
        count=99,
    )

    # The masthead's own queries come once per generation and worker (then it is kept).
    # And the week's share and read totals, read once a minute.
    with django_assert_max_num_queries(6 + MASTHEAD_QUERIES + 2):
        response = client.get("/")

    content = response.content.decode()
    page = html.fromstring(content)
    assert page.xpath('//div[@class="home-lead"]//h2/a/@href') == [lead.get_absolute_url()]
    blocks = page.xpath('//section[@class="section-block"]')
    assert [block.xpath("string(h2)") for block in blocks] == ["أخبار", "اقتصاد"]
    cards = './/article[contains(concat(" ", @class, " "), " card ")]'
    assert all(1 <= len(block.xpath(cards)) <= 4 for block in blocks)
    headline = "article/div/*[self::h2 or self::h3]/a/@href"
    on_top = set(page.xpath(f'//div[@class="home-top"]//{headline}'))
    in_blocks = {link for block in blocks for link in block.xpath(f".//{headline}")}
    assert lead.get_absolute_url() in on_top
    assert not on_top & in_blocks
    assert page.xpath('//section[@class="most-shared"]//li/a/text()') == ["الأكثر مشاركة"]
    assert content.index("الخبر الرئيسي") < content.index("الأحدث")


def test_home_of_a_newsroom_with_nothing_published_says_so(client):
    make_section(name_ar="أخبار")
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)

    content = client.get("/").content.decode()

    assert "لم يُنشر شيء بعد." in content
    assert "مسودة" not in content


def test_most_shared_counts_the_last_seven_days_of_each_day_it_is_shown(client, time_machine):
    time_machine.move_to(timezone.now())
    shared = make_article(title_ar="شاركه القراء")
    DailyShareCount.objects.create(
        article=shared, network=make_network(), day=timezone.localdate(), count=3
    )

    def most_shared():
        page = html.fromstring(client.get("/").content)
        return page.xpath('//section[@class="most-shared"]//li/a/text()')

    assert most_shared() == ["شاركه القراء"]
    time_machine.shift(timedelta(days=6))
    assert most_shared() == ["شاركه القراء"]
    time_machine.shift(timedelta(days=1))
    assert most_shared() == []


def test_an_article_taken_down_leaves_most_shared_at_once(client):
    shared = make_article(title_ar="شاركه القراء ثم سُحب")
    DailyShareCount.objects.create(
        article=shared, network=make_network(), day=timezone.localdate(), count=30
    )
    assert "شاركه القراء ثم سُحب" in client.get("/").content.decode()

    shared.status = Article.Status.DRAFT
    shared.save()  # the week's totals are kept for a minute; what is published is not

    assert "شاركه القراء ثم سُحب" not in client.get("/").content.decode()


def test_quote_page_shows_the_quote_expert_and_article_with_its_own_share_links(
    client, seed_report
):
    quote = seed_report.quotes.select_related("expert").get(expert__slug="ahmed-hamada")

    response = client.get(f"/quotes/{quote.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert quote.text_ar in content
    assert "العقيد أحمد حمادة" in content
    assert "الخبير الاستراتيجي" in content
    assert seed_report.title_ar in content
    assert [block["@type"] for block in jsonld(content)] == ["Quotation"]
    # The same share buttons as the article page's, each counted through the quote.
    assert (
        f'href="/quotes/{quote.pk}/share/telegram/" rel="nofollow noopener" data-network="telegram"'
        in content
    )

    shared = client.get(f"/quotes/{quote.pk}/share/telegram/", headers={"user-agent": BROWSER})
    values = parse_qs(urlsplit(shared["Location"]).query)
    assert values["url"] == [f"http://testserver/quotes/{quote.pk}/"]
    assert values["text"][0].startswith("«قسد تستخدم")
    assert values["text"][0].endswith("» — العقيد أحمد حمادة")
    assert DailyShareCount.objects.get(article=seed_report).count == 1


def test_quotes_of_unpublished_articles_have_no_page(client):
    draft = make_article(status=Article.Status.DRAFT)
    quote = make_quote(article=draft)

    assert client.get(f"/quotes/{quote.pk}/").status_code == 404
    make_network(slug="x")
    assert client.get(f"/quotes/{quote.pk}/share/x/").status_code == 404


def test_article_page_carries_news_article_data_and_the_full_open_graph_set(client, seed_report):
    with translation.override("ar"):
        path = seed_report.get_absolute_url()
    content = client.get(path).content.decode()

    (data,) = jsonld(content)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == seed_report.title_ar
    assert data["inLanguage"] == "ar"
    assert data["articleSection"] == "تقارير"
    assert "داعش" in data["keywords"]
    assert data["publisher"]["name"] == "SY24"
    assert data["image"]["width"] == 1200
    tags = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', content))
    for key in (
        "og:title",
        "og:description",
        "og:url",
        "og:image",
        "og:image:width",
        "og:image:height",
        "og:locale",
        "og:locale:alternate",
        "article:published_time",
        "article:section",
        "twitter:card",
    ):
        assert tags.get(key), key
    assert tags["og:locale"] == "ar_AR"
    assert tags["og:locale:alternate"] == "en_US"
    assert tags["twitter:card"] == "summary_large_image"


def test_expert_page_carries_person_data(client, seed_report):
    content = client.get("/experts/ahmed-hamada/").content.decode()

    (data,) = jsonld(content)
    assert data["@type"] == "Person"
    assert data["name"] == "العقيد أحمد حمادة"
    assert data["honorificPrefix"] == "العقيد"
    assert data["jobTitle"] == "الخبير الاستراتيجي"


def test_copy_link_control_is_a_plain_link_to_the_short_url(client, seed_report):
    with translation.override("ar"):
        path = seed_report.get_absolute_url()
    content = client.get(path).content.decode()

    link = re.search(r"<a [^>]*data-copy-link[^>]*>", content).group(0)
    assert f'href="http://testserver/a/{seed_report.pk}/"' in link


def test_dates_follow_the_month_style_and_digit_settings(client, settings):
    make_article(published_at=timezone.make_aware(timezone.datetime(2025, 5, 12, 10, 0)))

    settings.NEWSROOM_MONTH_STYLE = "levantine"
    settings.NEWSROOM_DIGITS = "arabic"
    levantine = client.get("/").content.decode()
    settings.NEWSROOM_MONTH_STYLE = "egyptian"
    settings.NEWSROOM_DIGITS = "western"
    egyptian = client.get("/").content.decode()

    assert "١٢ أيار ٢٠٢٥" in levantine
    assert "12 مايو 2025" in egyptian


def test_english_quote_page_of_an_arabic_only_article_redirects_to_arabic(client):
    article = make_article(english=False)
    quote = make_quote(article=article, expert=make_expert())

    response = client.get(f"/en/quotes/{quote.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/quotes/{quote.pk}/"


def test_extruct_finds_one_news_article_and_the_full_open_graph_set(client, seed_report):
    """What a real consumer of structured data reads from the article page."""
    extruct = pytest.importorskip("extruct")
    with translation.override("ar"):
        path = seed_report.get_absolute_url()
    html = client.get(path).content.decode()

    data = extruct.extract(
        html, base_url="http://testserver" + path, syntaxes=["json-ld", "opengraph"]
    )

    news = [item for item in data["json-ld"] if item.get("@type") == "NewsArticle"]
    assert len(news) == 1
    for key in ("headline", "datePublished", "dateModified", "author", "publisher", "image"):
        assert news[0].get(key), key
    (graph,) = data["opengraph"]
    properties = dict(graph["properties"])
    for key in ("og:title", "og:type", "og:url", "og:image", "og:description", "og:locale"):
        assert properties.get(key), key
    assert properties["og:url"] == "http://testserver" + path


def test_article_page_weighs_at_most_100_kb_compressed(client, seed_report):
    """HTML, CSS, scripts and fonts of the seed report's page, as a phone downloads them."""
    import gzip

    from django.contrib.staticfiles import finders

    with translation.override("ar"):
        html = client.get(seed_report.get_absolute_url()).content
    text = html.decode()
    assets = re.findall(
        r'<(?:link rel="stylesheet"|script) [^>]*(?:href|src)="/static/([^"]+)"', text
    )
    sizes = {"html": len(gzip.compress(html))}
    for asset in assets:
        content = Path(finders.find(asset)).read_bytes()
        sizes[asset] = len(gzip.compress(content))
        if asset.endswith(".css"):
            for font in re.findall(r'url\("\.\./([^"]+\.woff2)"\)', content.decode()):
                sizes[font] = Path(finders.find(font)).stat().st_size  # already compressed

    assert any(name.endswith(".woff2") for name in sizes)
    print(f"article page weight: {sum(sizes.values()) / 1024:.1f} KB compressed {sizes}")
    assert sum(sizes.values()) <= 100 * 1024, sizes


def test_only_the_lead_story_is_styled_as_the_lead(client):
    for _ in range(5):
        make_article()

    content = client.get("/").content.decode()

    assert content.count("card--lead") == 1


def test_english_pull_quote_separates_name_and_role_with_an_english_comma(client, seed_report):
    quote = seed_report.quotes.get(expert__name_en="Ahmed Hamada")
    quote.highlighted = True
    quote.save()
    with translation.override("en"):
        path = seed_report.get_absolute_url()

    content = client.get(path).content.decode()

    assert "Colonel Ahmed Hamada</bdi>, strategic expert" in content
    assert "،" not in content.split('class="pull-quote__who"')[1].split("</p>")[0]


def test_section_pages_go_newer_and_older_without_counting_the_archive(
    client, django_assert_max_num_queries, uncached_pages
):
    section = make_section()
    for number in range(25):
        make_article(section=section, title_ar=f"مقال رقم {number}")
    path = section.get_absolute_url()

    with django_assert_max_num_queries(3 + MASTHEAD_QUERIES) as captured:
        first = client.get(path)
    second = client.get(path + "?page=2")

    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)
    assert first.content.decode().count('<article class="card') == 20
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    assert second.content.decode().count('<article class="card') == 5
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()
    assert "الصفحة ٢" in second.content.decode() or "الصفحة 2" in second.content.decode()
    for beyond in ("?page=3", "?page=0", "?page=abc", "?page=-1"):
        assert client.get(path + beyond).status_code == 404, beyond


# --- Pictures in lists, the article's first screen, its pull quote and side column ------


def pictured_article(**fields) -> Article:
    """Return a published article whose lead image (a drawn demo picture) is stored."""
    from articles.media.demo_images import SIZE, demo_image_name, store_demo_images

    store_demo_images()
    return make_article(
        lead_image=demo_image_name(0),
        lead_image_width=SIZE[0],
        lead_image_height=SIZE[1],
        lead_image_alt_ar="وصف الصورة",
        lead_image_alt_en="What the picture shows",
        **fields,
    )


def test_cards_show_pictures_lazily_except_the_lead_and_text_cards_have_none(client):
    make_article(title_ar="بلا صورة", published_at=timezone.now() - timedelta(days=2))
    for number in range(3):
        pictured_article(published_at=timezone.now() - timedelta(hours=number + 1))
    lead = pictured_article(published_at=timezone.now())

    page = html.fromstring(client.get("/").content.decode())

    lead_card = page.xpath('//div[@class="home-lead"]/article')[0]
    (lead_img,) = lead_card.xpath(".//img")
    assert lead_img.get("loading") == "eager" and lead_img.get("fetchpriority") == "high"
    assert lead_card.xpath(".//h2/a/@href") == [lead.get_absolute_url()]
    others = page.xpath('//article[contains(@class, "card--pictured")]')[1:]
    assert others
    for card in [lead_card, *others]:
        (img,) = card.xpath('.//div[@class="card__image"]//img')
        assert img.get("alt") == "وصف الصورة"
        assert img.get("width") and img.get("height") and img.get("srcset")
        assert card.xpath(".//source[@type='image/webp']/@srcset")
    assert {card.xpath(".//img/@loading")[0] for card in others} == {"lazy"}
    assert not [card for card in others if card.xpath(".//img/@fetchpriority")]
    (text_card,) = page.xpath('//article[contains(@class, "card--text")]')
    assert "بلا صورة" in text_card.text_content()
    assert not text_card.xpath(".//img")


def test_section_list_loads_only_its_first_picture_eagerly(client):
    section = make_section()
    for number in range(3):
        pictured_article(section=section, published_at=timezone.now() - timedelta(hours=number))

    page = html.fromstring(client.get(section.get_absolute_url()).content.decode())

    assert page.xpath('//div[@class="card__image"]//img/@loading') == ["eager", "lazy", "lazy"]


def test_pull_quote_appears_only_when_highlighted_and_never_twice(client):
    article = make_article(body_ar="<p>الفقرة الأولى.</p><p>الفقرة الثانية.</p>")
    chosen = make_quote(article=article, text_ar="قول اختاره المحرر", highlighted=True)
    make_quote(article=article, text_ar="قول آخر", position=1)

    content = client.get(article.get_absolute_url()).content.decode()
    page = html.fromstring(content)
    content = content[content.index("<main") :]  # the description repeats the text's start

    assert content.count(chosen.text_ar) == 1
    assert page.xpath('//aside[@class="pull-quote"]/p[1]/text()') == ["قول اختاره المحرر"]
    assert page.xpath('//figure[@class="quote"]//blockquote/p/text()') == ["قول آخر"]
    # After the first paragraph, between the two parts of the text.
    assert content.index("الفقرة الأولى") < content.index(chosen.text_ar)
    assert content.index(chosen.text_ar) < content.index("الفقرة الثانية")

    chosen.highlighted = False
    chosen.save()
    content = client.get(article.get_absolute_url()).content.decode()
    content = content[content.index("<main") :]
    assert 'class="pull-quote"' not in content
    assert content.count(chosen.text_ar) == 1


def test_article_side_column_lists_latest_and_most_shared_read_once_for_every_article(
    client, django_assert_max_num_queries, uncached_pages
):
    article = make_article(published_at=timezone.now() - timedelta(days=3))
    newest = [make_article(title_ar=f"جديد {number}") for number in range(6)]
    shared = make_article(title_ar="الأكثر مشاركة", published_at=timezone.now() - timedelta(days=5))
    DailyShareCount.objects.create(
        article=shared, network=make_network(), day=timezone.localdate(), count=7
    )
    DailyShareCount.objects.create(
        article=article, network=make_network(), day=timezone.localdate(), count=50
    )

    client.get(shared.get_absolute_url())  # the masthead and the side column are kept

    # Another article (the page cache is off): the side column, the same beside every
    # article, costs it no query; the article, its tags, authors, corrections, quotes
    # and related articles do.
    with django_assert_max_num_queries(6):
        content = client.get(article.get_absolute_url()).content.decode()

    page = html.fromstring(content)
    (side,) = page.xpath('//aside[@class="side-column"]')
    latest = side.xpath('.//section[@aria-labelledby="side-latest-heading"]//a/text()')
    assert latest == [item.title_ar for item in newest[:5]]
    most = side.xpath('.//section[@aria-labelledby="side-shared-heading"]//a/text()')
    # The page's own article, though shared most, is not offered beside itself.
    assert most == ["الأكثر مشاركة"]

    # An article published now is beside the next page at once: the save empties what
    # was kept.
    just_in = make_article(title_ar="نُشر للتو", published_at=timezone.now())
    page = html.fromstring(client.get(article.get_absolute_url()).content.decode())
    latest = page.xpath('//section[@aria-labelledby="side-latest-heading"]//a/text()')
    assert latest[0] == just_in.title_ar


def test_article_share_icons_are_named_in_the_page_language(client, seed_report):
    page = html.fromstring(client.get(seed_report.get_absolute_url()).content.decode())

    rows = page.xpath('//nav[@class="share"]')
    assert len(rows) == 2
    names = rows[0].xpath(".//a/span[@class='visually-hidden']/text()")
    assert "شارك عبر WhatsApp" in names and "انسخ الرابط" in names
    assert rows[0].xpath(".//a/svg[@aria-hidden='true']")
    assert len(page.xpath('//script[contains(@src, "share.js")]')) == 1


def test_the_article_pages_never_load_a_column_they_leave_unread(client, uncached_pages):
    """The pages read an article without its search text and the desk's own columns;
    a template or helper that touched one would have Django fetch it, a query per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.reading.pages import _UNREAD_ARTICLE_FIELDS
    from articles.tests.test_piece_types import fact_check

    article = fact_check(
        kicker_ar="تحقق",
        summary_ar="ملخص",
        lead_image_caption_ar="تعليق",
        lead_image_credit_ar="تصوير",
        is_exclusive=True,
    )
    addresses = [
        article.get_absolute_url(),
        f"/a/{article.pk}/",
        f"/lite/articles/{article.pk}/",
    ]
    with translation.override("en"):
        addresses.append(article.get_absolute_url())
    for address in addresses:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address)
        assert response.status_code in (200, 301), address
        statements = " ".join(query["sql"] for query in captured)
        assert '"articles_article"."title_ar"' in statements or response.status_code == 301
        loaded = [
            name for name in _UNREAD_ARTICLE_FIELDS if f'"articles_article"."{name}"' in statements
        ]
        assert loaded == [], (address, loaded)
