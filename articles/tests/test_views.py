"""The reader's pages: what a reader sees, and what they must never see."""

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from django.utils import timezone, translation

from articles.models import Article, DailyShareCount
from articles.reading.masthead import MASTHEAD_QUERIES
from articles.tests.factories import (
    make_article,
    make_correction,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)

BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
SEED_TITLE = "إلى أين يتوجه عناصر داعش بعد فرارهم من السجون شرق سوريا؟"
SEED_TITLE_EN = "Where do ISIS members go after escaping from prisons in eastern Syria?"

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Collect start tags with their attributes, and the text inside chosen elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]


def elements(response) -> Elements:
    parser = Elements()
    parser.feed(response.content.decode())
    return parser


def canonical_path(article, language="ar"):
    with translation.override(language):
        return article.get_absolute_url()


def get_article(client, article, language="ar", **extra):
    return client.get(canonical_path(article, language), **extra)


def test_seed_report_page_is_arabic_right_to_left(client, seed_report):
    response = get_article(client, seed_report)

    assert response.status_code == 200
    html = elements(response)
    assert html.find("html", lang="ar", dir="rtl")
    content = response.content.decode()
    assert f"<h1>{SEED_TITLE}</h1>" in content
    assert "خاص - SY24" in content


def test_seed_report_shows_each_expert_with_honorific_and_role_beside_the_quote(
    client, seed_report
):
    content = get_article(client, seed_report).content.decode()
    quotes_section = content[content.index('class="quotes"') :]
    figures = quotes_section.split('<figure class="quote">')[1:]
    by_expert = {}
    for figure in figures:
        caption = figure[figure.index("<figcaption>") : figure.index("</figcaption>")]
        by_expert[caption] = figure[: figure.index("</blockquote>")]

    hamada = next(caption for caption in by_expert if "أحمد حمادة" in caption)
    arfi = next(caption for caption in by_expert if "نورس العرفي" in caption)
    assert "العقيد أحمد حمادة" in hamada
    assert "الخبير الاستراتيجي" in hamada
    assert "الصحفي" in arfi
    assert "قسد تستخدم عناصر داعش" in by_expert[hamada]
    assert "لا نستطيع أن نسمي ما يحدث في سجون قسد" in by_expert[arfi]


def test_seed_report_has_related_articles_and_canonical_link(client, seed_report):
    other = make_article(
        section=seed_report.section, tags=[seed_report.tags.first()], title_ar="تقرير آخر عن الحسكة"
    )
    response = get_article(client, seed_report)

    content = response.content.decode()
    assert "مقالات ذات صلة" in content
    assert "تقرير آخر عن الحسكة" in content
    assert other.get_absolute_url() in content
    canonical = elements(response).find("link", rel="canonical")
    assert canonical == [
        {"rel": "canonical", "href": "http://testserver" + canonical_path(seed_report)}
    ]


@pytest.mark.parametrize(
    ("network", "host", "url_key", "title_key"),
    [
        ("facebook", "www.facebook.com", "u", None),
        ("whatsapp", "wa.me", "text", "text"),
        ("telegram", "t.me", "url", "text"),
    ],
)
def test_share_links_reach_the_network_with_the_encoded_short_url(
    client, seed_report, network, host, url_key, title_key
):
    page = get_article(client, seed_report)
    share_path = f"/share/{seed_report.pk}/{network}/"
    assert elements(page).find("a", href=share_path)

    response = client.get(share_path, headers={"user-agent": BROWSER})

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.scheme == "https"
    assert target.netloc == host
    short = f"http://testserver/a/{seed_report.pk}/"
    # As a query value the address is percent-encoded.
    assert quote(short, safe="") in response["Location"]
    values = parse_qs(target.query)
    assert short in values[url_key][0]
    if title_key:
        assert SEED_TITLE in values[title_key][0]


def test_share_redirect_uses_the_configured_site_url(client, seed_report, settings):
    settings.NEWSROOM_SITE_URL = "https://sy24.example"
    response = client.get(f"/share/{seed_report.pk}/facebook/", headers={"user-agent": BROWSER})

    shared = parse_qs(urlsplit(response["Location"]).query)["u"][0]
    assert shared == f"https://sy24.example/a/{seed_report.pk}/"
    # The seed's headline makes a canonical address of some 300 characters; the shared one
    # is the site's address and a few more.
    assert len(shared) < len("https://sy24.example") + 40


