"""RSS and Atom feeds: what a feed reader gets, in Arabic and in English."""

import calendar
import io
from datetime import timedelta
from types import SimpleNamespace

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from articles.models import Article
from articles.tests.factories import (
    make_article,
    make_author,
    make_expert,
    make_quote,
    make_section,
    make_tag,
)

pytestmark = pytest.mark.django_db

KINDS = ("latest", "section", "tag", "expert")
FORMATS = ("rss", "atom")
LANGUAGES = ("ar", "en")
FEEDS = [
    pytest.param(kind, form, language, id=f"{kind}-{form}-{language}")
    for kind in KINDS
    for form in FORMATS
    for language in LANGUAGES
]


def feed_path(kind: str, form: str, language: str, subject=None) -> str:
    name = "feed" if kind == "latest" else f"{kind}_feed"
    kwargs = {} if subject is None else {"slug": subject.slug}
    with translation.override(language):
        return reverse(f"articles:{name}_{form}", kwargs=kwargs)


def fetch(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return feedparser.parse(
        response.content, response_headers={"content-type": response["Content-Type"]}
    )


def canonical_url(article, language: str, host: str = "http://testserver") -> str:
    with translation.override(language):
        return host + article.get_absolute_url()


@pytest.fixture
def newsroom(db):
    """Build one section, tag and expert, with articles in every state around them."""
    section = make_section(name_ar="تقارير ميدانية", name_en="Field reports", slug="field")
    tag = make_tag(name_ar="الرقة", name_en="Raqqa", slug="raqqa-city")
    other_tag = make_tag(name_ar="داعش", name_en="ISIS", slug="isis-group")
    expert = make_expert(
        name_ar="أحمد حمادة",
        name_en="Ahmed Hamada",
        honorific_ar="العقيد",
        honorific_en="Colonel",
        slug="hamada",
    )
    author = make_author(name_ar="لينا حداد", name_en="Lina Haddad", slug="lina")
    now = timezone.now()
    bilingual = make_article(
        section=section,
        tags=[tag, other_tag],
        title_ar="الكهرباء تعود إلى الرقة",
        title_en="Power returns to Raqqa",
        summary_ar="عادت الكهرباء بعد انقطاع دام أسبوعاً.",
        summary_en="Power is back after a week-long outage.",
        published_at=now - timedelta(hours=1),
    )
    bilingual.bylines.add(author)
    make_quote(article=bilingual, expert=expert)
    arabic_only = make_article(
        english=False,
        section=section,
        tags=[tag],
        title_ar="سجناء داعش يفرون من سجن الكسرة",
        summary_ar="فر عشرة سجناء قبل يومين.",
        published_at=now - timedelta(hours=2),
    )
    make_quote(article=arabic_only, expert=expert)
    hidden = []
    for fields in (
        {"status": Article.Status.DRAFT, "title_ar": "مسودة", "title_en": "A draft"},
        {"published_at": now + timedelta(hours=2), "title_ar": "مجدول", "title_en": "Scheduled"},
    ):
        article = make_article(section=section, tags=[tag], **fields)
        make_quote(article=article, expert=expert)
        hidden.append(article)
    elsewhere = make_article(
        title_ar="خبر من قسم آخر",
        title_en="News from another section",
        published_at=now - timedelta(hours=3),
    )
    return SimpleNamespace(
        section=section,
        tag=tag,
        other_tag=other_tag,
        expert=expert,
        bilingual=bilingual,
        arabic_only=arabic_only,
        hidden=hidden,
        elsewhere=elsewhere,
    )


def subject_of(kind, newsroom):
    return {"latest": None, "section": newsroom.section, "tag": newsroom.tag}.get(
        kind, newsroom.expert
    )


# The feeds' title formats, looked up in the active language's catalogue (kept out of
# the literal gettext calls, so that message extraction finds them in feeds.py only).
TITLE_FORMATS = {
    "latest": "%(name)s: latest news",
    "section": "%(site)s: %(section)s section",
    "tag": "%(site)s: articles about %(tag)s",
    "expert": "%(site)s: articles quoting %(expert)s",
}


def expected_feed_title(kind, language, newsroom):
    with translation.override(language):
        return gettext(TITLE_FORMATS[kind]) % {
            "name": "SY24",
            "site": "SY24",
            "section": newsroom.section.name,
            "tag": newsroom.tag.name,
            "expert": newsroom.expert.full_name,
        }


def expected_articles(kind, language, newsroom):
    """Return the articles a feed must list, newest first."""
    articles = [newsroom.bilingual]
    if language == "ar":
        articles.append(newsroom.arabic_only)
    if kind == "latest":
        articles.append(newsroom.elsewhere)
    return articles


@pytest.mark.parametrize(("kind", "form", "language"), FEEDS)
def test_every_feed_parses_cleanly_with_its_title_and_language(
    client, newsroom, kind, form, language
):
    path = feed_path(kind, form, language, subject_of(kind, newsroom))

    parsed = fetch(client, path)

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"rss": "rss20", "atom": "atom10"}[form]
    assert parsed.feed.title == expected_feed_title(kind, language, newsroom)
    assert parsed.feed.language == language
    subject = subject_of(kind, newsroom)
    if subject is not None:
        with translation.override(language):
            assert str(subject) in parsed.feed.title
            page = "http://testserver" + subject.get_absolute_url()
    else:
        page = "http://testserver" + ("/" if language == "ar" else "/en/")
    assert parsed.feed.link == page
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == ["http://testserver" + path]


