"""Links on reader pages lead where Django's own URL reversing says they lead."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from articles.links import path_builder, path_to, short_path, short_url

CASES = [
    ("articles:home", {}),
    ("articles:detail", {"pk": 17, "slug": "إلى-أين-يتوجه-عناصر_داعش"}),
    ("articles:detail", {"pk": 17, "slug": "where-do-isis-members-go"}),
    ("articles:detail_short", {"pk": 3}),
    ("articles:short", {"pk": 12}),
    ("articles:section", {"slug": "سوريا"}),
    ("articles:tag", {"slug": "tag-1"}),
    ("articles:expert", {"slug": "خبير-١"}),
    ("articles:quote", {"pk": 9}),
    ("articles:share", {"pk": 9, "network": "whatsapp"}),
]


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_paths_are_the_ones_django_reverses(name, kwargs, language):
    with translation.override(language):
        assert path_to(name, **kwargs) == reverse(name, kwargs=kwargs)
        assert path_to(name, **kwargs) == reverse(name, kwargs=kwargs)  # built once, reused


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_a_path_builder_makes_the_paths_django_reverses(name, kwargs, language):
    with translation.override(language):
        build = path_builder(name, *kwargs)
        assert build(**kwargs) == build(**kwargs) == reverse(name, kwargs=kwargs)


def test_a_path_builder_leaves_refused_or_unexpected_values_to_django():
    build = path_builder("articles:detail", "pk", "slug")

    assert build(pk=1, slug="خبر") == reverse("articles:detail", kwargs={"pk": 1, "slug": "خبر"})
    with pytest.raises(NoReverseMatch):
        build(pk="x", slug="a")
    with pytest.raises(NoReverseMatch):
        build(pk=1)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("articles:section", {"slug": "a/b"}),  # a str converter refuses "/"
        ("articles:detail", {"pk": "x", "slug": "a"}),  # an int converter refuses letters
        ("articles:share", {"pk": 1, "network": "واتساب"}),  # a slug converter: ASCII only
        ("articles:detail", {"pk": 1, "slug": ""}),
    ],
)
def test_values_a_pattern_refuses_are_refused_as_django_does(name, kwargs):
    with pytest.raises(NoReverseMatch):
        reverse(name, kwargs=kwargs)
    with pytest.raises(NoReverseMatch):
        path_to(name, **kwargs)


def test_other_values_are_quoted_as_django_does():
    kwargs = {"pk": 4, "slug": "a b?c#d%"}
    assert path_to("articles:detail", **kwargs) == reverse("articles:detail", kwargs=kwargs)


def test_a_site_under_a_path_prefix_links_under_it():
    set_script_prefix("/news/")
    try:
        assert path_to("articles:tag", slug="t") == "/news/tags/t/"
    finally:
        set_script_prefix("/")
    assert path_to("articles:tag", slug="t") == "/tags/t/"


def test_the_short_path_is_in_the_active_language():
    assert short_path(12) == "/a/12/"
    with translation.override("en"):
        assert short_path(12) == "/en/a/12/"


def test_the_short_address_is_on_the_site_in_the_language_asked_for(settings):
    settings.NEWSROOM_SITE_URL = "https://news.example"

    assert short_url(12, "ar") == "https://news.example/a/12/"
    assert short_url(12, "en") == "https://news.example/en/a/12/"
    assert translation.get_language() == "ar"  # the language active before is kept


def test_the_short_address_needs_the_site_address(settings):
    settings.NEWSROOM_SITE_URL = ""

    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_SITE_URL"):
        short_url(12, "ar")
