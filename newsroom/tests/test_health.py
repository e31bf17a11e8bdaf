"""The load balancer's health check."""

import pytest


@pytest.mark.django_db
def test_health_check_answers_ok_without_the_database_and_is_never_cached(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