def test_english_page_shares_the_english_url_and_title(client, seed_report):
    response = client.get(f"/en/share/{seed_report.pk}/telegram/", headers={"user-agent": BROWSER})

    values = parse_qs(urlsplit(response["Location"]).query)
    assert values["url"] == [f"http://testserver/en/a/{seed_report.pk}/"]
    assert values["text"] == [SEED_TITLE_EN]


def test_seed_report_in_english_is_left_to_right_with_english_byline(client, seed_report):
    response = get_article(client, seed_report, "en")

    assert response.status_code == 200
    assert elements(response).find("html", lang="en", dir="ltr")
    content = response.content.decode()
    assert SEED_TITLE_EN in content
    assert "Exclusive - SY24" in content
    assert "Colonel Ahmed Hamada" in content
    assert "strategic expert" in content
    assert "مقالات ذات صلة" not in content


def test_hreflang_alternates_list_only_the_languages_the_article_exists_in(client):
    bilingual = make_article()
    arabic_only = make_article(english=False)

    both = elements(get_article(client, bilingual)).find("link", rel="alternate")
    only = elements(get_article(client, arabic_only)).find("link", rel="alternate")

    assert {link["hreflang"] for link in both if "hreflang" in link} == {"ar", "en", "x-default"}
    assert {link["hreflang"] for link in only if "hreflang" in link} == {"ar", "x-default"}


def test_english_url_of_an_arabic_only_article_redirects_to_the_arabic_page(client):
    article = make_article(english=False)

    response = client.get(f"/en/articles/{article.pk}/")

    assert response.status_code == 302
    assert response["Location"] == canonical_path(article, "ar")


def test_stale_or_missing_slug_redirects_permanently_to_the_canonical_url(client):
    article = make_article(title_ar="عنوان قديم")
    old_path = canonical_path(article)
    article.title_ar = "عنوان جديد تماماً"
    article.slug_ar = ""
    article.save()

    stale = client.get(old_path)
    missing = client.get(f"/articles/{article.pk}/")

    assert stale.status_code == missing.status_code == 301
    assert unquote(stale["Location"]) == f"/articles/{article.pk}/عنوان-جديد-تماما/"
    assert missing["Location"] == stale["Location"]


def test_arabic_slug_is_made_of_arabic_letters_and_english_slug_of_the_english_title(client):
    article = make_article(title_ar="الرَّقة: عودة الكهرباء؟", title_en="Raqqa: power is back?")

    assert article.slug_ar == "الرقة-عودة-الكهرباء"
    assert article.slug_en == "raqqa-power-is-back"
    assert get_article(client, article).status_code == 200
    assert get_article(client, article, "en").status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.REVIEW},
        {"status": Article.Status.ARCHIVED, "published_at": None},
        {"status": Article.Status.PUBLISHED, "published_at": "future"},
    ],
    ids=["draft", "in-review", "archived", "scheduled"],
)
def test_unpublished_and_scheduled_articles_are_not_found(client, fields):
    if fields.get("published_at") == "future":
        fields = {**fields, "published_at": timezone.now() + timedelta(hours=2)}
    article = make_article(**fields)

    assert client.get(f"/articles/{article.pk}/").status_code == 404
    assert client.get(canonical_path(article)).status_code == 404
    assert client.get(f"/en/articles/{article.pk}/").status_code == 404
    assert client.get(f"/a/{article.pk}/").status_code == 404
    assert client.get(f"/en/a/{article.pk}/").status_code == 404
    make_network(slug="facebook")
    assert client.get(f"/share/{article.pk}/facebook/").status_code == 404


def test_scheduled_article_appears_when_its_time_comes(client, time_machine):
    time_machine.move_to(timezone.now())
    article = make_article(published_at=timezone.now() + timedelta(hours=1))
    assert client.get(canonical_path(article)).status_code == 404

    time_machine.shift(timedelta(hours=1, seconds=1))

    assert client.get(canonical_path(article)).status_code == 200


