"""Who may do what to which article: the per-object rules on top of model permissions.

Pure functions over a user and an article, used by the admin (querysets, forms, buttons,
actions) and by the services, so a crafted request meets the same rules as a click.
"""

from articles.models import Article

EDITABLE_BY_AUTHOR = (Article.Status.DRAFT, Article.Status.REVIEW)


def can_publish(user) -> bool:
    """Editors and administrators publish, schedule, unpublish and archive."""
    return user.is_active and user.has_perm("articles.publish_article")


def is_author(user, article: Article) -> bool:
    """Say whether ``user`` wrote ``article``: they created it or are among its authors."""
    if article.pk is None:
        return True
    if article.created_by_id == user.pk:
        return True
    return article.authors.filter(pk=user.pk).exists()


def can_edit(user, article: Article) -> bool:
    """Editors edit any article; a journalist edits their own, and only until it is published."""
    if not (user.is_active and user.has_perm("articles.change_article")):
        return False
    if can_publish(user):
        return True
    return article.status in EDITABLE_BY_AUTHOR and is_author(user, article)


def can_submit_for_review(user, article: Article) -> bool:
    return article.status == Article.Status.DRAFT and can_edit(user, article)


def can_be_previewed(article: Article) -> bool:
    """Say whether outside preview links may open ``article``: only while readers
    cannot see it yet (a draft, one in review, or one scheduled for later), and never
    once it is archived."""
    if article.pk is None or article.status == Article.Status.ARCHIVED:
        return False
    return not article.is_live


def can_share_preview(user, article: Article) -> bool:
    """Say whether ``user`` may make a link that shows ``article`` to someone outside.

    A preview link hands the full text to whoever holds it, so only those who may
    publish the article decide it leaves the newsroom early: editors, for any article
    readers cannot see yet (drafts, articles in review, scheduled articles), and the
    article's author while it is still their draft. Once a journalist submits it for
    review the article is the editors' to share; a journalist never shares a
    colleague's work, nor a scheduled (embargoed) or published article.
    """
    if not can_be_previewed(article):
        return False
    if can_publish(user):
        return True
    return article.status == Article.Status.DRAFT and can_edit(user, article)


def can_revoke_preview_link(user, link) -> bool:
    """Editors revoke any preview link; anyone revokes a link they made themselves."""
    if can_publish(user):
        return True
    return user.is_active and link.created_by_id is not None and link.created_by_id == user.pk
