"""Fixtures shared by the whole suite."""

import pytest
from django.core.management import call_command
from django.utils import translation


def pytest_configure(config):
    """Serve static files unhashed in tests: production's manifest needs collectstatic.

    newsroom/tests/test_static.py runs collectstatic with the production storage itself.
    """
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A reader template that reads a name its page does not offer fails the test.
    settings.NEWSROOM_STRICT_TEMPLATES = True
    # WhiteNoise serves the source folders directly, as in development.
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _arabic_by_default():
    """Start every test in the site's default language, as a request to / would."""
    with translation.override("ar"):
        yield


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Keep files stored by any test (uploads, renditions, share images) out of the repo."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache (rate-limit counts, cached pages), and no
    stored file known to this process."""
    from django.core.cache import cache

    from articles.media.images import forget_stored

    cache.clear()
    forget_stored()


@pytest.fixture
def uncached_pages(settings):
    """Measure what rendering a page costs: the page cache answers repeats with no query."""
    settings.NEWSROOM_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _page_generation_file(settings, tmp_path_factory):
    """Keep each test's page-cache generation to itself, out of the repository's var/."""
    settings.NEWSROOM_PAGE_CACHE_GENERATION_FILE = tmp_path_factory.mktemp("var") / "generation"


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Forget cached content types: a test in transaction mode recreates them with new ids."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def roles_exist(django_db_setup, django_db_blocker):
    """Recreate the role groups: tests in transaction mode empty every table after them."""
    from django.apps import apps

    from staff.roles import sync_roles

    with django_db_blocker.unblock():
        sync_roles(apps)


@pytest.fixture
def seeded(db):
    """Load the seed report (and nothing else) into the test database."""
    call_command("seed_newsroom", verbosity=0)


@pytest.fixture
def seed_report(seeded):
    from articles.models import Article

    return Article.objects.get(import_key="seed-000-5f667f3733499231")
