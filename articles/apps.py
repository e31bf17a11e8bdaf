from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        # Registers the start-up check that Pillow can shape Arabic (raqm).
        import articles.media.images  # noqa: F401
        from articles import cover
        from articles.caching import invalidation
        from articles.versioning import register_models

        register_models()
        invalidation.connect()
        cover.connect()
        self.connect_plain_text_rule()

    def connect_plain_text_rule(self):
        """No text field of the content keeps a reordering control, however it is saved."""
        from django.db.models.signals import pre_save

        from articles.models import drop_bidi_controls_before_save

        for model in self.get_models():
            pre_save.connect(drop_bidi_controls_before_save, sender=model)
