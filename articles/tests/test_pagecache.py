"""Whole-page caching for anonymous readers: served from the cache, and never stale."""

import logging
import socket
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from articles.caching import pagecache
from articles.models import Article
from articles.tests.factories import (
    make_article,
    make_correction,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _healthy_cache():
    """Each test starts with a cache the process believes is up."""
    pagecache._Outage.retry_at = 0.0
    pagecache._Outage.bump_pending = False
    pagecache._Outage.last_logged = 0.0
    yield
    pagecache._Outage.retry_at = 0.0
    pagecache._Outage.bump_pending = False


def html(response) -> str:
    return response.content.decode()


def editor():
    user = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return user


# Served from the cache -------------------------------------------------------------------


def test_a_repeated_anonymous_visit_is_served_whole_from_the_cache_with_no_query(
    client, django_assert_num_queries
):
    article = make_article(title_ar="خبر عاجل")
    first = client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert "خبر عاجل" in html(second)
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Language"] == "ar"


def test_each_language_has_its_own_copy(client):
    article = make_article(title_ar="عنوان عربي", title_en="English headline")
    arabic_path = article.get_absolute_url()
    with translation.override("en"):
        english_path = article.get_absolute_url()
    client.get(arabic_path), client.get(english_path)

    arabic, english = client.get(arabic_path), client.get(english_path)

    assert (arabic["X-Cache"], english["X-Cache"]) == ("hit", "hit")
    assert "عنوان عربي" in html(arabic) and "English headline" not in html(arabic)
    assert "English headline" in html(english)
    assert (arabic["Content-Language"], english["Content-Language"]) == ("ar", "en")


def test_tracking_parameters_share_one_copy_and_pages_of_a_list_do_not(client):
    section = make_section()
    for number in range(25):
        make_article(section=section, title_ar=f"مقال القسم {number}")
    path = section.get_absolute_url()

    client.get(path)
    shared_link = client.get(path + "?fbclid=IwAR0abc&utm_source=whatsapp")
    second_page = client.get(path + "?page=2")

    assert shared_link["X-Cache"] == "hit"
    assert second_page["X-Cache"] == "miss"
    assert second_page.content != shared_link.content


# Never stale -------------------------------------------------------------------------------


def test_a_publish_shows_on_the_article_home_and_section_pages_on_the_very_next_request(
    client, roles_exist
):
    section = make_section()
    make_article(section=section, title_ar="خبر قديم")
    draft = make_article(section=section, status=Article.Status.DRAFT, title_ar="خبر يُنشر الآن")
    home, section_page = client.get("/"), client.get(section.get_absolute_url())
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/")["X-Cache"] == "hit"

    actions.Publish(draft, actor=editor()).execute()

    assert "خبر يُنشر الآن" not in html(home) + html(section_page)
    for path in ("/", section.get_absolute_url(), draft.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "خبر يُنشر الآن" in html(response), path


@pytest.mark.django_db(transaction=True)
def test_a_publish_committed_by_another_request_is_seen_at_once(client, roles_exist):
    """With real commits: the generation also changes when the transaction commits."""
    section = make_section()
    draft = make_article(section=section, status=Article.Status.DRAFT, title_ar="نبأ جديد")
    client.get("/")
    client.get(section.get_absolute_url())

    actions.Publish(draft, actor=editor()).execute()

    assert "نبأ جديد" in html(client.get("/"))
    assert "نبأ جديد" in html(client.get(section.get_absolute_url()))


def test_an_edit_unpublish_and_delete_each_refresh_the_pages_that_show_the_article(
    client, roles_exist
):
    article = make_article(title_ar="العنوان الأول")
    path = article.get_absolute_url()
    client.get(path), client.get("/")

    article.title_ar = "العنوان المصحح"
    article.save()
    assert "العنوان المصحح" in html(client.get(path))
    assert "العنوان المصحح" in html(client.get("/"))

    actions.Unpublish(article, actor=editor()).execute()
    assert client.get(path).status_code == 404
    assert "العنوان المصحح" not in html(client.get("/"))

    other = make_article(title_ar="خبر سيُحذف")
    client.get("/")
    other.delete()
    assert "خبر سيُحذف" not in html(client.get("/"))


@pytest.mark.parametrize(
    "change, expected",
    [
        ("quote", "قول جديد للخبير"),
        ("expert", "اسم الخبير الجديد"),
        ("correction", "صُحّح تاريخ الحادثة"),
        ("network", "شبكة جديدة"),
        ("section", "قسم بعنوان جديد"),
        ("tag", "وسم بعنوان جديد"),
    ],
)
def test_a_change_to_anything_the_article_page_shows_refreshes_it(client, change, expected):
    expert = make_expert(name_ar="اسم الخبير القديم")
    tag = make_tag(name_ar="وسم قديم")
    article = make_article(tags=[tag])
    quote = make_quote(article=article, expert=expert, text_ar="قول قديم")
    network = make_network(slug="whatsapp", name_ar="شبكة قديمة")
    path = article.get_absolute_url()
    before = client.get(path)
    assert client.get(path)["X-Cache"] == "hit"

    if change == "quote":
        quote.text_ar = expected
        quote.save()
    elif change == "expert":
        expert.name_ar = expected
        expert.save()
    elif change == "correction":
        make_correction(article=article, text_ar=expected)
    elif change == "network":
        network.name_ar = expected
        network.save()
    elif change == "section":
        article.section.name_ar = expected
        article.section.save()
    elif change == "tag":
        tag.name_ar = expected
        tag.save()

    after = client.get(path)
    assert expected not in html(before)
    assert expected in html(after)
    assert after["X-Cache"] == "miss"


def test_tagging_an_article_refreshes_the_tag_page(client):
    tag = make_tag()
    article = make_article(title_ar="خبر موسوم لاحقاً")
    assert "خبر موسوم لاحقاً" not in html(client.get(tag.get_absolute_url()))

    article.tags.add(tag)

    assert "خبر موسوم لاحقاً" in html(client.get(tag.get_absolute_url()))


def test_a_scheduled_article_appears_at_its_time_with_no_save(client):
    section = make_section()
    make_article(section=section, title_ar="خبر منشور")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        make_article(
            section=section,
            title_ar="خبر مجدول",
            published_at=timezone.now() + timedelta(minutes=30),
        )
        assert "خبر مجدول" not in html(client.get("/"))
        assert client.get("/")["X-Cache"] == "hit"

        traveller.shift(timedelta(minutes=31))

        assert "خبر مجدول" in html(client.get("/"))
        assert "خبر مجدول" in html(client.get(section.get_absolute_url()))


def test_a_change_recorded_by_another_worker_is_seen_by_this_one(client, settings):
    """Workers with their own local-memory cache share the generation through a file."""
    article = make_article()
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Cache"] == "hit"

    # Another worker process saves a change: it writes a new generation to the file.
    settings.NEWSROOM_PAGE_CACHE_GENERATION_FILE.write_text(pagecache.new_token())

    assert client.get(article.get_absolute_url())["X-Cache"] == "miss"


# HTTP caching ------------------------------------------------------------------------------


def test_pages_carry_an_etag_and_a_repeat_visit_gets_304_until_something_changes(client):
    article = make_article(title_ar="قبل التعديل")
    path = article.get_absolute_url()
    first = client.get(path)
    etag = first["ETag"]

    unchanged = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag

    article.title_ar = "بعد التعديل"
    article.save()
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "بعد التعديل" in html(changed)


def test_anonymous_pages_tell_a_cdn_how_long_to_keep_them_and_browsers_to_revalidate(
    client, settings
):
    settings.NEWSROOM_CDN_MAX_AGE = 15
    settings.NEWSROOM_CDN_STALE_WHILE_REVALIDATE = 45
    response = client.get(make_article().get_absolute_url())

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=15", "stale-while-revalidate=45"} <= directives
    # The language is in the path: no Vary that would split a CDN's copies per reader.
    assert "accept-language" not in response.get("Vary", "").lower()
    assert "cookie" not in response.get("Vary", "").lower()
    assert not response.cookies


def test_a_head_request_is_answered_from_the_cache_without_a_body(client):
    path = make_article().get_absolute_url()
    full = client.get(path)
    head = client.head(path)

    assert head.status_code == 200
    assert head["X-Cache"] == "hit"
    assert head.content == b""
    assert head["Content-Length"] == str(len(full.content))


# Never cached ------------------------------------------------------------------------------


def test_signed_in_staff_always_get_the_live_page_and_no_shared_cache_keeps_it(client):
    article = make_article(title_ar="خبر")
    path = article.get_absolute_url()
    client.get(path)  # cached for readers
    staff = Client()
    staff.force_login(get_user_model().objects.create_user(username="staff", is_staff=True))

    response = staff.get(path)

    assert response.status_code == 200
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_preview_is_never_cached(client):
    draft = make_article(status=Article.Status.DRAFT, title_ar="مسودة أولى")
    editor = get_user_model().objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    _link, token = actions.CreatePreviewLink(draft, actor=editor).execute()
    path = f"/preview/{token}/"
    first = client.get(path)
    Article.objects.filter(pk=draft.pk).update(title_ar="مسودة ثانية")  # no signal at all
    second = client.get(path)

    assert "مسودة أولى" in html(first)
    assert "مسودة ثانية" in html(second)
    assert "no-store" in second["Cache-Control"] and "private" in second["Cache-Control"]
    assert "X-Cache" not in second


def test_a_missing_page_is_not_cached_and_appears_once_published(client):
    draft = make_article(status=Article.Status.DRAFT)
    path = draft.get_absolute_url()
    assert client.get(path).status_code == 404

    Article.objects.filter(pk=draft.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now()
    )

    assert client.get(path).status_code == 200


# The cache server down ---------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


def test_with_the_cache_server_down_readers_get_live_pages_and_the_outage_is_logged(
    client, redis_down, caplog
):
    article = make_article(title_ar="خبر أول")
    with caplog.at_level(logging.WARNING, logger="newsroom"):
        first = client.get(article.get_absolute_url())
        Article.objects.filter(pk=article.pk).update(title_ar="خبر معدل")
        second = client.get(article.get_absolute_url())
        home = client.get("/")

    assert (first.status_code, second.status_code, home.status_code) == (200, 200, 200)
    assert "خبر معدل" in html(second)
    assert "X-Cache" not in first or first["X-Cache"] == "miss"
    outages = [r for r in caplog.records if "Page cache unavailable" in r.getMessage()]
    assert len(outages) == 1  # logged once, not once per request


def test_an_edit_saved_while_the_cache_is_down_is_not_hidden_by_pages_cached_before(
    client, settings
):
    """A worker that could not record a change caches nothing until it has recorded one."""
    article = make_article(title_ar="صيغة أولى")
    path = article.get_absolute_url()
    client.get(path)
    assert client.get(path)["X-Cache"] == "hit"

    real_bump = pagecache.FileGeneration.bump

    def broken_bump(self, cache=None):
        raise ConnectionError("cache server unreachable")

    pagecache.FileGeneration.bump = broken_bump
    try:
        article.title_ar = "صيغة ثانية"
        article.save()
        during = client.get(path)
    finally:
        pagecache.FileGeneration.bump = real_bump
    pagecache._Outage.retry_at = 0.0  # the server is back
    after = client.get(path)

    assert "صيغة ثانية" in html(during)
    assert "صيغة ثانية" in html(after)


# Against a real Redis server, where this machine has one -----------------------------------


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def real_redis(settings):
    if not _redis_answers():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"newsroom-test-{pagecache.new_token()}",
        }
    }
    yield
    cache.clear()


