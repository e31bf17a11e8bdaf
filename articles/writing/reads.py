"""Readers' reads, counted per article and day: a number, and nothing about the reader.

The article page asks its own site to count it (``/r/<id>/``, sent by
``static/js/read.js``), so a page the cache answered counts too. What is kept is the
article, the day and how many: no cookie, no address, no other host.
"""

import datetime

from django.db import connections, router
from django.utils import timezone

from articles.models import Article, DailyReadCount


def _statement(connection) -> str:
    quote = connection.ops.quote_name
    reads = quote(DailyReadCount._meta.db_table)
    articles = quote(Article._meta.db_table)
    count = quote("count")
    # One statement: the day's row is made by the first read and incremented by the
    # others, in the database, so concurrent reads never lose one; and only an article
    # readers may see (the rule of ``ArticleQuerySet.published``) is counted.
    # (SQLite reads "INSERT … SELECT … ON CONFLICT" right only after a WHERE.)
    # Names quoted by the backend, every value a parameter.
    return (
        f"INSERT INTO {reads} ({quote('article_id')}, {quote('day')}, {count}) "  # noqa: S608
        f"SELECT {quote('id')}, %s, 1 FROM {articles} "
        f"WHERE {quote('id')} = %s AND {quote('status')} = %s AND {quote('published_at')} <= %s "
        f"ON CONFLICT ({quote('article_id')}, {quote('day')}) "
        f"DO UPDATE SET {count} = {reads}.{count} + 1"
    )


def read_record(
    *, article_id: int, now: datetime.datetime | None = None, day: datetime.date | None = None
) -> bool:
    """Count one read of the published article ``article_id`` on ``day`` (today, Damascus
    time); return whether it was counted (False: no such article is published).

    One INSERT … ON CONFLICT DO UPDATE: a single statement and a single round trip,
    whoever made the day's row.
    """
    if not -(2**63) <= article_id < 2**63:
        return False  # no database column holds it: no such article
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    alias = router.db_for_write(DailyReadCount)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(connection),
            [
                connection.ops.adapt_datefield_value(day),
                article_id,
                Article.Status.PUBLISHED,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        return cursor.rowcount > 0
