"""Jobs: work done after a change, by a worker, from a durable queue.

Django's Tasks framework (DEP 14; the ``django-tasks`` backport until Django 6): the
queue is the database (``django-tasks-db``: a job is a row) or, when
``NEWSROOM_JOBS_REDIS_URL`` is set, Redis (``django-tasks-rq``, on RQ). Either way a job
waits through a restart, and ``manage.py newsroom_worker`` runs it (``make run`` starts
one beside the server; docs/deploy.md for production).

**Deliveries to the outlet's Telegram channel** (``telegram.py`` sends them). The write
side calls ``channel_article_changed()`` inside the transaction of every change of an
article; it records what the channel needs as ``Delivery`` rows (post the article when
it is published or its scheduled time comes, edit the post when the headline changes
within ``NEWSROOM_TELEGRAM_EDIT_WINDOW``, remove it when the article is taken down,
announce a correction an editor ticked) and queues a ``deliver`` job for each once the
transaction commits. The row is what counts, not the job:

- a job *claims* its delivery with one conditional UPDATE (queued and due, or sending
  and abandoned for ``SENDING_LEASE``), so two jobs for one delivery, or a job run
  twice, send once;
- a failure that may pass is retried ``NEWSROOM_JOB_RETRY_SECONDS`` later, then twice
  as long each time (at most an hour), by a new job deferred to that time; a 429 waits
  the ``retry_after`` Telegram asks for and is not counted as a try; after
  ``NEWSROOM_JOB_MAX_ATTEMPTS`` tries, or on a refusal, the delivery is failed, its
  error kept, and an editor may retry it from the admin;
- ``recover_deliveries()`` (run by every worker as it starts) queues again what is
  overdue: a job lost with a Redis that kept nothing, or a worker killed mid-send.

The static copy of the lite edition (``static_export``) is kept up to date this way when
``NEWSROOM_STATIC_EXPORT_DIR`` names its folder: the write side calls
``static_copy_changed()`` inside the transaction of a change readers would see, and one
export is queued once that transaction commits, unless one is already waiting to start.
"""

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from articles.models import Article, Delivery

logger = logging.getLogger(__name__)
Kind = Delivery.Kind
State = Delivery.State
# A delivery "sending" for this long was abandoned by a worker that died mid-send.
SENDING_LEASE = datetime.timedelta(minutes=10)
# The longest wait between two tries.
LONGEST_RETRY = datetime.timedelta(hours=1)


@task()
def export_static_copy() -> int:
    """Bring the static copy up to date; return how many of its files changed.

    Safe to run twice, or after the setting was emptied: the export rewrites only what
    changed, and with no folder there is nothing to do.
    """
    folder = settings.NEWSROOM_STATIC_EXPORT_DIR
    if not folder:
        return 0
    # Loaded here, in the worker, rather than by every process that imports the write side.
    from articles.operations import static_export

    report = static_export.export(Path(folder), base_url=settings.NEWSROOM_SITE_URL)
    return len(report.written) + len(report.removed)


def static_copy_changed() -> None:
    """Queue an export of the static copy for when the current transaction commits.

    Nothing is queued when no folder is set, when the transaction is rolled back, or
    while an export is already waiting to start: that one will read the change. An
    export already running may have read the rows before it, so it does not count.
    """
    if settings.NEWSROOM_STATIC_EXPORT_DIR:
        transaction.on_commit(_enqueue_export)


