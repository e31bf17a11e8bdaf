"""What makes cached pages out of date: any change to what reader pages show.

Articles with their tags, authors, bylines, related articles, quotes and corrections;
author profiles, experts,
sections, tags, share networks, the reach-us page and the masthead and footer
(``SiteSettings``); and staff accounts, whose names
appear as bylines.
Share counts and the activity log are not shown as content and change nothing here.

Drafts are not shown either: saving an article that neither is nor was published (and
its quotes, corrections and tags) leaves every cached page as it is, so journalists
writing all day cost readers nothing. Publishing, scheduling, unpublishing and every
edit of a published article start a new generation.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.caching.pagecache import content_changed
from articles.models import (
    Article,
    AuthorProfile,
    Correction,
    Expert,
    Quote,
    ReachUsPage,
    Section,
    ShareNetwork,
    SiteSettings,
    Tag,
)

CONTENT_MODELS = (AuthorProfile, Expert, ReachUsPage, Section, ShareNetwork, SiteSettings, Tag)
ARTICLE_PARTS = (Quote, Correction)
PUBLISHED = Article.Status.PUBLISHED


def is_or_was_public(article) -> bool:
    """Say whether readers see, or saw until this change, the article."""
    return article.status == PUBLISHED or article.was_published


def _article_saved(sender, instance, **kwargs):
    if is_or_was_public(instance):
        content_changed(**kwargs)


def _article_deleted(sender, instance, **kwargs):
    if instance.status == PUBLISHED:
        content_changed(**kwargs)


def _part_changed(sender, instance, **kwargs):
    """A quote or correction: it shows only where its article does."""
    status = Article.objects.filter(pk=instance.article_id).values_list("status", flat=True)
    # None: the article is gone, being deleted with its quotes and corrections.
    if status.first() in (None, PUBLISHED):
        content_changed(**kwargs)


RELATIONS = (
    Article.tags.through,
    Article.authors.through,
    Article.bylines.through,
    Article.related.through,
)


def _row_saved(sender, update_fields=None, **kwargs):
    content_changed(**kwargs)


def _account_saved(sender, update_fields=None, **kwargs):
    # Signing in only records the time of it: no byline changes.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    content_changed(**kwargs)


def _relation_changed(sender, action, instance, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Article) and not is_or_was_public(instance):
        return  # a draft's tags, authors or picks show nowhere yet
    content_changed(**kwargs)


def connect() -> None:
    post_save.connect(_article_saved, sender=Article, dispatch_uid="pagecache-save-article")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="pagecache-del-article")
    for model in ARTICLE_PARTS:
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(_part_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    for model in CONTENT_MODELS:
        post_save.connect(_row_saved, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    for through in RELATIONS:
        m2m_changed.connect(_relation_changed, sender=through, dispatch_uid=f"pagecache-{through}")
    user = get_user_model()
    post_save.connect(_account_saved, sender=user, dispatch_uid="pagecache-save-user")
    post_delete.connect(content_changed, sender=user, dispatch_uid="pagecache-delete-user")
