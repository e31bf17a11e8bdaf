"""Readers' share clicks, counted per article, network and day."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article, DailyShareCount, ShareNetwork


def share_click_record(
    *, article: Article, network: ShareNetwork, day: datetime.date | None = None
) -> None:
    """Count one share of ``article`` through ``network`` on ``day`` (today, Damascus time).

    The increment is a single UPDATE in the database, so concurrent clicks never lose
    a count; the day's row is created by the first click, and a click that loses the
    race to create it adds itself to the winner's row.
    """
    day = day or timezone.localdate()
    rows = DailyShareCount.objects.filter(article=article, network=network, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            DailyShareCount.objects.create(article=article, network=network, day=day, count=1)
    except IntegrityError:
        rows.update(count=F("count") + 1)