def test_on_redis_pages_are_shared_and_a_change_refreshes_them(client, real_redis):
    article = make_article(title_ar="على ريديس")
    path = article.get_absolute_url()
    client.get(path)
    other_worker = Client()

    assert other_worker.get(path)["X-Cache"] == "hit"
    article.title_ar = "على ريديس بعد التعديل"
    article.save()
    assert "بعد التعديل" in html(other_worker.get(path))
    assert client.get(path)["X-Cache"] == "hit"


# The read replica --------------------------------------------------------------------------


def test_the_replica_router_sends_only_anonymous_page_reads_to_the_replica():
    from articles.caching.router import ReplicaRouter

    router = ReplicaRouter()
    assert router.db_for_read(Article) == "default"
    marker = pagecache.anonymous_read.set(True)
    try:
        assert router.db_for_read(Article) == "replica"
        assert router.db_for_write(Article) == "default"
    finally:
        pagecache.anonymous_read.reset(marker)
    assert router.allow_migrate("replica", "articles") is False


def test_pages_read_from_the_primary_for_a_moment_after_a_change(client, settings, monkeypatch):
    from articles.reading import pages

    seen = []
    original = pages.home_page

    def recording(*args, **kwargs):
        seen.append(pagecache.anonymous_read.get())
        return original(*args, **kwargs)

    monkeypatch.setattr(pages, "home_page", recording)
    settings.NEWSROOM_REPLICA_LAG_SECONDS = 5
    make_article()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get("/")  # just after a change: the replica may not have it yet
        traveller.shift(timedelta(seconds=6))
        cache.clear()
        client.get("/")  # the replica has caught up
        staff = Client()
        staff.force_login(get_user_model().objects.create_user(username="staff", is_staff=True))
        staff.get("/")

    assert seen == [False, True, False]


