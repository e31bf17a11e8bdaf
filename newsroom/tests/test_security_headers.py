"""Security headers: a Content-Security-Policy with no inline script, on every page."""

import pytest
from django.urls import reverse

from articles.tests.signin import sign_in
from newsroom.middleware import import_map_hashes

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def test_reader_pages_allow_no_inline_script_and_no_framing(client, seed_report):
    response = client.get(f"/articles/{seed_report.pk}/", follow=True)

    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_editors_import_map_is_allowed_by_its_hash_only(client, admin_user, seed_report):
    response = sign_in(client, admin_user).get(
        reverse("admin:articles_article_change", args=[seed_report.pk])
    )

    policy = directives(response)
    assert "'sha256-" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_an_injected_import_map_pointing_elsewhere_is_never_allowed():
    own = '<script type="importmap">{"imports": {"x": "/static/x.js"}}</script>'
    foreign = '<script type="importmap">{"imports": {"x": "https://evil.example/x.js"}}</script>'

    assert len(import_map_hashes(own)) == 1
    assert import_map_hashes(foreign) == []
    assert import_map_hashes('<script type="importmap">not json</script>') == []
