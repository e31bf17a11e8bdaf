"""The admin's front page for the newsroom: what each member of staff needs first."""

from datetime import datetime, time, timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from articles.models import Article, DailyReadCount, DailyShareCount

DASHBOARD_ROWS = 8


def dashboard(user) -> dict:
    """Return what a member of staff needs first: their drafts, the queue, the schedule,
    what went out today, what readers shared and read most this week (``most_shared``:
    dicts of "article", "article__title_ar", "article__title_en" and "clicks";
    ``most_read``: the same, with "reads"), and the translations left behind."""
    now = timezone.now()
    today = timezone.localdate()
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    articles = Article.objects.select_related("section").order_by("-updated_at")
    mine = Q(created_by=user) | Q(authors=user)
    week_ago = today - timedelta(days=6)
    most_shared = (
        DailyShareCount.objects.filter(day__gte=week_ago)
        .values("article", "article__title_ar", "article__title_en")
        .annotate(clicks=Sum("count"))
        .order_by("-clicks")[:DASHBOARD_ROWS]
    )
    most_read = (
        DailyReadCount.objects.filter(day__gte=week_ago)
        .values("article", "article__title_ar", "article__title_en")
        .annotate(reads=Sum("count"))
        .order_by("-reads", "-article")[:DASHBOARD_ROWS]
    )
    return {
        "can_add": user.has_perm("articles.add_article"),
        "my_drafts": list(
            articles.filter(mine, status=Article.Status.DRAFT).distinct()[:DASHBOARD_ROWS]
        ),
        "in_review": list(
            articles.filter(status=Article.Status.REVIEW).order_by("updated_at")[:DASHBOARD_ROWS]
        ),
        "scheduled": list(
            articles.filter(status=Article.Status.PUBLISHED, published_at__gt=now).order_by(
                "published_at"
            )[:DASHBOARD_ROWS]
        ),
        "published_today": list(
            articles.published(now)
            .filter(published_at__gte=start_of_today)
            .latest_first()[:DASHBOARD_ROWS]
        ),
        "most_read": list(most_read),
        "most_shared": list(most_shared),
        # English written, then the Arabic changed: the translator's queue, oldest first.
        "translations_outdated": list(
            articles.available_in("en")
            .exclude(status=Article.Status.ARCHIVED)
            .filter(content_changed_ar__gt=F("content_changed_en"))
            .order_by("content_changed_ar")[:DASHBOARD_ROWS]
        ),
    }
