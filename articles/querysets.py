"""Reusable filters. Every reader-facing query starts from ``published()``."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone


def translation_filled(field: str, language: str, prefix: str = "") -> Q:
    """Return a condition that the ``language`` translation of ``field`` has text."""
    column = f"{prefix}{field}_{language}"
    return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})


# A key no row has, standing for the value each part of a union is made for.
_PLACEHOLDER = -9_007_199_254_740_991
# The most parts one UNION ALL holds (SQLite's limit on a compound SELECT is 500).
UNION_TERMS = 250


def union_of(values, make, *, first=()) -> RawSQL:
    """Return the UNION ALL of ``make(value)`` for each value, to filter ``pk__in``.

    ``make`` returns a single-column, sliced queryset; each part keeps its own ORDER BY
    and LIMIT (a subquery in FROM, which SQLite and PostgreSQL both accept), so each is
    answered from an index by itself. The part is compiled once, for a placeholder
    value, and repeated with each value as its parameter: building one queryset per
    value would cost more than running the query. ``first``, single-column querysets
    (sliced or not), are put first, each a part of its own.
    """
    parts, params = [], []
    for number, queryset in enumerate(first):
        sql, first_params = queryset.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part_first_{number}")  # noqa: S608
        params.extend(first_params)
    values = list(values)
    if values:
        sql, template = make(_PLACEHOLDER).query.sql_with_params()
        position = template.index(_PLACEHOLDER)
        for number, value in enumerate(values):
            # Django compiled the SQL, and the values stay separate parameters.
            parts.append(f"SELECT * FROM ({sql}) AS part_{number}")  # noqa: S608
            params.extend((*template[:position], value, *template[position + 1 :]))
    # SQLite takes at most 500 terms in one compound SELECT: past that, unions of at
    # most UNION_TERMS parts are themselves united, each in its own subquery.
    while len(parts) > UNION_TERMS:
        parts = [
            f"SELECT * FROM ({' UNION ALL '.join(parts[start : start + UNION_TERMS])})"  # noqa: S608
            f" AS union_{start}"
            for start in range(0, len(parts), UNION_TERMS)
        ]
    return RawSQL(" UNION ALL ".join(parts) or "SELECT NULL WHERE 1 = 0", params)  # noqa: S611


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Return the articles a reader may see: published, and their time has come.

        A scheduled article is one whose publication time is still in the future; it
        appears by itself when the time passes, with no job to run. ``now`` is the
        current time, for a query prepared once and run later.
        """
        return self.filter(
            status=self.model.Status.PUBLISHED, published_at__lte=now or timezone.now()
        )

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

    def top_per_section(self, count: int, section_ids: list[int]):
        """Return the newest ``count`` articles of each of ``section_ids``, in one query.

        Each section's few rows are read from the (section, status, publication time)
        index, so the cost depends on the number of sections, not of articles: the
        sections' newest rows are gathered by a UNION ALL of one small subquery each.
        """
        if not section_ids:
            return self.none()
        newest = self.order_by("-published_at", "-pk").values("pk")
        union = union_of(section_ids, lambda pk: newest.filter(section_id=pk)[:count])
        return self.filter(pk__in=union).order_by(
            "section__position", "section_id", "-published_at", "-pk"
        )

    def most_shared(self, days: int = 7, limit: int = 5, *, since=None, until=None):
        """Return the ``limit`` articles shared most in the last ``days`` days (Damascus time).

        Counted from the week's share rows alone, read by their day index: the cost
        follows the week's shares, never the archive. The week's twenty-odd most shared
        (``CANDIDATES`` times ``limit``) are chosen first among every article, then
        those readers may see are kept: an article taken down after a week of shares
        only leaves a place to the next. (Chosen among the published ones instead, the
        query planner would walk the whole archive to find them.) The days are a closed
        range, ``since`` to ``until``: a range bounded on both sides is what makes
        SQLite's planner read the day index rather than every share row ever kept.
        ``since`` and ``until`` are given by a query prepared once and run later.
        """
        from articles.models import DailyShareCount  # models.py imports this module

        until = until or timezone.localdate()
        since = since or until - timedelta(days=days - 1)
        recent = DailyShareCount.objects.filter(day__range=(since, until))
        candidates = (
            recent.values("article")
            .annotate(total=Sum("count"))
            .filter(total__gt=0)
            .order_by("-total", "-article")
            .values("article")[: limit * self.CANDIDATES]
        )
        clicks = (
            recent.filter(article=OuterRef("pk"))
            .values("article")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return (
            self.filter(pk__in=Subquery(candidates))
            .annotate(recent_shares=Subquery(clicks, output_field=IntegerField()))
            .order_by("-recent_shares", "-published_at", "-pk")[:limit]
        )

    # How many of the week's most shared articles are read to find ``limit`` published.
    CANDIDATES = 4

    def related_to(self, pk: int, tag_ids: list[int], limit: int, *, since=None):
        """Return up to ``limit`` articles related to article ``pk``, whose tags are
        ``tag_ids``: hand-picked first, then the newest sharing a tag with it, each group
        newest first. Never the article itself; chain after ``published()`` so that
        nothing unpublished is offered.

        One query, whose cost does not grow with the archive: the candidates are the
        hand-picked articles and, for each of the article's few tags, that tag's newest
        ``limit`` articles (a small subquery each, read newest first from an index),
        gathered by a UNION ALL. A tag on half the archive costs no more than a rare one.

        With ``since``, a time, the candidates are the hand-picked articles and the
        newest ``limit`` published since then that share any tag: one walk down the
        publication index, which stops at the ``limit``-th one found, at most as far
        back as ``since`` (the reader side makes it the time of the hundredth newest
        article). It is several times cheaper than a subquery per tag when the tags are
        common, as a news article's places and subjects are, and gives the same list
        whenever it finds ``limit`` articles; when it finds fewer, the older ones it did
        not look at may belong in the list, and the caller asks again without ``since``.
        """
        model = self.model
        others = self.exclude(pk=pk)
        picked = model.related.through.objects.filter(from_article_id=pk)
        newest = others.order_by("-published_at", "-pk").values("pk")
        if since is None:
            candidates = union_of(
                tag_ids,
                lambda tag: newest.filter(tags=tag)[:limit],
                first=[picked.values("to_article_id")],
            )
        else:
            sharing = model.tags.through.objects.filter(
                article_id=OuterRef("pk"), tag_id__in=tag_ids
            )
            recent = newest.filter(Exists(sharing), published_at__gte=since)[:limit]
            candidates = union_of([], None, first=[picked.values("to_article_id"), recent])
        return (
            others.filter(pk__in=candidates)
            .annotate(
                is_picked=Case(
                    When(pk__in=picked.values("to_article_id"), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
            .order_by("-is_picked", "-published_at", "-pk")[:limit]
        )


class QuoteQuerySet(models.QuerySet):
    def published(self, now=None):
        """Return the quotes readers may see: those in published articles."""
        from articles.models import Article  # models.py imports this module

        return self.filter(
            article__status=Article.Status.PUBLISHED,
            article__published_at__lte=now or timezone.now(),
        )


class PreviewLinkQuerySet(models.QuerySet):
    def active(self, *, now=None):
        """Return the links that still open their article's preview: neither revoked nor
        expired (whether the article may still be previewed is the article's to say)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())
