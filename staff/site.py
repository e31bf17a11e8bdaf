"""The admin site, whose index is the newsroom's dashboard."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from staff.twofactor import TwoFactorAdminSiteMixin


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
        # Imported here: importing the content's admin registers its screens on this site.
        from articles.admin.dashboard import dashboard

        context = (
            {"dashboard": dashboard(request.user)}
            if request.user.has_perm("articles.view_article")
            else {}
        )
        return super().index(request, {**context, **(extra_context or {})})
