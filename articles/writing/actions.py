"""The write side: every change of an article goes through one action here.

An action, as Wagtail's ``PublishRevisionAction``, is a class with ``check()``, which
refuses what the actor may not do (``PermissionDenied``) or what does not apply to the
article as it stands (``ValidationError``), and ``execute()``, which owns the change:

- it checks again, then applies its change to the article;
- saves the article once (``Article.save`` derives what is stored: the sanitized body,
  the folded search text, the translation state), then whatever the caller changed with
  it (a form's tags and inlines, passed as ``save_related``);
- keeps one revision of the article with its quotes and corrections, named for the
  action and its actor;
- writes one line of the article's activity log;
- leaves cached pages to be refreshed by the save itself: every save of content
  sends the signals ``articles.caching.invalidation`` listens to, so a change made by
  an action, a command or the shell is never served stale;
- and, when the article was or becomes visible to readers, has the static copy of the
  lite edition brought up to date once the transaction commits
  (``articles.operations.jobs``: a queued job, if a folder is set for it), and has the
  outlet's Telegram channel told (its post queued, edited or removed, a ticked
  correction announced: queued jobs, if a bot token is set).

All in the caller's transaction, or one of its own. The admin calls actions and never
saves an article, writes the log or touches a cache itself; so does the load test's
editor. Loading data (``seed_newsroom``, a restore) writes rows as an import does, and
its saves still keep revisions and refresh pages through the same signals. Actions take
keyword arguments after the article; none sees a request.
"""

import datetime
from collections.abc import Callable, Iterable

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import permissions, versioning
from articles.media import body
from articles.models import Article, ArticleActivity, Delivery, PreviewLink, Tag, language_codes
from articles.operations import jobs
from articles.preview import new_token, token_digest

Status = Article.Status
Log = ArticleActivity.Action


def activity_record(*, article: Article, actor, action: str, details: str = "") -> ArticleActivity:
    """Write one line of the article's log."""
    return ArticleActivity.objects.create(
        article=article,
        article_title=article.title_ar or article.title or "",
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        details=details[:300],
    )


class ArticleAction:
    """Save an article as its actor changed it (the base of every action)."""

    log = Log.EDITED
    comment = gettext_lazy("Edited")
    done = gettext_lazy("Saved.")
    # Whether the change ends the article's outside preview links (it goes live, is
    # taken down or retired): they are revoked in the same transaction, for good.
    ends_previews = False

    def __init__(self, article: Article, *, actor):
        self.article = article
        self.actor = actor

    def check(self) -> None:
        """Raise PermissionDenied or ValidationError if the action may not run."""
        if not permissions.can_edit(self.actor, self.article):
            raise PermissionDenied(_("You cannot change this article."))

    def apply(self) -> None:
        """Make the action's own change to the article (before it is saved)."""

    def execute(
        self,
        *,
        tags: Iterable[Tag] | None = None,
        save_related: Callable[[Article], None] | None = None,
        changed: Iterable[str] = (),
        changed_related: Iterable[str] = (),
    ) -> Article:
        """Check, change, save once, keep the revision, log; return the article.

        ``tags`` are the article's tags after the change, when the caller changes them
        (their names are folded into the search text as it is saved); ``save_related``
        saves what the caller changed with the article, once it has an id. ``changed``
        names the article's fields the caller changed, ``changed_related`` the models of
        the rows changed with it (``"articles.quote"``): the revision records them by
        name, and each reader reads them in their own language.
        """
        self.check()
        article = self.article
        is_new = article.pk is None
        was_live = not is_new and article.is_live
        with transaction.atomic(savepoint=False), reversion.create_revision(atomic=False):
            # The headlines as stored, when the channel's post may need editing.
            before = None if is_new else jobs.headlines(article)
            self.apply()
            if is_new:
                article.created_by = self.actor
            article.updated_by = self.actor
            # Pictures and posts from other sites made final, before the allow-list.
            body.render_article_body(article, language_codes())
            article.save(tags=tags)
            if save_related is not None:
                save_related(article)
            # Saving the article added it to the revision, with its quotes and corrections
            # (django-reversion follows them), and each related row saved since.
            reversion.set_user(self.actor)
            # A new article's first line says what was done with it, "created" if nothing.
            log = Log.CREATED if is_new and self.log == Log.EDITED else self.log
            reversion.set_comment(
                versioning.change_comment(
                    model=Article,
                    action=log,
                    fields=() if is_new else changed,
                    related=() if is_new else changed_related,
                )
            )
            activity_record(article=article, actor=self.actor, action=log)
            if self.ends_previews:
                article.preview_links.active().update(
                    revoked_at=timezone.now(), revoked_by=self.actor
                )
            if was_live or article.is_live:
                jobs.static_copy_changed()
            jobs.channel_article_changed(article, before=before)
        return article


