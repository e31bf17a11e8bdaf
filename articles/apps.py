from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        from django.db.backends.signals import connection_created

        # Registers the start-up check that Pillow can shape Arabic (raqm).
        import articles.images  # noqa: F401
        from articles import invalidation
        from articles.prepared import use_generic_plans
        from articles.versioning import register_models

        register_models()
        invalidation.connect()
        connection_created.connect(use_generic_plans, dispatch_uid="articles.generic_plans")


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The admin, with the newsroom's dashboard as its index."""

    default = False  # the articles app's own config stays the default for "articles"
    default_site = "articles.admin_site.NewsroomAdminSite"
