"""Public endpoints under abuse: rate limits, malformed requests, a lost database."""

from unittest import mock

import pytest
from django.db import OperationalError

from articles.tests.factories import make_article, make_network

pytestmark = pytest.mark.django_db
READER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"


def test_search_is_rate_limited_per_address_with_a_clear_429(client, settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 3

    answers = [client.get("/search/", {"q": "حلب"}).status_code for _ in range(4)]
    other = client.get("/search/", {"q": "حلب"}, REMOTE_ADDR="10.0.0.9")

    assert answers == [200, 200, 200, 429]
    assert other.status_code == 200
    limited = client.get("/search/", {"q": "حلب"})
    assert "طلبات كثيرة" in limited.content.decode()
    assert 0 < int(limited["Retry-After"]) <= 60


def test_share_redirect_is_rate_limited_per_address(client, settings):
    settings.NEWSROOM_SHARE_PER_MINUTE = 2
    article = make_article()
    make_network(slug="whatsapp", url_template="https://wa.me/?text={text}")

    answers = [
        client.get(f"/share/{article.pk}/whatsapp/", headers={"user-agent": READER}).status_code
        for _ in range(3)
    ]

    assert answers == [302, 302, 429]


def test_forwarded_address_counts_only_behind_trusted_proxies(client, settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 1

    # Untrusted: a forged header does not buy a fresh allowance.
    client.get("/search/", {"q": "x"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
    forged = client.get("/search/", {"q": "x"}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert forged.status_code == 429

    settings.NEWSROOM_TRUSTED_PROXIES = 1
    first = client.get("/search/", {"q": "x"}, HTTP_X_FORWARDED_FOR="3.3.3.3")
    second = client.get("/search/", {"q": "x"}, HTTP_X_FORWARDED_FOR="4.4.4.4")
    assert first.status_code == second.status_code == 200


def test_rate_limit_lets_readers_through_when_the_cache_is_down(client, settings, caplog):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 1
    with mock.patch("articles.public.protection.cache.incr", side_effect=ConnectionError("down")):
        answers = [client.get("/search/", {"q": "x"}).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert "cache is unavailable" in caplog.text


def test_oversized_query_string_gets_a_translated_400(client):
    response = client.get("/search/", {"q": "ا" * 3000})

    assert response.status_code == 400
    assert "طويل جداً" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q=%ff%fe%00",
        "/search/?q=%",
        "/search/?q[]=1&q[]=2",
        "/search/?q=x&page=abc",
        "/sections/no-such/?page=-1",
        "/articles/99999999999999999999/",
        "/share/1/%00/",
        "/quotes/0/",
    ],
)
def test_malformed_requests_never_cause_a_server_error(client, path):
    assert client.get(path).status_code in (200, 301, 302, 400, 404)


def test_database_outage_gives_readers_a_translated_503_without_details(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        arabic = client.get("/")
        english = client.get("/en/")

    assert arabic.status_code == english.status_code == 503
    assert "غير متاح مؤقتاً" in arabic.content.decode()
    assert "Temporarily unavailable" in english.content.decode()
    assert "connection refused" not in arabic.content.decode()
    assert arabic["Retry-After"] == "30"