def populate(article, count):
    section = article.section
    tags = [make_tag() for _ in range(count)]
    article.tags.set(tags)
    experts = [make_expert() for _ in range(count)]
    for number in range(count):
        make_quote(article=article, expert=experts[number], position=number)
        make_correction(article=article)
        other = make_article(section=section, tags=[tags[number]])
        article.related.add(other)


def test_article_page_runs_the_same_few_queries_with_2_or_30_of_everything(
    client, django_assert_max_num_queries
):
    make_network(slug="facebook")
    make_network(slug="whatsapp")
    counts = {}
    for count in (2, 30):
        article = make_article()
        populate(article, count)

        # At most 10, plus what is read once and kept: the masthead, the week's share and
        # read totals (for a minute) the side column's most shared and most read are
        # chosen by (with no read this week, most read needs no more), and when the
        # newest articles begin (for a minute; the related list looks there first).
        with django_assert_max_num_queries(10 + MASTHEAD_QUERIES + 3) as captured:
            response = client.get(canonical_path(article))

        assert response.status_code == 200
        content = response.content.decode()
        assert content.count('<figure class="quote">') == count
        assert content.count("<li><time") == count
        counts[count] = len(captured)
    assert counts[2] == counts[30]


def test_related_articles_put_hand_picked_first_and_skip_self_and_unpublished(client):
    tag = make_tag()
    article = make_article(tags=[tag])
    picked = make_article(title_ar="مختار يدوياً", published_at=timezone.now() - timedelta(days=30))
    newest = make_article(tags=[tag], title_ar="الأحدث بالوسم")
    draft = make_article(tags=[tag], status=Article.Status.DRAFT, title_ar="مسودة بالوسم")
    article.related.add(picked, article, draft)

    content = get_article(client, article).content.decode()
    related = content[content.index('class="related"') :]

    assert related.index("مختار يدوياً") < related.index("الأحدث بالوسم")
    assert newest.get_absolute_url() in related
    assert "مسودة بالوسم" not in related
    assert canonical_path(article) not in related


def test_english_related_articles_are_only_those_available_in_english(client):
    tag = make_tag()
    article = make_article(tags=[tag])
    make_article(tags=[tag], title_en="Also in English")
    make_article(tags=[tag], english=False, title_ar="بالعربية فقط")

    content = get_article(client, article, "en").content.decode()

    assert "Also in English" in content
    assert "بالعربية فقط" not in content


def test_each_article_lists_the_related_articles_of_its_own_tags(client):
    """The related list's SQL has one part per tag: articles with 1, 3 and 0 tags in turn."""
    tags = [make_tag() for _ in range(3)]
    kin = [make_article(tags=[tag], title_ar=f"قريب {number}") for number, tag in enumerate(tags)]
    one = make_article(tags=tags[:1])
    three = make_article(tags=tags)
    none = make_article()

    def related(article):
        content = get_article(client, article).content.decode()
        # The related list only: the side column lists the latest articles too.
        start = content.find('class="related"')
        content = content[start:] if start >= 0 else ""
        return [a.title_ar for a in kin if a.title_ar in content]

    assert related(one) == ["قريب 0"]
    assert related(three) == ["قريب 0", "قريب 1", "قريب 2"]
    assert related(none) == []
    assert related(one) == ["قريب 0"]


def test_an_article_page_compiles_no_sql_once_a_first_one_was_served(client, monkeypatch):
    """The page's queries are compiled once per process, not per reader."""
    from django.db.models.sql.compiler import SQLCompiler

    tag = make_tag()
    first, second = make_article(tags=[tag]), make_article(tags=[tag])
    make_quote(article=second)
    make_network(slug="facebook")
    assert get_article(client, first).status_code == 200
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or as_sql(self, *a, **k)
    )

    response = get_article(client, second)

    assert response.status_code == 200
    assert first.get_absolute_url() in response.content.decode()  # related, by its tag
    assert compiled == []


