"""Reads counted per article and day, cached pages included, with nothing kept about readers.

The article page (cached or not) carries ``js/read.js``, which POSTs once to the site's
own ``/r/<id>/``; the count feeds "most read" on the home page, beside every article,
in the admin's article list and on its dashboard.
"""

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import html

from articles.models import Article, DailyReadCount
from articles.reading.pages import WEEK_READ_TOTALS
from articles.tests.chromium import CspWatchedBrowser, launched
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from articles.writing import actions
from articles.writing.reads import read_record
from staff import roles

READER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36"
)
# A documentation address (RFC 5737), to look for afterwards.
ADDRESS = "203.0.113.77"


def read_path(content: bytes) -> str | None:
    """Return where the page's counter sends its read, or None without a counter."""
    paths = html.fromstring(content.decode()).xpath(
        '//script[contains(@src, "js/read.js")]/@data-read'
    )
    assert len(paths) <= 1
    return paths[0] if paths else None


def send_read(client, path: str, **headers):
    return client.post(path, HTTP_USER_AGENT=READER, REMOTE_ADDR=ADDRESS, **headers)


def reads_of(article) -> int:
    return sum(DailyReadCount.objects.filter(article=article).values_list("count", flat=True))


def staff(role: str):
    user = get_user_model().objects.create_user(
        username=role.lower(), password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.django_db
def test_a_page_from_the_cache_carries_the_counter_and_each_read_counts_with_nothing_kept(
    client, settings
):
    # The cache in local memory, whose keys and values this test reads as stored.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    article = make_article()
    assert client.get(article.get_absolute_url())["X-Cache"] == "miss"
    cached = client.get(article.get_absolute_url())
    assert cached["X-Cache"] == "hit"
    path = read_path(cached.content)
    assert path == f"/r/{article.pk}/"

    first = send_read(client, path)
    second = send_read(client, path)

    assert (first.status_code, second.status_code) == (204, 204)
    assert first.content == b""
    assert "no-store" in first["Cache-Control"]
    assert not first.cookies and "Set-Cookie" not in first
    assert not client.cookies
    row = DailyReadCount.objects.values().get()
    assert row == {
        "id": row["id"],
        "article_id": article.pk,
        "day": timezone.localdate(),
        "count": 2,
    }
    # The rate limit counts under a keyed hash of the address, for two minutes or so:
    # no key, and no value, holds the address.
    stored = caches["default"]._cache  # the keys as stored, the values pickled
    assert any(":ratelimit:read:" in key for key in stored)
    assert not [key for key in stored if ADDRESS in key or ADDRESS.encode() in stored[key]]


@pytest.mark.django_db
def test_robots_scripts_and_signed_in_staff_are_not_counted(client):
    article = make_article()
    path = f"/r/{article.pk}/"
    for agent in (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
        "Mozilla/5.0 (Linux) Chrome-Lighthouse",
        "python-requests/2.32",
        "",
    ):
        assert client.post(path, HTTP_USER_AGENT=agent).status_code == 204
    editor = Client()
    sign_in(editor, staff(roles.EDITOR))
    assert send_read(editor, path).status_code == 204

    assert reads_of(article) == 0


@pytest.mark.django_db
def test_previews_in_the_admin_and_by_link_carry_no_counter(client):
    editor = staff(roles.EDITOR)
    draft = make_article(status=Article.Status.DRAFT, title_ar="مسودة لم تنشر")
    _link, token = actions.CreatePreviewLink(draft, actor=editor).execute()
    by_link = client.get(reverse("articles:preview", kwargs={"token": token}))
    sign_in(client, editor)
    in_admin = client.get(reverse("admin:articles_article_preview", args=[draft.pk]))

    for preview in (by_link, in_admin):
        assert "مسودة لم تنشر" in preview.content.decode()
        assert read_path(preview.content) is None
    # And a read sent by hand for the draft is not counted.
    assert send_read(Client(), f"/r/{draft.pk}/").status_code == 404
    assert reads_of(draft) == 0


@pytest.mark.django_db
def test_only_a_post_for_a_published_article_counts(client):
    live = make_article()
    scheduled = make_article(published_at=timezone.now() + timedelta(hours=1))
    archived = make_article(status=Article.Status.ARCHIVED)

    assert client.get(f"/r/{live.pk}/", HTTP_USER_AGENT=READER).status_code == 405
    for article in (scheduled, archived):
        assert send_read(client, f"/r/{article.pk}/").status_code == 404
    assert send_read(client, "/r/987654/").status_code == 404
    assert send_read(client, f"/r/{2**70}/").status_code == 404
    assert send_read(client, f"/en/r/{live.pk}/").status_code == 404  # one address for all

    assert [reads_of(article) for article in (live, scheduled, archived)] == [0, 0, 0]


@pytest.mark.django_db
def test_a_flood_from_one_address_is_refused_and_not_counted(client, settings):
    settings.NEWSROOM_READS_PER_MINUTE = 3
    article = make_article()

    statuses = [send_read(client, f"/r/{article.pk}/").status_code for _ in range(5)]

    assert statuses == [204, 204, 204, 429, 429]
    assert reads_of(article) == 3


@pytest.mark.django_db
def test_most_read_this_week_is_on_the_home_page_and_beside_articles_at_no_query(
    client, django_assert_max_num_queries, uncached_pages
):
    today = timezone.localdate()
    page = make_article(title_ar="المقال المفتوح")
    most = make_article(title_ar="الأكثر قراءة")
    second = make_article(title_ar="الثاني قراءة")
    old = make_article(title_ar="قُرئ قبل أسبوعين")
    english_less = make_article(title_ar="بالعربية وحدها", english=False)
    for article, day, count in (
        (page, today, 900),
        (most, today, 40),
        (most, today - timedelta(days=6), 30),
        (second, today - timedelta(days=1), 50),
        (old, today - timedelta(days=7), 5000),
        (english_less, today, 10),
    ):
        DailyReadCount.objects.create(article=article, day=day, count=count)

    path = page.get_absolute_url()
    home = html.fromstring(client.get("/").content.decode())
    english_home = html.fromstring(client.get("/en/").content.decode())
    client.get(path)  # the masthead and the week's counts are kept
    # Made again (the page cache is off): no more queries than before most read.
    with django_assert_max_num_queries(8):
        content = client.get(path).content.decode()

    ranked = '//section[@class="most-read"]//li/a/text()'
    assert home.xpath(ranked) == [
        "المقال المفتوح",
        "الأكثر قراءة",
        "الثاني قراءة",
        "بالعربية وحدها",
    ]
    assert english_home.xpath(ranked) == [
        page.title_en,
        most.title_en,
        second.title_en,
    ]
    side = html.fromstring(content).xpath(
        '//section[@aria-labelledby="side-read-heading"]//a/text()'
    )
    # The page's own article, though read most, is not offered beside itself.
    assert side == ["الأكثر قراءة", "الثاني قراءة", "بالعربية وحدها"]


@pytest.mark.django_db
def test_an_article_taken_down_leaves_most_read_at_once(client):
    article = make_article(title_ar="قرأه الناس ثم سُحب")
    DailyReadCount.objects.create(article=article, day=timezone.localdate(), count=30)
    assert "قرأه الناس ثم سُحب" in client.get("/").content.decode()

    article.status = Article.Status.DRAFT
    article.save()

    assert "قرأه الناس ثم سُحب" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_editors_see_reads_this_week_in_the_article_list_and_dashboard(client):
    today = timezone.localdate()
    popular = make_article(title_ar="مقروء جدًا")
    fair = make_article(title_ar="مقروء قليلًا")
    unread = make_article(title_ar="لم يقرأه أحد")
    DailyReadCount.objects.create(article=popular, day=today, count=1200)
    DailyReadCount.objects.create(article=popular, day=today - timedelta(days=9), count=70)
    DailyReadCount.objects.create(article=fair, day=today - timedelta(days=2), count=42)
    sign_in(client, staff(roles.EDITOR))
    changelist = reverse("admin:articles_article_changelist")

    def listed(**query):
        page = html.fromstring(client.get(changelist, query).content.decode())
        rows = page.xpath('//table[@id="result_list"]/tbody/tr')
        return [
            (
                row.xpath("string(.//th)").strip(),
                row.xpath('string(.//td[contains(@class, "field-reads_this_week")])').strip(),
            )
            for row in rows
        ]

    by_reads = listed(o="-8")  # the reads column, most first
    assert by_reads[:2] == [("مقروء جدًا", "1200"), ("مقروء قليلًا", "42")]
    assert ("لم يقرأه أحد", "0") in by_reads
    assert listed(reads="1000") == [("مقروء جدًا", "1200")]
    assert listed(reads="1") == [("مقروء قليلًا", "42")]
    assert [title for title, _reads in listed(reads="top")] == ["مقروء جدًا", "مقروء قليلًا"]
    assert ("لم يقرأه أحد", "0") in listed(reads="0")
    assert "القراءات هذا الأسبوع" in client.get(changelist).content.decode()

    dashboard = client.get(reverse("admin:index")).context["dashboard"]
    assert [
        (row["article"], row["article__title_ar"], row["reads"]) for row in dashboard["most_read"]
    ] == [(popular.pk, "مقروء جدًا", 1200), (fair.pk, "مقروء قليلًا", 42)]
    assert unread.pk not in [row["article"] for row in dashboard["most_read"]]


@pytest.mark.django_db
def test_the_weeks_most_read_are_summed_from_the_day_index_alone():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (the same index serves PostgreSQL)")
    today = timezone.localdate()
    week = WEEK_READ_TOTALS.build(since=today - timedelta(days=6), until=today, limit=24)
    sql, params = week.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(row[-1] for row in cursor.fetchall())

    # Only the week's rows, and not one table row: the counts are in the index.
    assert "COVERING INDEX read_count_day_total (day>? AND day<?)" in plan


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reads_are_all_counted():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race needs a server database")
    article = make_article()
    reads_per_thread, threads = 25, 8
    barrier = threading.Barrier(threads)
    errors = []

    def read():
        try:
            barrier.wait()
            for _ in range(reads_per_thread):
                read_record(article_id=article.pk)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert DailyReadCount.objects.get(article=article).count == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_counts_a_cached_page_once_and_reads_it_whole_without_javascript(
    live_server, migration_rows
):
    article = make_article(
        title_ar="مقال يقرؤه المتصفح",
        body_ar="<p>الفقرة الأولى من المقال.</p><p>الفقرة الأخيرة من المقال.</p>",
    )
    path = article.get_absolute_url()
    # Stored in the cache for the live server's host (it runs in this process).
    warm = Client().get(path, HTTP_HOST=urlsplit(live_server.url).netloc)
    assert warm["X-Cache"] == "miss"

    with launched() as chromium:
        browser = CspWatchedBrowser(chromium)
        reader = browser.new_context(user_agent=READER, locale="ar")
        page = reader.new_page()
        beacon = f"{live_server.url}/r/{article.pk}/"
        with page.expect_response(beacon) as counted:
            answer = page.goto(live_server.url + path)
        assert answer.headers["x-cache"] == "hit"
        assert (counted.value.status, counted.value.request.method) == (204, "POST")
        assert reader.cookies() == []

        no_script = browser.new_context(user_agent=READER, locale="ar", java_script_enabled=False)
        plain = no_script.new_page()
        plain.goto(live_server.url + path)
        text = plain.locator("main").inner_text()
        blocked = browser.close()

    # inner_text is what is rendered: the headline and every paragraph show, script or not.
    for shown in ("مقال يقرؤه المتصفح", "الفقرة الأولى من المقال.", "الفقرة الأخيرة من المقال."):
        assert shown in text
    assert blocked == []
    assert reads_of(article) == 1


@pytest.mark.django_db
def test_a_read_sent_from_another_sites_page_is_not_counted(client):
    """Another site's page can make its visitors' browsers post here, each from its own
    address (no rate limit meets them): browsers say where a request comes from."""
    article = make_article()
    path = f"/r/{article.pk}/"

    for headers in (
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://other.testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ):
        assert send_read(client, path, **headers).status_code == 204
    assert reads_of(article) == 0

    # Our own page's script: the browser says so, or an older one says nothing.
    send_read(client, path, HTTP_SEC_FETCH_SITE="same-origin", HTTP_ORIGIN="http://testserver")
    send_read(client, path, HTTP_ORIGIN="http://testserver")
    send_read(client, path)
    assert reads_of(article) == 3


@pytest.mark.django_db
def test_one_ipv6_subscriber_cannot_pass_the_limit_by_changing_address(client, settings):
    """A subscriber holds a whole /64 and may send from any of its addresses."""
    settings.NEWSROOM_READS_PER_MINUTE = 3
    article = make_article()
    path = f"/r/{article.pk}/"

    statuses = [
        client.post(path, HTTP_USER_AGENT=READER, REMOTE_ADDR=f"2001:db8:7:9::{n:x}").status_code
        for n in range(1, 6)
    ]
    neighbour = client.post(path, HTTP_USER_AGENT=READER, REMOTE_ADDR="2001:db8:7:a::1")

    assert statuses == [204, 204, 204, 429, 429]
    assert neighbour.status_code == 204  # another subscriber's /64
    assert reads_of(article) == 4