def test_latest_feed_title_is_arabic_on_the_arabic_feed(client, newsroom):
    arabic = fetch(client, feed_path("latest", "rss", "ar"))
    english = fetch(client, feed_path("latest", "atom", "en"))

    assert arabic.feed.title == "SY24: آخر الأخبار"
    assert arabic.feed.description == "أخبار مستقلة وتقارير خاصة من سوريا."
    assert english.feed.title == "SY24: latest news"


@pytest.mark.parametrize(("kind", "form", "language"), FEEDS)
def test_feed_items_are_the_published_articles_of_the_feed_language(
    client, newsroom, kind, form, language
):
    parsed = fetch(client, feed_path(kind, form, language, subject_of(kind, newsroom)))

    expected = expected_articles(kind, language, newsroom)
    titles = [getattr(article, f"title_{language}") for article in expected]
    assert [entry.title for entry in parsed.entries] == titles
    assert [entry.link for entry in parsed.entries] == [
        canonical_url(article, language) for article in expected
    ]
    assert [calendar.timegm(entry.published_parsed) for entry in parsed.entries] == [
        int(article.published_at.timestamp()) for article in expected
    ]
    listed = {entry.link for entry in parsed.entries}
    for article in newsroom.hidden:
        assert canonical_url(article, language) not in listed
    if language == "en":
        assert all(entry.title != newsroom.arabic_only.title_ar for entry in parsed.entries)


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_items_carry_summary_author_and_section_and_tags_as_categories(
    client, newsroom, form, language
):
    parsed = fetch(client, feed_path("tag", form, language, newsroom.tag))

    by_link = {entry.link: entry for entry in parsed.entries}
    bilingual = by_link[canonical_url(newsroom.bilingual, language)]
    with translation.override(language):
        categories = {newsroom.section.name, newsroom.tag.name, newsroom.other_tag.name}
    assert {tag.term for tag in bilingual.tags} == categories
    assert bilingual.author == {"ar": "لينا حداد", "en": "Lina Haddad"}[language]
    assert bilingual.summary == getattr(newsroom.bilingual, f"summary_{language}")
    assert bilingual.id == "http://testserver" + (
        f"/articles/{newsroom.bilingual.pk}/"
        if language == "ar"
        else f"/en/articles/{newsroom.bilingual.pk}/"
    )
    if language == "ar":
        arabic_only = by_link[canonical_url(newsroom.arabic_only, "ar")]
        # No author profile on it: the credited source stands in.
        assert arabic_only.author == "SY24"
        assert {tag.term for tag in arabic_only.tags} == {"تقارير ميدانية", "الرقة"}


def test_several_authors_are_named_together(client, newsroom):
    second = make_author(name_ar="عمر خالد", name_en="Omar Khaled")
    newsroom.bilingual.bylines.add(second)

    parsed = fetch(client, feed_path("latest", "atom", "en"))

    entry = next(e for e in parsed.entries if e.title == newsroom.bilingual.title_en)
    assert entry.author == "Lina Haddad, Omar Khaled"


def test_english_description_never_falls_back_to_the_arabic_standfirst(client):
    article = make_article(
        summary_ar="ملخص بالعربية فقط.",
        body_en="<p>The English body, <b>plain</b> in the feed.</p>",
    )

    parsed = fetch(client, feed_path("latest", "rss", "en"))

    (entry,) = parsed.entries
    assert entry.title == article.title_en
    assert entry.summary == "The English body, plain in the feed."


@pytest.mark.parametrize("form", FORMATS)
def test_seed_report_reads_right_in_both_languages(client, seed_report, form):
    arabic = fetch(client, feed_path("expert", form, "ar", seed_report.quotes.first().expert))
    english = fetch(client, feed_path("latest", form, "en"))

    assert arabic.bozo == english.bozo == 0
    assert [entry.title for entry in arabic.entries] == [
        "إلى أين يتوجه عناصر داعش بعد فرارهم من السجون شرق سوريا؟"
    ]
    assert [entry.title for entry in english.entries] == [
        "Where do ISIS members go after escaping from prisons in eastern Syria?"
    ]
    (entry,) = arabic.entries
    assert entry.link == canonical_url(seed_report, "ar")
    # An Arabic slug reaches the reader percent-encoded, as a URI.
    assert entry.link.isascii()
    assert "%D8%A5%D9%84%D9%89" in entry.link
    assert entry.author == "SY24"
    assert {"تقارير", "داعش", "الرقة"} <= {tag.term for tag in entry.tags}