def test_article_parts_read_together_are_those_read_one_by_one(client):
    """On PostgreSQL the tags, authors, corrections, quotes and share networks are sent
    together, one round trip; whatever the database, each list is what its own query
    gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.reading import pages
    from articles.reading.sql import STATEMENT_SEPARATOR, run_together

    article = make_article(tags=[make_tag(), make_tag()])
    make_quote(article=article, position=0)
    make_quote(article=article, position=1)
    make_correction(article=article)
    make_network(slug="facebook")
    make_network(slug="telegram")
    calls = [
        (pages.ARTICLE_TAGS, {"pk": article.pk}),
        (pages.ARTICLE_AUTHORS, {"pk": article.pk}),
        (pages.ARTICLE_CORRECTIONS, {"pk": article.pk}),
        (pages.ARTICLE_QUOTES, {"pk": article.pk}),
        (pages.ACTIVE_SHARE_NETWORKS, {}),
    ]

    with CaptureQueriesContext(connection) as captured:
        together = run_together(*calls)
    one_by_one = [query(**values) for query, values in calls]

    assert together == one_by_one
    assert [len(rows) for rows in together] == [2, 0, 1, 2, 2]
    sent = [query["sql"].count(STATEMENT_SEPARATOR) + 1 for query in captured]
    assert sent == ([5] if connection.vendor == "postgresql" else [1] * 5)


def test_without_a_summary_the_description_is_the_start_of_the_text_as_read(client):
    article = make_article(summary_ar="", body_ar="<p>سمير &amp; رامي قالا: &lt;كفى&gt;</p>")

    html = elements(get_article(client, article))

    [meta] = html.find("meta", name="description")
    [social] = html.find("meta", property="og:description")
    assert meta["content"] == social["content"] == "سمير & رامي قالا: <كفى>"


def test_corrections_are_shown_newest_first(client):
    article = make_article()
    make_correction(
        article=article, text_ar="التصحيح الأول", published_at=timezone.now() - timedelta(days=2)
    )
    make_correction(article=article, text_ar="التصحيح الثاني", published_at=timezone.now())

    content = get_article(client, article).content.decode()

    assert content.index("التصحيح الثاني") < content.index("التصحيح الأول")


def test_plain_text_fields_are_escaped_and_body_markup_is_sanitized(client):
    article = make_article(
        title_ar='<script>alert("t")</script>عنوان',
        summary_ar="<b onmouseover=alert(1)>ملخص</b>",
        body_ar='<p onclick="alert(1)">نص</p><script>alert(2)</script><iframe src="//x"></iframe>',
    )
    make_quote(article=article, text_ar="<img src=x onerror=alert(3)>")

    content = get_article(client, article).content.decode()

    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;عنوان" in content
    assert "&lt;b onmouseover=alert(1)&gt;" in content
    assert "<p>نص</p>" in content
    assert "<iframe" not in content
    assert "<img src=x" not in content


def test_share_redirect_counts_reader_clicks_per_day(client):
    article = make_article()
    network = make_network(slug="whatsapp", url_template="https://wa.me/?text={text}")

    for _ in range(3):
        client.get(f"/share/{article.pk}/whatsapp/", headers={"user-agent": BROWSER})

    row = DailyShareCount.objects.get(article=article, network=network)
    assert row.count == 3
    assert row.day == timezone.localdate()


def test_share_redirect_does_not_count_head_requests_or_link_previewers(client):
    article = make_article()
    make_network(slug="telegram", url_template="https://t.me/share/url?url={url}")

    head = client.head(f"/share/{article.pk}/telegram/", headers={"user-agent": BROWSER})
    bot = client.get(f"/share/{article.pk}/telegram/", headers={"user-agent": "TelegramBot"})

    assert head.status_code == bot.status_code == 302
    assert not DailyShareCount.objects.exists()


def test_share_redirect_refuses_unknown_inactive_or_misconfigured_networks(client):
    article = make_article()
    make_network(slug="off", is_active=False)
    broken = make_network(slug="broken")
    # A row written around the admin's validation must still never redirect anywhere odd.
    type(broken).objects.filter(pk=broken.pk).update(url_template="javascript:alert({url})")

    for slug in ("nowhere", "off", "broken"):
        response = client.get(f"/share/{article.pk}/{slug}/", headers={"user-agent": BROWSER})
        assert response.status_code == 404
    assert client.get("/share/999999/off/").status_code == 404
    assert client.post(f"/share/{article.pk}/off/").status_code == 405


def test_home_lists_latest_published_articles_only(client):
    older = make_article(title_ar="الأقدم", published_at=timezone.now() - timedelta(days=3))
    newer = make_article(title_ar="الأحدث", published_at=timezone.now() - timedelta(hours=1))
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    make_article(title_ar="مجدول", published_at=timezone.now() + timedelta(days=1))

    content = client.get("/").content.decode()

    assert content.index(newer.title_ar) < content.index(older.title_ar)
    assert "مسودة" not in content
    assert "مجدول" not in content


def test_english_home_lists_only_articles_that_exist_in_english(client):
    make_article(title_en="Written in English")
    make_article(english=False, title_ar="مقال بالعربية وحدها")

    response = client.get("/en/")

    content = response.content.decode()
    assert elements(response).find("html", lang="en", dir="ltr")
    assert "Written in English" in content
    assert "مقال بالعربية وحدها" not in content


def test_section_tag_and_expert_pages_list_published_content(client):
    section = make_section(name_ar="اقتصاد")
    tag = make_tag(name_ar="حلب")
    expert = make_expert(name_ar="سمير", honorific_ar="الدكتور", role_ar="الباحث")
    article = make_article(section=section, tags=[tag], title_ar="الأسعار في حلب")
    make_quote(article=article, expert=expert, text_ar="الأسعار تضاعفت")
    draft = make_article(section=section, tags=[tag], status=Article.Status.DRAFT)
    make_quote(article=draft, expert=expert, text_ar="قول في مسودة")

    for path in (section.get_absolute_url(), tag.get_absolute_url()):
        content = client.get(path).content.decode()
        assert "الأسعار في حلب" in content
        assert draft.title_ar not in content
    expert_page = client.get(expert.get_absolute_url()).content.decode()
    assert "الدكتور سمير" in expert_page
    assert "الأسعار تضاعفت" in expert_page
    assert "قول في مسودة" not in expert_page
    assert client.get("/sections/no-such-section/").status_code == 404


def test_demo_articles_are_visibly_marked(client):
    article = make_article(is_demo=True)

    content = get_article(client, article).content.decode()

    assert "محتوى تجريبي" in content


def test_not_found_page_is_translated_and_leads_home(client):
    arabic = client.get("/articles/999999/")
    english = client.get("/en/articles/999999/")

    assert arabic.status_code == english.status_code == 404
    assert elements(arabic).find("html", lang="ar", dir="rtl")
    assert "الصفحة غير موجودة" in arabic.content.decode()
    assert elements(english).find("html", lang="en", dir="ltr")
    assert "Page not found" in english.content.decode()
    assert elements(english).find("a", href="/en/")


def test_server_error_page_is_translated_and_shows_no_details(rf):
    from django.views.defaults import server_error

    with translation.override("ar"):
        arabic = server_error(rf.get("/"))
    with translation.override("en"):
        english = server_error(rf.get("/en/"))

    assert arabic.status_code == english.status_code == 500
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    assert "حدث خطأ ما" in arabic.content.decode()
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert "Traceback" not in english.content.decode()


# --- short links ------------------------------------------------------------------------


def test_a_short_link_sends_readers_to_the_canonical_arabic_address(client, seed_report):
    response = client.get(f"/a/{seed_report.pk}/")

    assert response.status_code == 301
    assert response["Location"] == canonical_path(seed_report)


def test_an_english_short_link_leads_to_the_english_page_where_there_is_one(client):
    translated = make_article(title_en="Power is back in Raqqa")
    arabic_only = make_article(english=False)

    to_english = client.get(f"/en/a/{translated.pk}/")
    to_original = client.get(f"/en/a/{arabic_only.pk}/")

    assert to_english.status_code == to_original.status_code == 301
    assert to_english["Location"] == canonical_path(translated, "en")
    assert to_english["Location"].startswith("/en/articles/")
    assert to_original["Location"] == canonical_path(arabic_only, "ar")


def test_a_short_link_keeps_the_query_string(client):
    article = make_article()

    query = "utm_source=whatsapp&utm_medium=channel"

    response = client.get(f"/a/{article.pk}/?{query}")

    assert response.status_code == 301
    assert response["Location"] == f"{canonical_path(article)}?{query}"


def test_a_short_link_is_always_a_redirect_even_from_the_page_cache(client):
    article = make_article()
    path = f"/a/{article.pk}/"

    answers = [client.get(path) for _ in range(2)]
    client.get(canonical_path(article))  # the article page itself is cached
    answers.append(client.get(path))

    assert [answer.status_code for answer in answers] == [301, 301, 301]
    assert {answer["Location"] for answer in answers} == {canonical_path(article)}
    article.status = Article.Status.ARCHIVED
    article.save()
    assert client.get(path).status_code == 404


def test_an_unknown_short_link_is_not_found(client):
    assert client.get("/a/999999/").status_code == 404


def test_the_article_page_shares_its_short_address(client, seed_report):
    page = elements(get_article(client, seed_report))
    english = elements(get_article(client, seed_report, "en"))

    # Two rows of share buttons (after the byline and after the text), one address.
    (copy_link,) = {tag["href"] for tag in page.find("a") if "data-copy-link" in tag}
    (english_copy_link,) = {tag["href"] for tag in english.find("a") if "data-copy-link" in tag}
    assert copy_link == f"http://testserver/a/{seed_report.pk}/"
    assert english_copy_link == f"http://testserver/en/a/{seed_report.pk}/"
    # Canonical, language links and OpenGraph keep the full address (test_mirrors: JSON-LD).
    canonical = "http://testserver" + canonical_path(seed_report)
    assert page.find("link", rel="canonical")[0]["href"] == canonical
    assert page.find("meta", property="og:url")[0]["content"] == canonical
    assert not [tag for tag in page.find("link") if "/a/" in tag.get("href", "")]


def test_the_related_list_found_among_the_newest_is_the_one_the_whole_archive_gives(
    monkeypatch,
):
    """The list is first looked for among the newest articles; where that finds fewer
    than a full list (a rare tag), older articles may belong in it, and the whole
    archive is asked. Either way a reader gets the same list."""
    from articles.memos import forget_all
    from articles.reading import pages

    monkeypatch.setattr(pages, "RELATED_RECENT", 6)
    forget_all()
    asked_everything = []
    whole_archive = pages.RELATED_ARTICLES

    def everything(**arguments):
        asked_everything.append(arguments["pk"])
        return whole_archive(**arguments)

    monkeypatch.setattr(pages, "RELATED_ARTICLES", everything)
    now = timezone.now()
    common, rare = make_tag(), make_tag()
    commons = [
        make_article(tags=[common], published_at=now - timedelta(hours=hours))
        for hours in range(1, 11)
    ]
    old_rare = make_article(tags=[rare], published_at=now - timedelta(days=60))
    picked = make_article(published_at=now - timedelta(days=90))
    on_common = make_article(tags=[common], published_at=now - timedelta(days=1))
    on_common.related.add(picked)
    on_rare = make_article(tags=[rare], published_at=now - timedelta(days=2))
    on_rare_picked = make_article(tags=[rare, common], published_at=now - timedelta(days=3))
    on_rare_picked.related.add(picked)

    def related(article):
        tag_ids = list(article.tags.values_list("pk", flat=True))
        shown = pages.related_articles(article.pk, tag_ids, language="ar", now=now)
        expected = whole_archive(
            pk=article.pk, tag_ids=tag_ids, now=now, language="ar", limit=pages.RELATED
        )
        assert [row["pk"] for row in shown] == [row["pk"] for row in expected]
        return [row["pk"] for row in shown]

    assert related(on_common) == [picked.pk, *(article.pk for article in commons[:3])]
    assert asked_everything == []  # found among the newest
    assert related(on_rare) == [on_rare_picked.pk, old_rare.pk]
    assert related(on_rare_picked) == [picked.pk, *(article.pk for article in commons[:3])]
    assert asked_everything == [on_rare.pk]
