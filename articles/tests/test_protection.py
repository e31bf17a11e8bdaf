"""Public endpoints under abuse: rate limits, malformed requests, a lost database."""

from unittest import mock

import pytest
from django.db import OperationalError

from articles.public import protection
from articles.tests.factories import make_article, make_network

pytestmark = pytest.mark.django_db
READER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
# A carrier address many readers share (CGNAT).
CARRIER = "5.0.0.1"


class Clock:
    """The time the rate limits read, moved by the test instead of slept through."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """A clock at the start of a minute."""
    fake = Clock(1_800_000_000.0)  # a multiple of 60
    monkeypatch.setattr(protection, "time", fake)
    return fake


def search(client, address=CARRIER):
    return client.get("/search/", {"q": "حلب"}, REMOTE_ADDR=address)


def test_search_is_rate_limited_per_address_with_a_clear_429(client, settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 3

    answers = [client.get("/search/", {"q": "حلب"}).status_code for _ in range(4)]
    other = client.get("/search/", {"q": "حلب"}, REMOTE_ADDR="10.0.0.9")

    assert answers == [200, 200, 200, 429]
    assert other.status_code == 200
    limited = client.get("/search/", {"q": "حلب"})
    assert "طلبات كثيرة" in limited.content.decode()
    assert 0 < int(limited["Retry-After"]) <= 120  # this minute, and the next at most


def test_120_searches_a_minute_from_one_carrier_address_all_answer(client, clock):
    """Two minutes of readers behind one address searching twice a second, with the
    default limit: nobody is turned away, at the minute's turn included."""
    answers = []
    for _ in range(240):
        answers.append(search(client).status_code)
        clock.advance(0.5)

    assert answers == [200] * 240


def test_flood_from_one_address_is_refused_and_another_address_is_not(client, clock, settings):
    answers = []
    for _ in range(400):  # 600 a minute
        answers.append(search(client))
        clock.advance(0.1)

    statuses = [answer.status_code for answer in answers]
    limit = settings.NEWSROOM_SEARCH_PER_MINUTE
    assert statuses == [200] * limit + [429] * (400 - limit)
    assert "طلبات كثيرة" in answers[-1].content.decode()
    assert 0 < int(answers[-1]["Retry-After"]) <= 120
    assert search(client, address="5.0.0.2").status_code == 200


def test_burst_at_the_turn_of_a_minute_does_not_double_the_allowance(client, clock, settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 10
    clock.advance(58)
    before_the_turn = [search(client).status_code for _ in range(10)]
    clock.advance(4)  # two seconds into the next minute
    after_the_turn = [search(client).status_code for _ in range(10)]

    assert before_the_turn == [200] * 10
    assert after_the_turn == [429] * 10


def test_retry_after_is_long_enough_and_no_longer(client, clock, settings):
    settings.NEWSROOM_SEARCH_PER_MINUTE = 10
    for _ in range(10):
        search(client)
        clock.advance(1)
    refused = search(client)
    wait = int(refused["Retry-After"])

    clock.advance(wait - 1)
    too_early = search(client)
    clock.advance(int(too_early["Retry-After"]))
    in_time = search(client)

    assert refused.status_code == too_early.status_code == 429
    assert in_time.status_code == 200


def test_readers_behind_one_address_share_a_story_without_a_429(client, clock):
    article = make_article()
    make_network(slug="whatsapp", url_template="https://wa.me/?text={text}")
    answers = []
    for _ in range(240):  # two a second for two minutes, the default limit
        answers.append(
            client.get(
                f"/share/{article.pk}/whatsapp/",
                headers={"user-agent": READER},
                REMOTE_ADDR=CARRIER,
            ).status_code
        )
        clock.advance(0.5)

    assert answers == [302] * 240


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
