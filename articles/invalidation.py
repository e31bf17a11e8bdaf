"""What makes cached pages out of date: any change to what reader pages show.

Articles with their tags, authors, related articles, quotes and corrections; experts,
sections, tags and share networks; and staff accounts, whose names appear as bylines.
Share counts and the activity log are not shown as content and change nothing here.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.models import Article, Correction, Expert, Quote, Section, ShareNetwork, Tag
from articles.pagecache import content_changed

CONTENT_MODELS = (Article, Correction, Expert, Quote, Section, ShareNetwork, Tag)
RELATIONS = (Article.tags.through, Article.authors.through, Article.related.through)


def _row_saved(sender, update_fields=None, **kwargs):
    content_changed(**kwargs)


def _account_saved(sender, update_fields=None, **kwargs):
    # Signing in only records the time of it: no byline changes.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    content_changed(**kwargs)


def _relation_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        content_changed(**kwargs)


def connect() -> None:
    for model in CONTENT_MODELS:
        post_save.connect(_row_saved, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    for through in RELATIONS:
        m2m_changed.connect(_relation_changed, sender=through, dispatch_uid=f"pagecache-{through}")
    user = get_user_model()
    post_save.connect(_account_saved, sender=user, dispatch_uid="pagecache-save-user")
    post_delete.connect(content_changed, sender=user, dispatch_uid="pagecache-delete-user")
