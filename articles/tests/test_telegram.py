"""The outlet's Telegram channel posts itself, through the job queue, against a fake Bot
API on 127.0.0.1 (``fake_telegram.py``; never the real one).

The core of it runs twice: with the queue in the database and in Redis (RQ), as a
deployment chooses with ``NEWSROOM_JOBS_REDIS_URL``. These tests commit for real: the
worker reads what the editor's transaction wrote, as a worker in another process would.
"""

import datetime
import io
import os
import re

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django_tasks import task_backends
from PIL import Image

from articles.models import Article, Delivery
from articles.operations import jobs, telegram
from articles.tests import fake_telegram
from articles.tests.factories import make_article, make_correction
from articles.tests.signin import sign_in
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "https://sy24.example"
State = Delivery.State
# Short enough for a test, long enough to be measured: the first retry's delay.
RETRY = 0.5


def redis_url() -> str:
    """A Redis database of this test process's own (pytest-xdist runs several)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = 12 + int(re.sub(r"\D", "", worker) or 0)  # 9 is the bench's cache
    return f"redis://127.0.0.1:6379/{number}"


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def queue(request, settings):
    """The job queue, in the database (the default) or in Redis."""
    if request.param == "redis":
        if not redis_answers():
            if os.environ.get("NEWSROOM_REQUIRE_REDIS"):
                pytest.fail(f"Redis does not answer at {redis_url()}")
            pytest.skip("Redis does not answer on 127.0.0.1:6379")
        import redis

        server = redis.Redis.from_url(redis_url())
        server.flushdb()
        settings.RQ_QUEUES = {"default": {"URL": redis_url(), "DEFAULT_TIMEOUT": 60}}
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        }
        yield request.param
        server.flushdb()
    else:
        yield request.param


@pytest.fixture
def bot_api():
    fake = fake_telegram.FakeBotAPI()
    yield fake
    fake.close()


@pytest.fixture
def channel(settings, bot_api):
    """The channel's settings, as a deployment sets them, pointed at the fake."""
    settings.NEWSROOM_SITE_URL = SITE
    settings.NEWSROOM_TELEGRAM_BOT_TOKEN = fake_telegram.TOKEN
    settings.NEWSROOM_TELEGRAM_CHAT_ID = "@" + fake_telegram.CHANNEL_USERNAME
    settings.NEWSROOM_TELEGRAM_CHAT_ID_EN = ""
    settings.NEWSROOM_TELEGRAM_API_URL = bot_api.url
    settings.NEWSROOM_TELEGRAM_IV_RHASH = ""
    settings.NEWSROOM_TELEGRAM_TIMEOUT = 5
    settings.NEWSROOM_JOB_RETRY_SECONDS = RETRY
    settings.NEWSROOM_JOB_MAX_ATTEMPTS = 5
    return bot_api