def _enqueue_export() -> None:
    if isinstance(export_static_copy.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=export_static_copy.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return
    # On Redis a second export may wait beside the first; it finds nothing to rewrite.
    export_static_copy.enqueue()


# --- deliveries to the Telegram channel -------------------------------------------------


def _telegram():
    # Loaded here, in the worker and on the write side only when a token is set: it
    # brings in requests, which a site without a channel never needs.
    from articles.operations import telegram

    return telegram


def channel_is_configured() -> bool:
    """Say whether the outlet's Telegram channel posts itself (a bot token is set)."""
    return bool(settings.NEWSROOM_TELEGRAM_BOT_TOKEN)


def _queue_on_commit(delivery: Delivery) -> None:
    pk, when = delivery.pk, delivery.next_attempt_at
    transaction.on_commit(lambda: _enqueue_delivery(pk, when))


def _enqueue_delivery(pk: int, when: datetime.datetime | None = None) -> None:
    job = deliver if when is None or when <= timezone.now() else deliver.using(run_after=when)
    job.enqueue(pk)


def _channels(article: Article) -> list[tuple[str, str]]:
    """Return (language, channel) for each language the article has a channel for."""
    telegram = _telegram()
    return [
        (language, chat) for language in article.languages if (chat := telegram.chat_for(language))
    ]


def _new(article: Article, *, kind: str, language: str, chat_id: str, **fields) -> Delivery:
    delivery = Delivery.objects.create(
        article=article,
        article_title=getattr(article, f"title_{language}", "") or article.title_ar or "",
        kind=kind,
        language=language,
        chat_id=chat_id,
        **fields,
    )
    _queue_on_commit(delivery)
    return delivery


def headlines(article: Article) -> dict[str, str] | None:
    """Return the stored headlines of an article about to be changed, when the channel
    would need them (its post may have to be edited); None otherwise (no query)."""
    if not (settings.NEWSROOM_TELEGRAM_BOT_TOKEN and article.pk and article.was_published):
        return None
    fields = [f"title_{language}" for language in settings.MODELTRANSLATION_LANGUAGES]
    return Article.objects.filter(pk=article.pk).values(*fields).first()


def channel_article_changed(article: Article, *, before: dict[str, str] | None = None) -> None:
    """Record and queue what the channel needs after a change of ``article`` (inside
    the change's transaction; the jobs are queued when it commits).

    ``before`` holds the headlines as they were stored (``headlines()``), to edit a
    post whose headline changed. Does nothing without a token.
    """
    if not settings.NEWSROOM_TELEGRAM_BOT_TOKEN or article.pk is None:
        return
    active = {
        post.language: post
        for post in article.deliveries.filter(kind=Kind.POST, withdrawn=False).exclude(
            state=State.CANCELLED
        )
    }
    if article.status != Article.Status.PUBLISHED:
        for post in active.values():
            withdraw_post(post)
        return
    now = timezone.now()
    due = max(article.published_at or now, now)
    for language, chat in _channels(article):
        post = active.get(language)
        if post is None:
            _new(article, kind=Kind.POST, language=language, chat_id=chat, next_attempt_at=due)
        elif post.state == State.QUEUED:
            # A new time for a scheduled article (earlier or later), or a retry waiting:
            # a post never tried goes at the article's time, a retry not before its own.
            if post.next_attempt_at < due or (post.attempts == 0 and post.next_attempt_at > due):
                post.next_attempt_at = due
                post.save(update_fields=["next_attempt_at"])
                _queue_on_commit(post)
        elif (
            post.state == State.SENT
            and before is not None
            and before.get(f"title_{language}", "") != getattr(article, f"title_{language}", "")
            and post.sent_at
            and now - post.sent_at
            <= datetime.timedelta(seconds=settings.NEWSROOM_TELEGRAM_EDIT_WINDOW)
            and not post.followups.filter(kind=Kind.EDIT, state=State.QUEUED).exists()
        ):
            _new(article, kind=Kind.EDIT, language=language, chat_id=chat, target=post)
    _corrections(article, active)


def _corrections(article: Article, posts: dict[str, Delivery]) -> None:
    """Queue an announcement of each correction ticked and not yet announced."""
    ticked = article.corrections.filter(announce=True).exclude(
        pk__in=Delivery.objects.filter(kind=Kind.CORRECTION, article=article).values("correction")
    )
    for correction in ticked:
        for language, chat in _channels(article):
            _new(
                article,
                kind=Kind.CORRECTION,
                language=language,
                chat_id=chat,
                correction=correction,
                target=posts.get(language) or _last_post(article, language),
            )


def _last_post(article: Article, language: str) -> Delivery | None:
    return (
        article.deliveries.filter(kind=Kind.POST, language=language, withdrawn=False)
        .order_by("-pk")
        .first()
    )


def withdraw_post(post: Delivery) -> None:
    """Take an article's post off the channel: cancel it if it has not gone out yet,
    otherwise queue its removal (after it is sent, if it is on its way)."""
    post.withdrawn = True
    if post.state == State.QUEUED:
        post.state = State.CANCELLED
        post.save(update_fields=["withdrawn", "state"])
        return
    post.save(update_fields=["withdrawn"])
    if post.state in {State.SENT, State.SENDING}:
        Delivery.objects.filter(
            target=post, kind__in=[Kind.EDIT, Kind.CORRECTION], state=State.QUEUED
        ).update(state=State.CANCELLED)
        removal = Delivery.objects.create(
            article=post.article,
            article_title=post.article_title,
            kind=Kind.DELETE,
            language=post.language,
            chat_id=post.chat_id,
            target=post,
        )
        _queue_on_commit(removal)


def channel_article_deleted(article: Article) -> None:
    """Before an article is deleted: take its posts off the channel."""
    if not settings.NEWSROOM_TELEGRAM_BOT_TOKEN:
        return
    for post in article.deliveries.filter(kind=Kind.POST, withdrawn=False).exclude(
        state=State.CANCELLED
    ):
        withdraw_post(post)


def retry_delivery(delivery: Delivery) -> bool:
    """Try a failed delivery again now, from its first try (an editor's retry)."""
    changed = Delivery.objects.filter(pk=delivery.pk, state=State.FAILED).update(
        state=State.QUEUED, attempts=0, next_attempt_at=timezone.now(), withdrawn=False
    )
    if changed:
        delivery.refresh_from_db()
        _queue_on_commit(delivery)
    return bool(changed)


def _claim(pk: int) -> bool:
    now = timezone.now()
    return bool(
        Delivery.objects.filter(pk=pk)
        .filter(
            Q(state=State.QUEUED, next_attempt_at__lte=now)
            | Q(state=State.SENDING, claimed_at__lt=now - SENDING_LEASE)
        )
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed try: the first delay, doubled
    each time, at most an hour."""
    first = datetime.timedelta(seconds=settings.NEWSROOM_JOB_RETRY_SECONDS)
    return min(first * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due and nobody else is sending it; say what happened."""
    if not _claim(delivery_id):
        # RQ's scheduler counts in whole seconds and may start a deferred job up to a
        # second early: put it back for its time. (Done or claimed: nothing to do.)
        early = Delivery.objects.filter(
            pk=delivery_id, state=State.QUEUED, next_attempt_at__gt=timezone.now()
        ).values_list("next_attempt_at", flat=True)
        for when in early:
            _enqueue_delivery(delivery_id, when)
        return "not due"
    telegram = _telegram()
    delivery = Delivery.objects.select_related("article", "target", "correction").get(
        pk=delivery_id
    )
    now = timezone.now()
    try:
        outcome = telegram.send(delivery)
    except telegram.RetryLater as error:
        if error.retry_after is not None:
            # A rate limit: wait as long as asked; it is not the other side failing.
            wait = max(datetime.timedelta(seconds=error.retry_after), retry_delay(1) / 30)
            return _again(delivery, now + wait, str(error), counted=False)
        return _failed_try(delivery, now, str(error))
    except telegram.Refused as error:
        return _give_up(delivery, str(error))
    except Exception as error:
        logger.exception("Delivery %s failed", delivery_id)
        return _failed_try(delivery, now, f"{type(error).__name__}: {error}")
    if isinstance(outcome, telegram.Wait):
        return _again(delivery, outcome.until, "", counted=False)
    if isinstance(outcome, telegram.Nothing):
        Delivery.objects.filter(pk=delivery.pk).update(
            state=State.CANCELLED, last_error=outcome.reason, claimed_at=None
        )
        return "cancelled"
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.SENT,
        sent_at=timezone.now(),
        message_id=outcome.message_id,
        link=outcome.link[:300],
        with_photo=outcome.with_photo,
        last_error="",
        claimed_at=None,
    )
    return "sent"


def _failed_try(delivery: Delivery, now: datetime.datetime, error: str) -> str:
    if delivery.attempts >= settings.NEWSROOM_JOB_MAX_ATTEMPTS:
        return _give_up(delivery, error)
    return _again(delivery, now + retry_delay(delivery.attempts), error, counted=True)


def _again(delivery: Delivery, when: datetime.datetime, error: str, *, counted: bool) -> str:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=State.QUEUED,
            next_attempt_at=when,
            last_error=error[:2000],
            claimed_at=None,
            attempts=F("attempts") - (0 if counted else 1),
        )
        delivery.next_attempt_at = when
        _queue_on_commit(delivery)
    return "retry"


def _give_up(delivery: Delivery, error: str) -> str:
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.FAILED, last_error=error[:2000], claimed_at=None
    )
    return "failed"


def recover_deliveries() -> int:
    """Queue again every delivery overdue by more than ``SENDING_LEASE``: its job was
    lost (a Redis that kept nothing) or its worker died while sending. Return how many.

    A delivery queued twice is sent once: the second job finds it claimed or done."""
    late = timezone.now() - SENDING_LEASE
    overdue = list(
        Delivery.objects.filter(
            Q(state=State.QUEUED, next_attempt_at__lt=late)
            | Q(state=State.SENDING, claimed_at__lt=late)
        ).values_list("pk", flat=True)
    )
    for pk in overdue:
        _enqueue_delivery(pk)
    return len(overdue)
