"""The admin site, whose index is the newsroom's dashboard."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from articles.twofactor import TwoFactorAdminSiteMixin

DASHBOARD_ROWS = 8


class NewsroomAdminSite(TwoFactorAdminSiteMixin, admin.AdminSite):
    site_header = _("SY24 newsroom")
    site_title = _("SY24 newsroom")
    index_title = _("Newsroom dashboard")
    index_template = "admin/newsroom_index.html"

    def i18n_javascript(self, request, extra_context=None):
        """Serve the admin's JavaScript strings, the rich-text editor's in Arabic included.

        The editor ships no Arabic catalogue; ours (``locale/*/djangojs.po``) fills it.
        """
        return JavaScriptCatalog.as_view(packages=["django.contrib.admin", "django_prose_editor"])(
            request
        )

    def index(self, request, extra_context=None):
        context = (
            {"dashboard": dashboard(request.user)}
            if request.user.has_perm("articles.view_article")
            else {}
        )
        return super().index(request, {**context, **(extra_context or {})})


def dashboard(user) -> dict:
    """Return what a member of staff needs first: their drafts, the queue, the schedule."""
    from articles.models import Article, DailyShareCount

    now = timezone.now()
    articles = Article.objects.select_related("section").order_by("-updated_at")
    mine = Q(created_by=user) | Q(authors=user)
    week_ago = timezone.localdate() - timedelta(days=6)
    most_shared = (
        DailyShareCount.objects.filter(day__gte=week_ago)
        .values("article", "article__title_ar", "article__title_en")
        .annotate(clicks=Sum("count"))
        .order_by("-clicks")[:DASHBOARD_ROWS]
    )
    return {
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
        "recently_published": list(articles.published().latest_first()[:DASHBOARD_ROWS]),
        "most_shared": list(most_shared),
    }
