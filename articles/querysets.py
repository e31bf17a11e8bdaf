"""Reusable filters. Every reader-facing query starts from ``published()``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def translation_filled(field: str, language: str, prefix: str = "") -> Q:
    """Return a condition that the ``language`` translation of ``field`` has text."""
    column = f"{prefix}{field}_{language}"
    return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Return the articles a reader may see: published, and their time has come.

        A scheduled article is one whose publication time is still in the future; it
        appears by itself when the time passes, with no job to run.
        """
        return self.filter(status=self.model.Status.PUBLISHED, published_at__lte=timezone.now())

    def available_in(self, language: str):
        """Return the articles that exist in ``language``: its title and body are written.

        The default language (Arabic) is the original, so every article exists in it.
        """
        if language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            return self
        return self.filter(
            translation_filled("title", language) & translation_filled("body", language)
        )

    def latest_first(self):
        return self.order_by("-published_at", "-pk")

    def for_listing(self):
        """Return what a list of articles shows, in one query: the section comes along."""
        return self.select_related("section")


class QuoteQuerySet(models.QuerySet):
    def published(self):
        """Return the quotes readers may see: those in published articles."""
        from articles.models import Article  # models.py imports this module

        return self.filter(
            article__status=Article.Status.PUBLISHED, article__published_at__lte=timezone.now()
        )