@pytest.fixture
def editor(roles_exist):
    user = get_user_model().objects.create_user(
        username="editor", password="pw-editor-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return user


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


def draft(**fields) -> Article:
    return make_article(status=Article.Status.DRAFT, **fields)


def with_picture(article: Article) -> Article:
    article.lead_image = ContentFile(jpeg_bytes(), name="front.jpg")
    article.lead_image_alt_ar = "صورة"
    article.save()
    return article


def run_worker():
    """Run every job that is due, then stop (`manage.py newsroom_worker --until-empty`)."""
    call_command("newsroom_worker", "--until-empty", verbosity=0)


@pytest.fixture
def clock(time_machine):
    """Time that moves only when a test says so: "before its time" and "once its time
    has come" are then the same on a busy machine as on an idle one."""
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def wait_until(clock, moment: datetime.datetime):
    """Move the clock just past ``moment`` (what waiting for it would do)."""
    delay = moment - timezone.now()
    if delay > datetime.timedelta(0):
        clock.shift(delay + datetime.timedelta(milliseconds=10))


def the_post(article) -> Delivery:
    return Delivery.objects.get(article=article, kind=Delivery.Kind.POST)


# --- what the issue asks, on both queues ------------------------------------------------


def test_publishing_queues_one_job_and_the_worker_posts_once(queue, channel, editor, seed_report):
    with_picture(seed_report)
    actions.Unpublish(seed_report, actor=editor).execute()
    assert Delivery.objects.count() == 0  # nothing was ever posted: nothing to remove

    actions.Publish(seed_report, actor=editor).execute()

    assert Delivery.objects.count() == 1
    assert channel.calls == []  # the editor's request sends nothing

    run_worker()

    assert channel.methods() == ["sendPhoto"]
    call = channel.calls[0]
    assert call.fields["chat_id"] == "@sy24_test"
    assert call.fields["parse_mode"] == "HTML"
    caption = call.fields["caption"]
    assert caption.startswith(f"<b>{seed_report.title_ar}</b>")
    assert f"{SITE}/a/{seed_report.pk}/" in caption
    assert len(re.sub(r"<[^>]+>", "", caption)) <= telegram.CAPTION_LIMIT
    assert call.files["photo"][:3] == b"\xff\xd8\xff"  # the lead picture, as a JPEG
    post = the_post(seed_report)
    assert post.state == State.SENT
    assert post.link == f"https://t.me/sy24_test/{post.message_id}"

    run_worker()  # again: nothing more is sent

    assert channel.methods() == ["sendPhoto"]


def test_a_failing_api_is_retried_with_growing_delays_and_posts_once(queue, channel, editor, clock):
    article = draft()
    channel.fail(500, "Internal Server Error")
    channel.fail(502, "Bad Gateway")

    actions.Publish(article, actor=editor).execute()
    started = timezone.now()
    run_worker()

    post = the_post(article)
    assert (post.state, post.attempts) == (State.QUEUED, 1)
    assert "500" in post.last_error
    assert (post.next_attempt_at - started).total_seconds() == RETRY

    run_worker()  # before the retry's time: nothing is sent
    assert len(channel.calls) == 1

    wait_until(clock, post.next_attempt_at)
    failed_at = timezone.now()
    run_worker()
    post.refresh_from_db()
    assert (post.state, post.attempts) == (State.QUEUED, 2)
    assert (post.next_attempt_at - failed_at).total_seconds() == RETRY * 2  # doubled

    wait_until(clock, post.next_attempt_at)
    run_worker()

    post.refresh_from_db()
    assert post.state == State.SENT
    assert channel.methods() == ["sendMessage"] * 3  # two refused, one posted
    run_worker()
    assert len(channel.calls) == 3


def test_unpublishing_deletes_the_post(queue, channel, editor):
    article = draft()
    actions.Publish(article, actor=editor).execute()
    run_worker()
    post = the_post(article)

    actions.Unpublish(article, actor=editor).execute()
    run_worker()

    assert channel.methods() == ["sendMessage", "deleteMessage"]
    assert channel.calls[1].fields == {"chat_id": "@sy24_test", "message_id": str(post.message_id)}
    removal = Delivery.objects.get(kind=Delivery.Kind.DELETE)
    assert removal.state == State.SENT


def test_a_restart_between_queueing_and_sending_loses_nothing(queue, channel, editor):
    article = draft()
    actions.Publish(article, actor=editor).execute()

    # What a restart leaves: no connection, no backend, nothing in memory but settings.
    for connection in connections.all():
        connection.close()
    task_backends._backends = {} if hasattr(task_backends, "_backends") else None
    if queue == "redis":
        import django_rq

        django_rq.get_connection("default").connection_pool.disconnect()

    run_worker()

    assert channel.methods() == ["sendMessage"]
    assert the_post(article).state == State.SENT


# --- the rest, on the default queue ---------------------------------------------------------


def test_a_rate_limit_is_waited_out_and_not_counted_as_a_failure(channel, editor, clock):
    article = draft()
    channel.fail(429, "Too Many Requests: retry after 1", retry_after=1)
    actions.Publish(article, actor=editor).execute()
    limited_at = timezone.now()

    run_worker()

    post = the_post(article)
    assert post.state == State.QUEUED
    assert (post.next_attempt_at - limited_at).total_seconds() == 1
    assert post.attempts == 0
    run_worker()
    assert len(channel.calls) == 1  # not before the second Telegram asked for

    wait_until(clock, post.next_attempt_at)
    run_worker()

    assert the_post(article).state == State.SENT
    assert len(channel.calls) == 2


def test_without_a_token_nothing_is_queued(settings, editor):
    settings.NEWSROOM_TELEGRAM_BOT_TOKEN = ""
    article = draft()

    actions.Publish(article, actor=editor).execute()

    assert Delivery.objects.count() == 0


def test_a_refusal_gives_up_at_once_keeps_the_reason_and_an_editor_retries_it(
    channel, editor, client
):
    article = draft()
    channel.fail(403, "Forbidden: bot is not a member of the channel chat")
    actions.Publish(article, actor=editor).execute()
    run_worker()

    post = the_post(article)
    assert post.state == State.FAILED
    assert "bot is not a member" in post.last_error
    assert fake_telegram.TOKEN not in post.last_error

    sign_in(client, editor)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "bot is not a member" in page.content.decode()
    retry = reverse("admin:articles_delivery_retry", args=[post.pk])
    assert retry in page.content.decode()

    client.post(retry)
    run_worker()

    assert the_post(article).state == State.SENT
    assert channel.methods() == ["sendMessage", "sendMessage"]


def test_repeated_failures_give_up_after_the_set_number_of_tries(settings, channel, editor, clock):
    settings.NEWSROOM_JOB_MAX_ATTEMPTS = 2
    settings.NEWSROOM_JOB_RETRY_SECONDS = 0.05
    article = draft()
    for _ in range(3):
        channel.fail(500)
    actions.Publish(article, actor=editor).execute()

    run_worker()
    wait_until(clock, the_post(article).next_attempt_at)
    run_worker()

    post = the_post(article)
    assert (post.state, post.attempts) == (State.FAILED, 2)
    assert "500" in post.last_error
    assert len(channel.calls) == 2


def test_a_journalist_sees_deliveries_but_cannot_retry(channel, editor, client, roles_exist):
    article = draft()
    channel.fail(400, "Bad Request: chat not found")
    actions.Publish(article, actor=editor).execute()
    run_worker()
    post = the_post(article)
    journalist = get_user_model().objects.create_user(username="writer", is_staff=True)
    journalist.groups.add(Group.objects.get(name=roles.JOURNALIST))
    sign_in(client, journalist)

    listing = client.get(reverse("admin:articles_delivery_changelist"))
    refused = client.post(reverse("admin:articles_delivery_retry", args=[post.pk]))

    assert "chat not found" in listing.content.decode()
    assert refused.status_code == 403
    post.refresh_from_db()
    assert post.state == State.FAILED


def test_a_scheduled_article_is_posted_when_its_time_comes(channel, editor, clock):
    article = draft()
    actions.Schedule(
        article, actor=editor, at=timezone.now() + datetime.timedelta(hours=1)
    ).execute()
    at = timezone.now() + datetime.timedelta(seconds=1)

    actions.Schedule(article, actor=editor, at=at).execute()  # moved earlier
    run_worker()

    assert channel.calls == []
    wait_until(clock, at)
    run_worker()
    assert channel.methods() == ["sendMessage"]
    assert Delivery.objects.count() == 1


def test_a_headline_changed_within_the_hour_is_edited_in_the_post(settings, channel, editor):
    article = with_picture(draft())
    actions.Publish(article, actor=editor).execute()
    run_worker()

    article.title_ar = "عنوان مصحح بعد النشر"
    actions.ArticleAction(article, actor=editor).execute()
    run_worker()

    assert channel.methods() == ["sendPhoto", "editMessageCaption"]
    edit = channel.calls[1]
    assert edit.fields["message_id"] == str(the_post(article).message_id)
    assert edit.fields["caption"].startswith("<b>عنوان مصحح بعد النشر</b>")

    settings.NEWSROOM_TELEGRAM_EDIT_WINDOW = 0  # an hour later
    article.title_ar = "عنوان ثالث"
    actions.ArticleAction(article, actor=editor).execute()
    run_worker()
    assert len(channel.calls) == 2


def test_a_ticked_correction_is_announced_as_a_reply_to_the_post(channel, editor):
    article = draft()
    actions.Publish(article, actor=editor).execute()
    run_worker()
    make_correction(article=article, text_ar="صُحّح عدد العائدين.", announce=True)
    make_correction(article=article, text_ar="تصحيح إملائي.", announce=False)

    actions.ArticleAction(article, actor=editor).execute()
    run_worker()
    actions.ArticleAction(article, actor=editor).execute()  # saved again: not announced twice
    run_worker()

    assert channel.methods() == ["sendMessage", "sendMessage"]
    announcement = channel.calls[1].fields
    assert "صُحّح عدد العائدين." in announcement["text"]
    assert "تصحيح إملائي" not in announcement["text"]
    assert f'"message_id": {the_post(article).message_id}' in announcement["reply_parameters"]


def test_english_goes_to_the_english_channel(settings, channel, editor):
    settings.NEWSROOM_TELEGRAM_CHAT_ID_EN = "@sy24_english"
    article = draft(title_en="Families return to rural Raqqa")

    actions.Publish(article, actor=editor).execute()
    run_worker()

    sent = {call.fields["chat_id"]: call.fields["text"] for call in channel.calls}
    assert sent["@sy24_english"].startswith("<b>Families return to rural Raqqa</b>")
    assert f"{SITE}/en/a/{article.pk}/" in sent["@sy24_english"]
    assert sent["@sy24_test"].startswith(f"<b>{article.title_ar}</b>")


def test_with_a_template_hash_the_link_opens_instant_view(settings, channel, editor):
    settings.NEWSROOM_TELEGRAM_IV_RHASH = "a1b2c3d4e5"
    article = draft()

    actions.Publish(article, actor=editor).execute()
    run_worker()

    text = channel.calls[0].fields["text"]
    href = re.search(r'<a href="([^"]+)">', text).group(1).replace("&amp;", "&")
    assert href.startswith("https://t.me/iv?url=https%3A%2F%2Fsy24.example%2Farticles%2F")
    assert href.endswith("&rhash=a1b2c3d4e5")
    assert f">{SITE}/a/{article.pk}/</a>" in text  # the reader still sees the short link


def test_a_worker_killed_mid_send_leaves_nothing_behind(channel, editor):
    article = draft()
    actions.Publish(article, actor=editor).execute()
    # The worker claimed it, then was killed (SIGKILL): the job is gone, the row says
    # "sending" since long before the lease.
    long_ago = timezone.now() - jobs.SENDING_LEASE - datetime.timedelta(minutes=1)
    Delivery.objects.update(state=State.SENDING, claimed_at=long_ago, attempts=1)
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()

    run_worker()

    assert channel.methods() == ["sendMessage"]
    assert the_post(article).state == State.SENT


def test_a_long_standfirst_is_cut_at_a_word_to_fit_a_caption(channel):
    article = make_article(title_ar="عنوان <b>&", summary_ar="كلمة " * 400)

    caption = telegram.post_html(article, "ar", limit=telegram.CAPTION_LIMIT)

    assert caption.startswith("<b>عنوان &lt;b&gt;&amp;</b>")
    shown = re.sub(r"<[^>]+>", "", caption).replace("&lt;", "<").replace("&gt;", ">")
    assert len(shown.replace("&amp;", "&")) <= telegram.CAPTION_LIMIT
    assert "كلمة…" in caption


def test_the_article_page_carries_what_an_instant_view_template_reads(client, settings):
    settings.NEWSROOM_SITE_URL = SITE
    article = with_picture(make_article(summary_ar="خلاصة الخبر."))

    page = lxml.html.fromstring(client.get(article.get_absolute_url()).content)

    (body,) = page.xpath("//article")  # one article element
    assert body.xpath(".//h1")[0].text_content() == article.title_ar
    assert body.xpath(".//p[contains(@class, 'standfirst')]")[0].text_content() == "خلاصة الخبر."
    assert page.xpath("//meta[@property='article:author']/@content")
    assert page.xpath("//meta[@property='article:published_time']/@content")
    assert body.xpath(".//time/@datetime")
    assert body.xpath(".//figure[contains(@class, 'lead-image')]//img")
    assert body.xpath(".//div[contains(@class, 'article-body')]")


def test_an_editor_ticks_a_correction_in_the_article_form_and_it_is_announced(
    channel, editor, client
):
    from articles.tests.test_editorial import form_data

    article = draft()
    actions.Publish(article, actor=editor).execute()
    run_worker()
    sign_in(client, editor)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert 'name="corrections-__prefix__-announce"' in page.content.decode()  # the box

    answer = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(
            article,
            **{
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-text_ar": "صُحّح اسم القرية.",
                "corrections-0-published_at_0": "2026-12-06",
                "corrections-0-published_at_1": "10:00:00",
                "corrections-0-announce": "on",
            },
        ),
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    run_worker()

    assert channel.methods() == ["sendMessage", "sendMessage"]
    assert "صُحّح اسم القرية." in channel.calls[1].fields["text"]