@pytest.mark.parametrize("form", FORMATS)
def test_feed_urls_use_the_configured_site_url(client, newsroom, settings, form):
    settings.NEWSROOM_SITE_URL = "https://sy24.example"

    parsed = fetch(client, feed_path("section", form, "en", newsroom.section))

    assert parsed.feed.link == "https://sy24.example/en/sections/field/"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [
        "https://sy24.example/en/feeds/sections/field/" + form + "/"
    ]
    assert [entry.link for entry in parsed.entries] == [
        canonical_url(newsroom.bilingual, "en", host="https://sy24.example")
    ]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def give_lead_image(article, data: bytes) -> None:
    """Attach ``data`` as the lead image, as the admin's upload does (dimensions stored)."""
    article.lead_image = ContentFile(data, name="lead.png")
    article.save()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("form", FORMATS)
def test_lead_image_is_an_enclosure_with_its_size_and_type(client, media, form):
    article = make_article()
    data = png_bytes()
    give_lead_image(article, data)
    make_article(title_en="No picture")

    parsed = fetch(client, feed_path("latest", form, "en"))

    with_image, without_image = parsed.entries
    (enclosure,) = with_image.enclosures
    assert enclosure.href == "http://testserver/media/" + article.lead_image.name
    assert int(enclosure.length) == len(data)
    assert enclosure.type == "image/png"
    assert without_image.enclosures == []


def test_enclosure_keeps_a_media_host_of_its_own(client, media, settings):
    settings.MEDIA_URL = "https://media.sy24.example/"
    article = make_article()
    give_lead_image(article, png_bytes())

    parsed = fetch(client, feed_path("latest", "rss", "ar"))

    (enclosure,) = parsed.entries[0].enclosures
    assert enclosure.href == "https://media.sy24.example/" + article.lead_image.name


def test_lead_image_missing_from_storage_gives_no_enclosure(client, media):
    article = make_article()
    give_lead_image(article, png_bytes())
    article.lead_image.storage.delete(article.lead_image.name)

    parsed = fetch(client, feed_path("latest", "rss", "ar"))

    assert parsed.bozo == 0
    assert parsed.entries[0].enclosures == []


def test_feed_lists_the_latest_30_articles_newest_first(client):
    section = make_section()
    now = timezone.now()
    articles = [
        make_article(section=section, published_at=now - timedelta(minutes=number))
        for number in range(31)
    ]

    parsed = fetch(client, feed_path("section", "atom", "ar", section))

    assert [entry.title for entry in parsed.entries] == [a.title_ar for a in articles[:30]]


def test_expert_feed_lists_each_quoting_article_once_and_nothing_else(client, newsroom):
    make_quote(article=newsroom.bilingual, expert=newsroom.expert, position=2)

    parsed = fetch(client, feed_path("expert", "rss", "ar", newsroom.expert))

    assert [entry.title for entry in parsed.entries] == [
        newsroom.bilingual.title_ar,
        newsroom.arabic_only.title_ar,
    ]


@pytest.mark.parametrize("kind", ["section", "tag", "expert"])
def test_feed_of_an_unknown_subject_is_not_found(client, kind):
    with translation.override("en"):
        path = reverse(f"articles:{kind}_feed_rss", kwargs={"slug": "no-such-thing"})

    assert client.get(path).status_code == 404


def test_feeds_are_served_with_their_media_types(client, newsroom):
    rss = client.get(feed_path("latest", "rss", "ar"))
    atom = client.get(feed_path("latest", "atom", "ar"))

    assert rss["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert atom["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert "Last-Modified" in rss


def populate(count: int, section, tag, expert):
    """Publish ``count`` articles, each with two tags, two authors and a quote."""
    for _number in range(count):
        article = make_article(section=section, tags=[tag, make_tag()])
        article.bylines.add(make_author(), make_author())
        make_quote(article=article, expert=expert)


@pytest.mark.parametrize("kind", KINDS)
def test_feeds_run_the_same_few_queries_with_2_or_30_articles(
    client, django_assert_max_num_queries, kind, uncached_pages
):
    counts = {}
    for count in (2, 30):
        section, tag, expert = make_section(), make_tag(), make_expert()
        populate(count, section, tag, expert)
        subject = {"latest": None, "section": section, "tag": tag, "expert": expert}[kind]
        listed = min(30, Article.objects.count()) if kind == "latest" else count
        for form in FORMATS:
            with django_assert_max_num_queries(4) as captured:
                parsed = fetch(client, feed_path(kind, form, "en", subject))
            assert len(parsed.entries) == listed
            counts[count, form] = len(captured)
    assert counts[2, "rss"] == counts[30, "rss"]
    assert counts[2, "atom"] == counts[30, "atom"]