class _Publishing(ArticleAction):
    """Actions only editors take: publish, schedule, unpublish, archive, return."""

    def check(self) -> None:
        if not permissions.can_publish(self.actor):
            raise PermissionDenied(_("Only editors can publish, schedule, unpublish or archive."))


class SubmitForReview(ArticleAction):
    """Send a draft to the editors."""

    log = Log.SUBMITTED
    comment = gettext_lazy("Submitted for review")
    done = gettext_lazy("Sent to the editors.")

    def check(self) -> None:
        super().check()
        if self.article.pk is not None and self.article.status != Status.DRAFT:
            raise ValidationError(_("Only a draft can be submitted for review."), code="status")

    def apply(self) -> None:
        self.article.status = Status.REVIEW


class ReturnToDraft(_Publishing):
    """Send an article in review back to its author as a draft."""

    log = Log.RETURNED
    comment = gettext_lazy("Returned to draft")
    done = gettext_lazy("Returned to draft.")

    def check(self) -> None:
        super().check()
        if self.article.status != Status.REVIEW:
            raise ValidationError(_("Only an article in review can be returned."), code="status")

    def apply(self) -> None:
        self.article.status = Status.DRAFT


class Publish(_Publishing):
    """Publish now: readers see the article from this moment."""

    log = Log.PUBLISHED
    comment = gettext_lazy("Published")
    done = gettext_lazy("Published: readers can see it now.")
    ends_previews = True

    def check(self) -> None:
        super().check()
        if self.article.pk is not None and self.article.is_live:
            raise ValidationError(_("This article is already published."), code="status")

    def apply(self) -> None:
        self.article.status = Status.PUBLISHED
        self.article.published_at = timezone.now()


class Schedule(_Publishing):
    """Publish at a future time; readers see nothing until then."""

    log = Log.SCHEDULED
    comment = gettext_lazy("Scheduled")
    done = gettext_lazy("Scheduled.")

    def __init__(self, article: Article, *, actor, at: datetime.datetime | None):
        super().__init__(article, actor=actor)
        self.at = at

    def check(self) -> None:
        super().check()
        if self.at is None or self.at <= timezone.now():
            raise ValidationError(_("Choose a publication time in the future."), code="past")

    def apply(self) -> None:
        self.article.status = Status.PUBLISHED
        self.article.published_at = self.at


class Unpublish(_Publishing):
    """Take a published or scheduled article off the site; it becomes a draft again."""

    log = Log.UNPUBLISHED
    comment = gettext_lazy("Unpublished")
    done = gettext_lazy("Unpublished: readers no longer see it.")
    ends_previews = True

    def check(self) -> None:
        super().check()
        if self.article.status != Status.PUBLISHED:
            raise ValidationError(_("Only a published or scheduled article can be unpublished."))

    def apply(self) -> None:
        self.article.status = Status.DRAFT


class Archive(_Publishing):
    """Retire an article: kept, but no longer shown to readers."""

    log = Log.ARCHIVED
    comment = gettext_lazy("Archived")
    done = gettext_lazy("Archived.")
    ends_previews = True

    def check(self) -> None:
        super().check()
        if self.article.status == Status.ARCHIVED:
            raise ValidationError(_("This article is already archived."), code="status")

    def apply(self) -> None:
        self.article.status = Status.ARCHIVED


class RestoreRevision(ArticleAction):
    """Bring back an earlier version's text, never its status or publication time.

    Restoring the wording of a draft must not unpublish the article behind the
    publishing rules: status changes go through the other actions only. ``kept`` is the
    status and publication time the article had before the earlier version was read
    back into it.
    """

    log = Log.RESTORED
    comment = gettext_lazy("Earlier version restored")
    done = gettext_lazy("The earlier version was restored.")

    def __init__(self, article: Article, *, actor, kept: dict):
        super().__init__(article, actor=actor)
        self.kept = kept

    def apply(self) -> None:
        self.article.status = self.kept["status"]
        self.article.published_at = self.kept["published_at"]


