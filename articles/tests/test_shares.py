"""Services: share counts that never lose a click."""

import datetime
import threading

import pytest
from django.db import connection, connections

from articles.models import DailyShareCount
from articles.tests.factories import make_article, make_network
from articles.writing.shares import share_click_record


@pytest.mark.django_db
def test_clicks_on_different_days_and_networks_are_counted_apart():
    article = make_article()
    whatsapp, telegram = make_network(), make_network()
    monday, tuesday = datetime.date(2026, 11, 23), datetime.date(2026, 11, 24)

    share_click_record(article=article, network=whatsapp, day=monday)
    share_click_record(article=article, network=whatsapp, day=monday)
    share_click_record(article=article, network=whatsapp, day=tuesday)
    share_click_record(article=article, network=telegram, day=tuesday)

    counts = {
        (row.network_id, row.day): row.count
        for row in DailyShareCount.objects.filter(article=article)
    }
    assert counts == {
        (whatsapp.pk, monday): 2,
        (whatsapp.pk, tuesday): 1,
        (telegram.pk, tuesday): 1,
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_are_all_counted():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race needs a server database")
    article = make_article()
    network = make_network()
    clicks_per_thread, threads = 25, 8
    barrier = threading.Barrier(threads)
    errors = []

    def click():
        try:
            barrier.wait()
            for _ in range(clicks_per_thread):
                share_click_record(article=article, network=network)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=click) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert DailyShareCount.objects.get(article=article, network=network).count == 200