def test_a_new_release_is_not_served_pages_cached_by_the_previous_one(client, settings):
    settings.NEWSROOM_RELEASE = "release-1"
    path = make_article().get_absolute_url()
    client.get(path)
    assert client.get(path)["X-Cache"] == "hit"

    settings.NEWSROOM_RELEASE = "release-2"

    assert client.get(path)["X-Cache"] == "miss"


def test_writing_drafts_leaves_the_cached_pages_alone(client):
    section, tag, expert = make_section(), make_tag(), make_expert()
    make_article(section=section, title_ar="خبر منشور")
    client.get("/")

    draft = make_article(section=section, status=Article.Status.DRAFT, title_ar="مسودة")
    draft.title_ar = "مسودة معدلة"
    draft.save()
    draft.tags.add(tag)
    make_quote(article=draft, expert=expert)
    make_correction(article=draft)

    assert client.get("/")["X-Cache"] == "hit"


def test_editing_the_quote_of_a_published_article_refreshes_its_page(client):
    article = make_article()
    quote = make_quote(article=article, text_ar="نص أول")
    client.get(article.get_absolute_url())

    quote.text_ar = "نص ثان"
    quote.save()

    assert "نص ثان" in html(client.get(article.get_absolute_url()))


def test_on_redis_a_page_a_worker_kept_is_not_served_after_a_change_elsewhere(client, real_redis):
    """Another app server records a change: this worker's own copy is not served."""
    article = make_article(title_ar="نسخة محفوظة")
    path = article.get_absolute_url()
    client.get(path)
    assert client.get(path)["X-Cache"] == "hit"

    Article.objects.filter(pk=article.pk).update(title_ar="نسخة جديدة")  # no signal here
    cache.set(pagecache.GENERATION_KEY, pagecache.new_token(), timeout=None)  # as elsewhere

    fresh = client.get(path)
    assert fresh["X-Cache"] == "miss"
    assert "نسخة جديدة" in html(fresh)


def test_a_commit_after_a_refused_save_still_ends_the_pages_rendered_before_it(
    django_capture_on_commit_callbacks,
):
    """A page rendered between a save and its commit, by a worker whose connection cannot
    see the save yet, is stored under the save's generation: the commit must start another
    one, or readers keep that page. A refused save, rolled back, must not switch this off
    for the rest of the worker's life."""
    generation = pagecache.FileGeneration()
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.content_changed()
        raise RuntimeError("the save is refused")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pagecache.content_changed()
        rendered_under = generation.current()

    assert generation.current() != rendered_under


def test_a_transaction_of_many_changes_starts_one_generation_when_it_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    started = []
    bump = pagecache.FileGeneration.bump
    monkeypatch.setattr(
        pagecache.FileGeneration, "bump", lambda self, cache=None: started.append(1) or bump(self)
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _change in range(5):
            pagecache.content_changed()
        during = len(started)

    assert (during, len(started)) == (5, 6)
