from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        # Registers the start-up check that Pillow can shape Arabic (raqm).
        import articles.media.images  # noqa: F401
        from articles.caching import invalidation
        from articles.versioning import register_models

        register_models()
        invalidation.connect()
