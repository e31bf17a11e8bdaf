"""Work that touches several rows at once. Keyword-only, never sees a request.

Every change of an article's status goes through one of the ``article_*`` functions
here: each checks that the actor may make it, saves a revision and writes the article's
activity log, all in one transaction.
"""

import datetime

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import permissions
from articles.models import Article, ArticleActivity

Status = Article.Status
Action = ArticleActivity.Action


def activity_record(*, article: Article, actor, action: str, details: str = "") -> ArticleActivity:
    """Write one line of the article's log."""
    return ArticleActivity.objects.create(
        article=article,
        article_title=article.title_ar or article.title or "",
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        details=details[:300],
    )


def _transition(*, article: Article, actor, action: str, comment: str, **changes) -> Article:
    """Apply ``changes`` to the article, keep a revision and log ``action``."""
    with reversion.create_revision():
        for field, value in changes.items():
            setattr(article, field, value)
        article.updated_by = actor
        article.save()
        reversion.set_user(actor)
        reversion.set_comment(comment)
    activity_record(article=article, actor=actor, action=action)
    return article


def _require_publisher(actor) -> None:
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only editors can publish, schedule, unpublish or archive."))


@transaction.atomic
def article_submit_for_review(*, article: Article, actor) -> Article:
    """Send a draft to the editors."""
    if not permissions.can_edit(actor, article):
        raise PermissionDenied(_("You cannot change this article."))
    if article.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for review."), code="status")
    return _transition(
        article=article,
        actor=actor,
        action=Action.SUBMITTED,
        comment=_("Submitted for review"),
        status=Status.REVIEW,
    )


@transaction.atomic
def article_return_to_draft(*, article: Article, actor) -> Article:
    """Send an article in review back to its author as a draft."""
    _require_publisher(actor)
    if article.status != Status.REVIEW:
        raise ValidationError(_("Only an article in review can be returned."), code="status")
    return _transition(
        article=article,
        actor=actor,
        action=Action.RETURNED,
        comment=_("Returned to draft"),
        status=Status.DRAFT,
    )


@transaction.atomic
def article_publish(*, article: Article, actor) -> Article:
    """Publish now: readers see the article from this moment."""
    _require_publisher(actor)
    if article.is_live:
        raise ValidationError(_("This article is already published."), code="status")
    return _transition(
        article=article,
        actor=actor,
        action=Action.PUBLISHED,
        comment=_("Published"),
        status=Status.PUBLISHED,
        published_at=timezone.now(),
    )


@transaction.atomic
def article_schedule(*, article: Article, actor, at: datetime.datetime) -> Article:
    """Publish at a future time; readers see nothing until then."""
    _require_publisher(actor)
    if at is None or at <= timezone.now():
        raise ValidationError(_("Choose a publication time in the future."), code="past")
    return _transition(
        article=article,
        actor=actor,
        action=Action.SCHEDULED,
        comment=_("Scheduled"),
        status=Status.PUBLISHED,
        published_at=at,
    )


@transaction.atomic
def article_unpublish(*, article: Article, actor) -> Article:
    """Take a published or scheduled article off the site; it becomes a draft again."""
    _require_publisher(actor)
    if article.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published or scheduled article can be unpublished."))
    return _transition(
        article=article,
        actor=actor,
        action=Action.UNPUBLISHED,
        comment=_("Unpublished"),
        status=Status.DRAFT,
    )


@transaction.atomic
def article_archive(*, article: Article, actor) -> Article:
    """Retire an article: kept, but no longer shown to readers."""
    _require_publisher(actor)
    if article.status == Status.ARCHIVED:
        raise ValidationError(_("This article is already archived."), code="status")
    return _transition(
        article=article,
        actor=actor,
        action=Action.ARCHIVED,
        comment=_("Archived"),
        status=Status.ARCHIVED,
    )
