"""Security headers: a Content-Security-Policy with no inline script and no inline
style, on every page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles.tests.signin import sign_in
from newsroom.middleware import import_map_hashes

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


# What a policy without 'unsafe-inline' in style-src blocks: a style attribute, a <style>.
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.I)


def test_reader_pages_allow_no_inline_script_and_no_framing(client, seed_report):
    response = client.get(f"/articles/{seed_report.pk}/", follow=True)

    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_reader_pages_need_no_inline_style_even_from_the_page_cache(client, seed_report):
    """A reader page has nothing the policy would block, and the copy the page cache
    serves to the next reader carries the same policy (no per-request nonce in it)."""
    first = client.get(seed_report.get_absolute_url())
    again = client.get(seed_report.get_absolute_url())

    assert INLINE_STYLE.search(first.content.decode()) is None
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["X-Cache"] == "hit"
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert directives(again)["style-src"] == "style-src 'self'"


def test_no_reader_page_carries_an_inline_style(client, seed_report):
    """Every kind of reader page, error pages included, needs nothing the policy blocks."""
    quote = seed_report.quotes.select_related("expert").first()
    pages = [
        "/",
        "/en/",
        seed_report.get_absolute_url(),
        seed_report.section.get_absolute_url(),
        seed_report.tags.first().get_absolute_url(),
        quote.expert.get_absolute_url(),
        quote.get_absolute_url(),
        reverse("articles:search") + "?q=الرقة",
        "/no-such-page/",
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == (404 if page == "/no-such-page/" else 200), page
        assert directives(response)["style-src"] == "style-src 'self'", page
        assert INLINE_STYLE.search(response.content.decode()) is None, page


def test_a_refused_form_is_explained_on_a_page_with_no_inline_style(seed_report):
    """A sign-in form kept open past its CSRF cookie: Django's own page would carry a
    <style> element the policy blocks; ours is styled by the site's style sheet."""
    response = Client(enforce_csrf_checks=True).post(
        reverse("admin:login"), {"username": "editor", "password": "x"}
    )

    assert response.status_code == 403
    content = response.content.decode()
    assert "تعذّر إرسال النموذج" in content
    assert directives(response)["style-src"] == "style-src 'self'"
    assert INLINE_STYLE.search(content) is None


def test_the_editors_import_map_is_allowed_by_its_hash_only(client, admin_user, seed_report):
    response = sign_in(client, admin_user).get(
        reverse("admin:articles_article_change", args=[seed_report.pk])
    )

    policy = directives(response)
    assert "'sha256-" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]


@pytest.mark.parametrize(
    "screen",
    ["sign-in", "index", "article add", "article change", "user change", "two-factor setup"],
)
def test_admin_screens_allow_no_inline_style(client, admin_user, seed_report, screen):
    """The admin and the rich-text editor included: no style attribute and no <style>
    element, so the policy can refuse them all (the browser tests check what scripts
    add to the page)."""
    if screen != "sign-in":
        sign_in(client, admin_user)
    url = {
        "sign-in": reverse("admin:login"),
        "index": reverse("admin:index"),
        "article add": reverse("admin:articles_article_add"),
        "article change": reverse("admin:articles_article_change", args=[seed_report.pk]),
        "user change": reverse("admin:auth_user_change", args=[admin_user.pk]),
        "two-factor setup": reverse("admin:two_factor_setup"),
    }[screen]

    response = client.get(url)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["style-src"] == "style-src 'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert INLINE_STYLE.search(response.content.decode()) is None


def test_an_injected_import_map_pointing_elsewhere_is_never_allowed():
    own = '<script type="importmap">{"imports": {"x": "/static/x.js"}}</script>'
    foreign = '<script type="importmap">{"imports": {"x": "https://evil.example/x.js"}}</script>'

    assert len(import_map_hashes(own)) == 1
    assert import_map_hashes(foreign) == []
    assert import_map_hashes('<script type="importmap">not json</script>') == []