class RecoverDeleted(ArticleAction):
    """Bring back a deleted article, as its last version before the deletion had it."""

    log = Log.RECOVERED
    comment = gettext_lazy("Recovered after deletion")
    done = gettext_lazy("The article was recovered.")


def delete_article(*, article: Article, actor) -> None:
    """Delete an article (its quotes and corrections go with it), logged; recoverable."""
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only editors can delete articles."))
    with transaction.atomic(savepoint=False):
        activity_record(article=article, actor=actor, action=Log.DELETED)
        if article.is_live:
            jobs.static_copy_changed()
        jobs.channel_article_deleted(article)
        article.delete()


class CreatePreviewLink:
    """Make a link that shows an unpublished article to a reviewer without an account.

    Only those ``permissions.can_share_preview`` names may; the link is recorded with
    who made it and when it expires (``NEWSROOM_PREVIEW_MAX_AGE`` from now), and
    logged. ``execute()`` returns the link and its token: the token is not stored, so
    the caller shows it now or never.
    """

    def __init__(self, article: Article, *, actor):
        self.article = article
        self.actor = actor

    def check(self) -> None:
        if not permissions.can_share_preview(self.actor, self.article):
            raise PermissionDenied(_("You cannot share a preview of this article."))

    def execute(self) -> tuple[PreviewLink, str]:
        self.check()
        token = new_token()
        now = timezone.now()
        with transaction.atomic(savepoint=False):
            link = PreviewLink.objects.create(
                article=self.article,
                token_digest=token_digest(token),
                created_by=self.actor,
                created_at=now,
                expires_at=now + datetime.timedelta(seconds=settings.NEWSROOM_PREVIEW_MAX_AGE),
            )
            activity_record(article=self.article, actor=self.actor, action=Log.PREVIEW_SHARED)
        return link, token


class RevokePreviewLink:
    """End a preview link now: whoever holds it is shown nothing from then on.

    Editors revoke any link, others only the links they made
    (``permissions.can_revoke_preview_link``); the revocation is recorded on the link
    (when, by whom) and logged.
    """

    def __init__(self, link: PreviewLink, *, actor):
        self.link = link
        self.actor = actor

    def check(self) -> None:
        if not permissions.can_revoke_preview_link(self.actor, self.link):
            raise PermissionDenied(_("You cannot revoke this preview link."))
        if self.link.revoked_at is not None:
            raise ValidationError(_("This preview link was already revoked."), code="revoked")

    def execute(self) -> PreviewLink:
        self.check()
        link = self.link
        with transaction.atomic(savepoint=False):
            link.revoked_at = timezone.now()
            link.revoked_by = self.actor
            link.save(update_fields=["revoked_at", "revoked_by"])
            activity_record(article=link.article, actor=self.actor, action=Log.PREVIEW_REVOKED)
        return link


# The actions the admin offers as buttons and on the change list, by name.
WORKFLOW = {
    "submit_review": SubmitForReview,
    "return_draft": ReturnToDraft,
    "publish": Publish,
    "schedule": Schedule,
    "unpublish": Unpublish,
    "archive": Archive,
}


class RetryDelivery:
    """Try a failed delivery to the channel again now, from its first try.

    Editors (and administrators) may; the worker sends it as it sends any other.
    """

    def __init__(self, delivery: Delivery, *, actor):
        self.delivery = delivery
        self.actor = actor

    def check(self) -> None:
        if not permissions.can_publish(self.actor):
            raise PermissionDenied(_("Only editors can retry a delivery to the channel."))
        if self.delivery.state != Delivery.State.FAILED:
            raise ValidationError(_("Only failed deliveries can be retried."), code="state")

    def execute(self) -> Delivery:
        self.check()
        with transaction.atomic(savepoint=False):
            if not jobs.retry_delivery(self.delivery):
                raise ValidationError(_("Only failed deliveries can be retried."), code="state")
        return self.delivery
